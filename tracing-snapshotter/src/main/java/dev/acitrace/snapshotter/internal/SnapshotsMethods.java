package dev.acitrace.snapshotter.internal;

import dev.acitrace.snapshotter.proto.SnapshotsProto;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoFileDescriptorSupplier;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import java.util.Collection;

/**
 * Not for public use. The method and service descriptors of {@code containerd.services.snapshots.v1.Snapshots}
 * for any message representation: the typed protobuf messages the service binding and client use, or the
 * raw bytes the proxy forwards. Both carry the proto schema, so gRPC server reflection describes the
 * service as protoc-gen-grpc-java's stubs would.
 */
public final class SnapshotsMethods {

  /** The fully qualified gRPC service name. */
  public static final String SERVICE_NAME = "containerd.services.snapshots.v1.Snapshots";

  private SnapshotsMethods() {}

  /**
   * One method of the service.
   *
   * @param name the RPC's name in the service ({@code Prepare})
   */
  public static <Q, R> MethodDescriptor<Q, R> method(
      MethodType type, String name, Marshaller<Q> request, Marshaller<R> response) {
    return MethodDescriptor.<Q, R>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE_NAME, name))
        .setRequestMarshaller(request)
        .setResponseMarshaller(response)
        .setSchemaDescriptor(new Schema(name))
        // Every method changes or reads state that may change: none is idempotent or safe to
        // retry blindly, which is what the generated code would say for a plain proto service.
        .build();
  }

  /** The service made of {@code methods}, all built by {@link #method}. */
  public static ServiceDescriptor service(Collection<? extends MethodDescriptor<?, ?>> methods) {
    ServiceDescriptor.Builder builder = ServiceDescriptor.newBuilder(SERVICE_NAME).setSchemaDescriptor(new Schema(null));
    methods.forEach(builder::addMethod);
    return builder.build();
  }

  /** Schema supplier for reflection, as generated stubs provide it. */
  private static final class Schema
      implements ProtoFileDescriptorSupplier, ProtoServiceDescriptorSupplier, ProtoMethodDescriptorSupplier {
    private final String methodName;

    Schema(String methodName) {
      this.methodName = methodName;
    }

    @Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return SnapshotsProto.getDescriptor();
    }

    @Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("Snapshots");
    }

    @Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return methodName == null ? null : getServiceDescriptor().findMethodByName(methodName);
    }
  }
}

package dev.acitrace.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.api.CallType;
import dev.acitrace.api.RpcMethod;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class RpcMethodsTest {

  private static final MethodDescriptor.Marshaller<String> NONE = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(new byte[0]);
    }

    @Override
    public String parse(InputStream stream) {
      return "";
    }
  };

  private static MethodDescriptor<String, String> descriptor(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<String, String>newBuilder().setFullMethodName(name).setType(type)
        .setRequestMarshaller(NONE).setResponseMarshaller(NONE).build();
  }

  @Test
  void of_parsesOnceAndCaches() {
    MethodDescriptor<String, String> list = descriptor("containerd.services.snapshots.v1.Snapshots/List",
        MethodDescriptor.MethodType.SERVER_STREAMING);
    RpcMethod method = RpcMethods.of(list);
    assertThat(method).isEqualTo(new RpcMethod("containerd.services.snapshots.v1.Snapshots/List",
        "containerd.services.snapshots.v1.Snapshots", "List", CallType.SERVER_STREAMING));
    assertThat(RpcMethods.of(list)).isSameAs(method);
  }

  @Test
  void of_sameNameOtherType_notConfused() {
    RpcMethod unary = RpcMethods.of(descriptor("a.B/C", MethodDescriptor.MethodType.UNARY));
    RpcMethod bidi = RpcMethods.of(descriptor("a.B/C", MethodDescriptor.MethodType.BIDI_STREAMING));
    assertThat(unary.callType()).isEqualTo(CallType.UNARY);
    assertThat(bidi.callType()).isEqualTo(CallType.BIDI_STREAMING);
    assertThat(RpcMethods.callType(null)).isEqualTo(CallType.UNKNOWN);
  }
}

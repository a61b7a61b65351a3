package dev.acitrace.snapshotter.proxy;

import static java.util.Objects.requireNonNull;

import dev.acitrace.snapshotter.TracingSnapshotter;
import dev.acitrace.snapshotter.grpc.SnapshotsService;
import dev.acitrace.snapshotter.internal.SnapshotsMethods;
import io.grpc.Channel;
import io.grpc.HandlerRegistry;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import java.util.EnumMap;
import java.util.Map;

/**
 * A tracing proxy for any containerd snapshotter: serves {@code containerd.services.snapshots.v1.Snapshots}
 * by forwarding every call to an upstream snapshotter (overlaybd, stargz, nydus, containerd's own code
 * behind {@code snapshotservice.FromSnapshotter}, or ours), with a {@code snapshotter.<Operation>} span
 * around each forwarded call.
 *
 * <pre>{@code
 * ManagedChannel upstream = UpstreamChannel.builder("unix:///run/stargz/snapshotter.sock")
 *     .intercept(clientTracingInterceptor)       // CLIENT span, trace context + baggage injected
 *     .build();
 * SnapshotsProxy proxy = SnapshotsProxy.create(upstream, openTelemetry, "unix:///run/stargz/snapshotter.sock");
 * serverBuilder.addService(proxy.service())      // under a tracing server interceptor: SERVER span
 *     .fallbackHandlerRegistry(proxy.otherMethods());
 * }</pre>
 *
 * <p>A traced call is SERVER span (the server's interceptor) > {@code snapshotter.<Operation>} span (here,
 * same names and attributes as {@link TracingSnapshotter}) > CLIENT span (the channel's interceptor).
 *
 * <p>Transparent: messages are forwarded as bytes, never decoded and re-encoded, so requests and answers
 * (labels, mounts, unknown fields) reach the other side byte for byte; statuses, messages and details
 * (trailers) come back unchanged; the caller's other headers go to the upstream; the caller's deadline
 * reaches the upstream and cancelling the call cancels the upstream call; {@code List} streams one page at
 * a time, with the caller's flow control. Only the request is decoded, once, for the span's attributes
 * (its key, parent, labels count...), and only a few small answers (Stat, Update, Usage) when the span
 * records. The one thing the proxy changes is what it is for: the trace-context and baggage headers
 * describe the proxy's span. A failure to reach the upstream is {@code UNAVAILABLE}, saying which upstream.
 */
public final class SnapshotsProxy {

  /** The fully qualified gRPC service name. */
  public static final String SERVICE_NAME = SnapshotsService.SERVICE_NAME;

  private static final String METHOD_PREFIX = SERVICE_NAME + "/";
  private static final Map<Operation, MethodDescriptor<byte[], byte[]>> METHODS = methods();
  private static final ServiceDescriptor SERVICE = SnapshotsMethods.service(METHODS.values());

  private final Channel upstream;
  private final Tracer tracer;
  private final Headers headers;
  private final ServerServiceDefinition definition;
  private final HandlerRegistry otherMethods;

  private SnapshotsProxy(Channel upstream, OpenTelemetry openTelemetry, String upstreamName) {
    this.upstream = upstream;
    this.tracer = openTelemetry.getTracer(TracingSnapshotter.INSTRUMENTATION_SCOPE);
    this.headers = new Headers(openTelemetry.getPropagators().getTextMapPropagator().fields(), upstreamName);
    ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(SERVICE);
    for (Map.Entry<Operation, MethodDescriptor<byte[], byte[]>> method : METHODS.entrySet()) {
      builder.addMethod(method.getValue(),
          new ProxyHandler(upstream, method.getValue(), method.getKey(), tracer, headers));
    }
    this.definition = builder.build();
    this.otherMethods = new OtherMethods();
  }

  /**
   * Creates a proxy.
   *
   * @param upstream the channel to the upstream snapshotter; install the tracing client interceptor on
   *     it for CLIENT spans and propagation (see {@link UpstreamChannel#builder})
   * @param openTelemetry where the {@code snapshotter.<Operation>} spans' tracer and the propagator's
   *     header names come from
   * @param upstreamName how errors name the upstream, e.g. its address
   * @return the proxy
   */
  public static SnapshotsProxy create(Channel upstream, OpenTelemetry openTelemetry, String upstreamName) {
    return new SnapshotsProxy(requireNonNull(upstream, "upstream"), requireNonNull(openTelemetry, "openTelemetry"),
        requireNonNull(upstreamName, "upstreamName"));
  }

  /**
   * The {@code Snapshots} service with its ten methods forwarded.
   *
   * @return the service definition to add to a server
   */
  public ServerServiceDefinition service() {
    return definition;
  }

  /**
   * Forwards methods of the {@code Snapshots} service that this build does not know (a newer
   * containerd's), traced as {@code snapshotter.<Method>} without attributes; other services are not
   * found here. Install it as the server's fallback registry.
   *
   * @return the registry
   */
  public HandlerRegistry otherMethods() {
    return otherMethods;
  }

  private final class OtherMethods extends HandlerRegistry {
    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
      if (methodName == null || !methodName.startsWith(METHOD_PREFIX)
          || methodName.indexOf('/', METHOD_PREFIX.length()) >= 0) {
        return null;
      }
      // built per call rather than cached: callers choose the names, and must not be able to fill a cache
      MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodType.UNKNOWN)
          .setFullMethodName(methodName)
          .setRequestMarshaller(RawBytes.INSTANCE)
          .setResponseMarshaller(RawBytes.INSTANCE)
          .build();
      return ServerMethodDefinition.create(method, new ProxyHandler(upstream, method, null, tracer, headers));
    }
  }

  private static Map<Operation, MethodDescriptor<byte[], byte[]>> methods() {
    Map<Operation, MethodDescriptor<byte[], byte[]>> methods = new EnumMap<>(Operation.class);
    for (Operation operation : Operation.values()) {
      methods.put(operation, SnapshotsMethods.method(operation.type, operation.rpcName, RawBytes.INSTANCE, RawBytes.INSTANCE));
    }
    return methods;
  }

  /** The method descriptors the proxy uses, for tests in this package. */
  static MethodDescriptor<byte[], byte[]> method(Operation operation) {
    return METHODS.get(operation);
  }
}

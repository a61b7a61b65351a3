package dev.acitrace.grpc.client;

import dev.acitrace.grpc.internal.AttemptTracing;
import dev.acitrace.grpc.internal.FlatAttributes;
import dev.acitrace.grpc.internal.GrpcContextBridge;
import dev.acitrace.grpc.internal.MethodInfo;
import dev.acitrace.grpc.internal.RpcInstrumenter;
import dev.acitrace.grpc.internal.TracedCall;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.MethodDescriptor;

/** Starts a CLIENT span per call; see {@link TracingClientCall}. */
final class TracingClientInterceptor implements ClientInterceptor {

  final RpcInstrumenter instrumenter;
  /** Fixed server attributes from a configured target, or null to derive them from the authority. */
  private final FlatAttributes targetAttributes;
  /** One-entry cache: an interceptor almost always serves one channel, hence one authority. */
  private volatile AuthorityAttributes lastAuthority;

  TracingClientInterceptor(RpcInstrumenter instrumenter, String target) {
    this.instrumenter = instrumenter;
    this.targetAttributes = target == null ? null : FlatAttributes.of(ServerAddress.fromTarget(target));
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    MethodInfo info = instrumenter.method(method);
    if (!info.traced()) {
      return next.newCall(method, callOptions);
    }
    TracedCall traced = instrumenter.newCall(info, GrpcContextBridge.current());
    if (instrumenter.measuresSizes()) {
      ClientSizes sizes = new ClientSizes();
      traced.sizes(sizes);
      callOptions = callOptions.withStreamTracerFactory(sizes);
    }
    AttemptTracing attempts = instrumenter.attemptTracing();
    boolean injectPerAttempt = false;
    if (attempts != null) {
      ClientStreamTracer.Factory factory = attempts.newFactory(traced);
      if (factory != null) {
        callOptions = callOptions.withStreamTracerFactory(factory);
        if (factory instanceof AttemptTracerFactory) {
          ((AttemptTracerFactory) factory).serverAttributesOf(this, next);
          injectPerAttempt = true;
        }
      }
    }
    return new TracingClientCall<>(next.newCall(method, callOptions), traced, this, next, injectPerAttempt);
  }

  /** The server attributes of {@code channel}; called only for recording spans. */
  FlatAttributes serverAttributes(Channel channel) {
    if (targetAttributes != null) {
      return targetAttributes;
    }
    String authority = channel.authority();
    AuthorityAttributes cached = lastAuthority;
    if (cached != null && cached.authority.equals(authority)) {
      return cached.attributes;
    }
    FlatAttributes attributes = FlatAttributes.of(ServerAddress.fromAuthority(authority));
    if (authority != null) {
      lastAuthority = new AuthorityAttributes(authority, attributes);
    }
    return attributes;
  }

  private static final class AuthorityAttributes {
    final String authority;
    final FlatAttributes attributes;

    AuthorityAttributes(String authority, FlatAttributes attributes) {
      this.authority = authority;
      this.attributes = attributes;
    }
  }
}

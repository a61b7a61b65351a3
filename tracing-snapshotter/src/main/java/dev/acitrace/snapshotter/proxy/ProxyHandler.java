package dev.acitrace.snapshotter.proxy;

import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.opentelemetry.api.trace.Tracer;

/** Forwards the calls of one method; everything per method is decided here, once. */
final class ProxyHandler implements ServerCallHandler<byte[], byte[]> {

  final Channel upstream;
  final MethodDescriptor<byte[], byte[]> method;
  /** What the method's span reads from requests and answers, or null for a method this build does not know. */
  final Operation operation;
  final String spanName;
  final Tracer tracer;
  final Headers headers;

  ProxyHandler(Channel upstream, MethodDescriptor<byte[], byte[]> method, Operation operation, Tracer tracer,
      Headers headers) {
    this.upstream = upstream;
    this.method = method;
    this.operation = operation;
    this.spanName = operation != null ? operation.spanName : "snapshotter." + method.getBareMethodName();
    this.tracer = tracer;
    this.headers = headers;
  }

  @Override
  public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> call, Metadata requestHeaders) {
    ProxyCall proxied = new ProxyCall(this, call, requestHeaders);
    call.request(1);
    return proxied;
  }
}

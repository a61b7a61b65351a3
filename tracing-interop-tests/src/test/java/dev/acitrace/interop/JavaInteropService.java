package dev.acitrace.interop;

import dev.acitrace.interop.proto.HopReply;
import dev.acitrace.interop.proto.HopRequest;
import dev.acitrace.interop.proto.Observation;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The Java side of the interop service (interop/node/proto/acitrace/interop/v1/interop.proto): reports what
 * its handler saw and, when asked, calls the next hop through a channel the test traces. The service glue
 * is written by hand (no grpc-java code generator here), from the generated messages.
 */
final class JavaInteropService {
  static final String SERVICE = "acitrace.interop.v1.Interop";

  static final MethodDescriptor<HopRequest, HopReply> UNARY = method(MethodDescriptor.MethodType.UNARY, "Unary");
  static final MethodDescriptor<HopRequest, HopReply> SERVER_STREAM =
      method(MethodDescriptor.MethodType.SERVER_STREAMING, "ServerStream");

  private static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> BAGGAGE = Metadata.Key.of("baggage", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<Metadata> HEADERS = Context.key("interop-request-headers");

  private final Function<String, ManagedChannel> channelFactory;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  /** @param channelFactory builds a traced channel for a {@code host:port} target */
  JavaInteropService(Function<String, ManagedChannel> channelFactory) {
    this.channelFactory = channelFactory;
  }

  private static MethodDescriptor<HopRequest, HopReply> method(MethodDescriptor.MethodType type, String name) {
    return MethodDescriptor.<HopRequest, HopReply>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(ProtoUtils.marshaller(HopRequest.getDefaultInstance()))
        .setResponseMarshaller(ProtoUtils.marshaller(HopReply.getDefaultInstance()))
        .build();
  }

  ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(UNARY, ServerCalls.asyncUnaryCall(this::unary))
        .addMethod(SERVER_STREAM, ServerCalls.asyncServerStreamingCall(this::serverStream))
        .build();
  }

  /**
   * Keeps the raw request headers for the handler's report. Add it to the server builder before the tracing
   * interceptor, so that it runs inside it.
   */
  static ServerInterceptor headerCapture() {
    return new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
          ServerCallHandler<ReqT, RespT> next) {
        return Contexts.interceptCall(Context.current().withValue(HEADERS, headers), call, headers, next);
      }
    };
  }

  static Observation observe() {
    SpanContext span = Span.current().getSpanContext();
    Metadata headers = HEADERS.get();
    Observation.Builder observation = Observation.newBuilder()
        .setPeer("java")
        .setTraceId(span.getTraceId())
        .setSpanId(span.getSpanId())
        .setTraceparent(joined(headers, TRACEPARENT))
        .setBaggageHeader(joined(headers, BAGGAGE));
    Baggage.current().forEach((key, entry) -> observation.putBaggage(key, entry.getValue()));
    return observation.build();
  }

  private static String joined(Metadata headers, Metadata.Key<String> key) {
    if (headers == null) {
      return "";
    }
    Iterable<String> values = headers.getAll(key);
    return values == null ? "" : String.join("\n", values);
  }

  private Channel channel(String target) {
    return channels.computeIfAbsent(target, channelFactory);
  }

  private void unary(HopRequest request, StreamObserver<HopReply> responses) {
    Observation own = observe();
    if (request.getNextCount() == 0) {
      if (request.getFailCode() != 0) {
        responses.onError(failure(request.getFailCode()));
      } else {
        responses.onNext(HopReply.newBuilder().addHops(own).build());
        responses.onCompleted();
      }
      return;
    }
    HopRequest downstream = request.toBuilder().clearNext()
        .addAllNext(request.getNextList().subList(1, request.getNextCount())).build();
    try {
      HopReply reply = ClientCalls.blockingUnaryCall(channel(request.getNext(0)), UNARY, CallOptions.DEFAULT,
          downstream);
      responses.onNext(HopReply.newBuilder().addHops(own).addAllHops(reply.getHopsList()).build());
      responses.onCompleted();
    } catch (StatusRuntimeException e) {
      responses.onError(passOn(e));
    }
  }

  private void serverStream(HopRequest request, StreamObserver<HopReply> responses) {
    Observation own = observe();
    if (request.getNextCount() == 0) {
      int count = Math.max(1, request.getCount());
      for (int i = 0; i < count; i++) {
        responses.onNext(HopReply.newBuilder().addHops(own).setIndex(i).build());
        if (request.getFailCode() != 0) {
          responses.onError(failure(request.getFailCode()));
          return;
        }
      }
      responses.onCompleted();
      return;
    }
    HopRequest downstream = request.toBuilder().clearNext()
        .addAllNext(request.getNextList().subList(1, request.getNextCount())).build();
    try {
      Iterator<HopReply> replies = ClientCalls.blockingServerStreamingCall(channel(request.getNext(0)),
          SERVER_STREAM, CallOptions.DEFAULT, downstream);
      while (replies.hasNext()) {
        HopReply reply = replies.next();
        responses.onNext(HopReply.newBuilder().addHops(own).addAllHops(reply.getHopsList())
            .setIndex(reply.getIndex()).build());
      }
      responses.onCompleted();
    } catch (StatusRuntimeException e) {
      responses.onError(passOn(e));
    }
  }

  private static StatusRuntimeException failure(int code) {
    return Status.fromCodeValue(code).withDescription("failed as asked (code " + code + ")").asRuntimeException();
  }

  /** The downstream failure, same code and description, without its cause (that stays on this side). */
  private static StatusRuntimeException passOn(StatusRuntimeException e) {
    return Status.fromCode(e.getStatus().getCode()).withDescription(e.getStatus().getDescription())
        .asRuntimeException();
  }

  void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
  }
}

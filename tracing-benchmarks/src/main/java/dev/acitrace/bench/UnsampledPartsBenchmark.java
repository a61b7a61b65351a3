package dev.acitrace.bench;

import dev.acitrace.baggage.AciBaggagePropagator;
import dev.acitrace.grpc.internal.GrpcContextBridge;
import dev.acitrace.grpc.internal.GrpcMetadata;
import io.grpc.Metadata;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The parts an unsampled traced call is made of, each on its own, with the same SDK (always-off sampler),
 * propagators and 3-entry baggage as {@link OursGrpcBenchmark}: starting the client and the server span,
 * writing and reading {@code traceparent} and {@code baggage} in gRPC {@link Metadata}, and making a
 * context current in OpenTelemetry's and in gRPC's storage. Not part of the suite {@code bench/run} judges;
 * its numbers explain the unsampled row (docs/benchmarks.md).
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class UnsampledPartsBenchmark {

  private static final String SPAN_NAME = BenchRpc.UNARY.getFullMethodName();

  private final TextMapPropagator traceContext = W3CTraceContextPropagator.getInstance();
  private final TextMapPropagator baggage = AciBaggagePropagator.create();
  private TracingSdk sdk;
  private Tracer tracer;
  private Context callContext;
  private Context clientContext;
  private Metadata requestHeaders;
  private Context extracted;
  private Context serverContext;
  private io.grpc.Context grpcContext;

  /** Builds one call's worth of inputs once. */
  @Setup
  public void prepare() {
    sdk = new TracingSdk(false, TextMapPropagator.composite(traceContext, baggage));
    tracer = sdk.openTelemetry().getTracer("bench");
    callContext = Context.root().with(BaggageSamples.forCall());
    clientContext = callContext.with(clientSpan());
    requestHeaders = new Metadata();
    traceContext.inject(clientContext, requestHeaders, GrpcMetadata.setter());
    baggage.inject(clientContext, requestHeaders, GrpcMetadata.setter());
    extracted = baggage.extract(
        traceContext.extract(Context.root(), requestHeaders, GrpcMetadata.getter()),
        requestHeaders, GrpcMetadata.getter());
    serverContext = extracted.with(serverSpan());
    grpcContext = GrpcContextBridge.withOpenTelemetry(io.grpc.Context.ROOT, serverContext);
  }

  /** Stops the SDK. */
  @TearDown
  public void stop() {
    sdk.close();
  }

  /** The client span: a new trace (the caller has none), unsampled. */
  @Benchmark
  public Span clientSpan() {
    return tracer.spanBuilder(SPAN_NAME).setParent(callContext).setSpanKind(SpanKind.CLIENT).startSpan();
  }

  /** The server span, child of the extracted remote parent, unsampled. */
  @Benchmark
  public Span serverSpan() {
    return tracer.spanBuilder(SPAN_NAME).setParent(extracted).setSpanKind(SpanKind.SERVER).startSpan();
  }

  /** A context with a span added: what the client injects from, and what the server handler sees. */
  @Benchmark
  public Context contextWithSpan() {
    return callContext.with(Span.getInvalid());
  }

  /** An empty {@link Metadata}: the baseline the inject parts are measured on. */
  @Benchmark
  public Metadata newMetadata() {
    return new Metadata();
  }

  /** {@code traceparent} into fresh request headers. */
  @Benchmark
  public Metadata injectTraceContext() {
    Metadata headers = new Metadata();
    traceContext.inject(clientContext, headers, GrpcMetadata.setter());
    return headers;
  }

  /** The 3-entry {@code baggage} header into fresh request headers. */
  @Benchmark
  public Metadata injectBaggage() {
    Metadata headers = new Metadata();
    baggage.inject(clientContext, headers, GrpcMetadata.setter());
    return headers;
  }

  /** {@code traceparent} out of the request headers. */
  @Benchmark
  public Context extractTraceContext() {
    return traceContext.extract(Context.root(), requestHeaders, GrpcMetadata.getter());
  }

  /** The 3-entry {@code baggage} header out of the request headers. */
  @Benchmark
  public Context extractBaggage() {
    return baggage.extract(Context.root(), requestHeaders, GrpcMetadata.getter());
  }

  /** Making the server's context current in OpenTelemetry's storage and back: once per callback. */
  @Benchmark
  public void attachOpenTelemetry() {
    Scope scope = serverContext.makeCurrent();
    scope.close();
  }

  /** Making the bridging gRPC context current and back: once per callback. */
  @Benchmark
  public void attachGrpc() {
    io.grpc.Context previous = grpcContext.attach();
    grpcContext.detach(previous);
  }

  /** The gRPC context that carries the OpenTelemetry one: once per server call. */
  @Benchmark
  public io.grpc.Context grpcContextWithValue() {
    return GrpcContextBridge.withOpenTelemetry(io.grpc.Context.ROOT, serverContext);
  }
}

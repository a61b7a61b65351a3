package dev.acitrace.bench;

import dev.acitrace.grpc.client.GrpcClientTracing;
import io.grpc.ManagedChannelBuilder;
import io.opentelemetry.api.OpenTelemetry;
import org.openjdk.jmh.annotations.Param;

/**
 * {@link OursGrpcBenchmark}'s setup with attempt spans on ({@code attemptSpans(true)}): one more
 * {@code CLIENT} span per call (the single attempt of a call without a retry policy), a stream tracer
 * factory and tracer per call, and injection moved from the call to the attempt. Compare with
 * {@link OursGrpcBenchmark} (attempt spans off, the default), e.g.
 * {@code BENCH_MODES="ours-sampled ours-attempts-sampled" bench/run --interleaved}.
 */
public class OursAttemptSpansBenchmark extends GrpcCallBenchmark {

  /** Always-on ({@code true}) or always-off ({@code false}) sampling. */
  @Param({"true", "false"})
  public boolean sampled;

  /** {@link OursGrpcTracing} with attempt spans on. */
  static final class Variant implements GrpcTracingVariant {
    private final OursGrpcTracing ours = new OursGrpcTracing();

    @Override
    public io.opentelemetry.context.propagation.TextMapPropagator propagator() {
      return ours.propagator();
    }

    @Override
    public void instrumentServer(io.grpc.ServerBuilder<?> server, OpenTelemetry openTelemetry) {
      ours.instrumentServer(server, openTelemetry);
    }

    @Override
    public void instrumentChannel(ManagedChannelBuilder<?> channel, OpenTelemetry openTelemetry) {
      GrpcClientTracing.builder(openTelemetry).attemptSpans(true).build().applyTo(channel);
    }
  }

  @Override
  GrpcTracingVariant variant() {
    return new Variant();
  }

  @Override
  boolean sampled() {
    return sampled;
  }
}

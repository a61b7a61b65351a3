package dev.acitrace.bench;

/**
 * {@link OursGrpcBenchmark}'s setup with attempt spans on ({@code attemptSpans(true)}): one more
 * {@code CLIENT} span per call (the single attempt of a call without a retry policy), a stream tracer
 * factory and tracer per call, and injection moved from the call to the attempt. Compare with
 * {@link OursGrpcBenchmark} (attempt spans off, the default), e.g.
 * {@code BENCH_MODES="ours-sampled ours-attempts-sampled" bench/run --interleaved}.
 */
public class OursAttemptSpansBenchmark extends SampledGrpcCallBenchmark {

  @Override
  GrpcTracingVariant variant() {
    return OursGrpcTracing.withAttemptSpans();
  }
}

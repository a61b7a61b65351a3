package dev.acitrace.bench;

/**
 * acitrace's client and server interceptors, request id and baggage enricher, sampled and unsampled. Runs
 * only once {@link OursGrpcTracing} is filled in.
 */
public class OursGrpcBenchmark extends SampledGrpcCallBenchmark {

  @Override
  GrpcTracingVariant variant() {
    return new OursGrpcTracing();
  }
}

package dev.acitrace.bench;

import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;

/**
 * Tells {@code bench/run} whether the acitrace adapters are filled in: exit status 0 when every adapter
 * works, {@value #PENDING} when one is still pending merge (the acitrace variants are then skipped), 1 when
 * one fails otherwise (a real error: the run must stop).
 */
public final class OursStatus {

  /** Exit status when an adapter is pending merge. */
  static final int PENDING = 3;

  private OursStatus() {}

  /** Exercises every adapter once, without starting a server. */
  public static void main(String[] args) {
    try {
      check();
    } catch (PendingMergeException e) {
      System.err.println(e.getMessage());
      System.exit(PENDING);
    }
    System.out.println("acitrace adapters ready");
    if (BareGrpcGuard.contextStorageOverridden(OursStatus.class.getClassLoader())) {
      // not an error: if acitrace's modules bring the override, users get its cost too
      System.out.println(
          "note: "
              + BareGrpcGuard.OVERRIDE
              + " is on acitrace's classpath; its cost is part of acitrace's numbers");
    }
  }

  /**
   * Calls every adapter once.
   *
   * @throws PendingMergeException if an adapter is not filled in yet
   */
  static void check() {
    OursGrpcTracing tracing = new OursGrpcTracing();
    tracing.propagator();
    tracing.instrumentServer(InProcessServerBuilder.forName("ours-status"), OpenTelemetry.noop());
    tracing.instrumentChannel(InProcessChannelBuilder.forName("ours-status"), OpenTelemetry.noop());

    OursBaggageCodec codec = new OursBaggageCodec();
    HeaderCarrier carrier = new HeaderCarrier(null);
    codec.encode(Context.root().with(BaggageSamples.forCall()), carrier);
    codec.decode(carrier);
  }
}

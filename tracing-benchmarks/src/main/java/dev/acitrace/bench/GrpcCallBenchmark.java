package dev.acitrace.bench;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The two calls every variant is measured on: a unary call, and a server-streaming call of
 * {@value BenchRpc#STREAM_MESSAGES} messages. Subclasses only say which variant and sampling they run;
 * the measured code is this class's, so the variants cannot drift apart.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public abstract class GrpcCallBenchmark {

  private InProcessHarness harness;
  private int streamed;
  private final Consumer<byte[]> sink = response -> streamed += response.length;

  /** The variant under test. */
  abstract GrpcTracingVariant variant();

  /** Whether the SDK samples every span (ignored by the floor). */
  abstract boolean sampled();

  /** Whether the SDK has a meter provider (RPC metrics on); default false. */
  boolean metrics() {
    return false;
  }

  /** Checks the JVM is fit for this variant before anything starts; nothing to check by default. */
  void checkJvm() {}

  /** Starts the server and channel of the variant. */
  @Setup
  public void start() {
    checkJvm();
    harness = new InProcessHarness(variant(), sampled(), metrics());
  }

  /** Stops them. */
  @TearDown
  public void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  /** One in-process unary call. */
  @Benchmark
  public byte[] unary() {
    return harness.unary();
  }

  /** One in-process server-streaming call, all responses read. */
  @Benchmark
  public int serverStreaming() {
    int received = harness.serverStreaming(sink);
    if (received != BenchRpc.STREAM_MESSAGES) {
      // a variant that loses messages must not be reported as fast
      throw new IllegalStateException(
          "expected " + BenchRpc.STREAM_MESSAGES + " responses, got " + received);
    }
    return streamed;
  }
}

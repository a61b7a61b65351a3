package dev.acitrace.bench;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Context;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Encoding and decoding one {@code baggage} header of 3 or 30 members. Both codecs decode the same header
 * (the one OpenTelemetry writes), and encode the same baggage. Time per operation is the inverse of
 * throughput, so "2x the throughput" reads as "half the time".
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public abstract class BaggageCodecBenchmark {

  /** Members in the baggage. */
  @Param({"3", "30"})
  public int entries;

  private BaggageCodecVariant codec;
  /**
   * Two contexts with equal but distinct baggages, used in turn: acitrace's writer reuses the header of the
   * baggage it wrote last on the thread, so encoding one baggage over and over would measure that reuse,
   * not the encoder.
   */
  private final Context[] toEncode = new Context[2];
  private int next;
  private HeaderCarrier encodeInto;
  private HeaderCarrier toDecode;

  /** The codec under test. */
  abstract BaggageCodecVariant codec();

  /** Builds the codec and its inputs once. */
  @Setup
  public void prepare() {
    codec = codec();
    Baggage baggage = BaggageSamples.of(entries);
    toEncode[0] = Context.root().with(baggage);
    toEncode[1] = Context.root().with(BaggageSamples.of(entries));
    encodeInto = new HeaderCarrier(null);
    toDecode = new HeaderCarrier(BaggageSamples.header(baggage));
  }

  /** Baggage of a context into a header. */
  @Benchmark
  public String encode() {
    next ^= 1;
    codec.encode(toEncode[next], encodeInto);
    return encodeInto.baggage;
  }

  /** A header into a context carrying its baggage. */
  @Benchmark
  public Context decode() {
    return codec.decode(toDecode);
  }
}

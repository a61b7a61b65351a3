package dev.acitrace.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The suite's detectors detect: each is shown the fault it exists for. */
class ReliabilityChecksTest {

  @Test
  void checkPool_scopeLeftOpenOnAPoolThread_isReported() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(Lifecycle.POOL_THREADS);
    try {
      assertThat(Lifecycle.checkPool("pool", pool)).isEmpty();
      ContextKey<String> key = ContextKey.named("leak");
      pool.submit(() -> Context.current().with(key, "leaked").makeCurrent()).get(); // never closed

      List<String> leaks = Lifecycle.checkPool("pool", pool);

      assertThat(leaks).singleElement().asString().startsWith("pool: ").contains("OpenTelemetry context");
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void checkPool_grpcContextLeftAttached_isReported() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(Lifecycle.POOL_THREADS);
    try {
      pool.submit(() -> io.grpc.Context.current().withValue(io.grpc.Context.key("leak"), "x").attach()).get();

      assertThat(Lifecycle.checkPool("pool", pool)).singleElement().asString().contains("io.grpc.Context");
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void w3cBytes_countsPercentEncodedValuesCommasAndProperties() {
    Baggage baggage = Baggage.builder()
        .put("a", "b")                    // a=b                 3
        .put("k", "é %")                  // k=%C3%A9%20%25      14
        .build();

    assertThat(HeaderFuzz.w3cBytes(baggage)).isEqualTo(3 + 1 + 14);
    assertThat(HeaderFuzz.w3cBytes(Baggage.empty())).isZero();
  }

  @Test
  void requestIdPattern_acceptsTheServersIdsAndRejectsHostileOnes() {
    assertThat(HeaderFuzz.REQUEST_ID.matcher("0123456789abcdef0123456789abcdef").matches()).isTrue();
    assertThat(HeaderFuzz.REQUEST_ID.matcher("req-1.a_b:c").matches()).isTrue();
    assertThat(HeaderFuzz.REQUEST_ID.matcher("a".repeat(129)).matches()).isFalse();
    assertThat(HeaderFuzz.REQUEST_ID.matcher("").matches()).isFalse();
    assertThat(HeaderFuzz.REQUEST_ID.matcher("id with spaces").matches()).isFalse();
  }
}

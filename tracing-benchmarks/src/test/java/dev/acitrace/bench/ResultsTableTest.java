package dev.acitrace.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.Gson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsTableTest {

  /** One benchmark as JMH 1.37 writes it (only the fields the report reads, plus a few it ignores). */
  private static String benchmark(String name, String params, double nanos, double bytes) {
    return String.format(
        Locale.ROOT,
        "{\"jmhVersion\":\"1.37\",\"benchmark\":\"dev.acitrace.bench.%s\",\"mode\":\"avgt\","
            + "\"forks\":1,\"warmupIterations\":3,\"warmupTime\":\"2 s\",\"measurementIterations\":5,"
            + "\"measurementTime\":\"2 s\",\"jdkVersion\":\"17.0.15\",\"vmName\":\"OpenJDK 64-Bit\","
            + "\"vmVersion\":\"17.0.15+6\",\"params\":%s,"
            + "\"primaryMetric\":{\"score\":%s,\"scoreError\":\"NaN\",\"scoreUnit\":\"ns/op\"},"
            + "\"secondaryMetrics\":{\"gc.alloc.rate.norm\":{\"score\":%s,\"scoreUnit\":\"B/op\"}}}",
        name, params, nanos, bytes);
  }

  private static ResultsTable table(String... benchmarks) {
    List<Object> runs = new ArrayList<>();
    for (String b : benchmarks) {
      runs.add(new Gson().fromJson(b, Object.class));
    }
    return new ResultsTable(runs);
  }

  private static final String SAMPLED = "{\"sampled\":\"true\"}";
  private static final String UNSAMPLED = "{\"sampled\":\"false\"}";

  @Test
  void key_withParams_isSimpleNameMethodAndSortedParams() {
    ResultsTable t =
        table(
            benchmark("FloorBenchmark.unary", "{}", 1000, 3000),
            benchmark("OursGrpcBenchmark.unary", SAMPLED, 1800, 9000));
    assertThat(t.get("FloorBenchmark.unary")).isEqualTo(new ResultsTable.Result(1000, Double.NaN, 3000));
    assertThat(t.get("OursGrpcBenchmark.unary[sampled=true]").nanos()).isEqualTo(1800);
  }

  @Test
  void markdown_targets_areJudgedOnAddedCost() {
    String md =
        table(
                benchmark("FloorBenchmark.unary", "{}", 1000, 3000),
                benchmark("OtelGrpcBenchmark.unary", SAMPLED, 3000, 13000),
                benchmark("OursGrpcBenchmark.unary", SAMPLED, 1800, 9000),
                benchmark("OursGrpcBenchmark.unary", UNSAMPLED, 1050, 3100),
                benchmark("W3CBaggagePropagatorBenchmark.decode", "{\"entries\":\"3\"}", 4000, 1500),
                benchmark("OursBaggageCodecBenchmark.decode", "{\"entries\":\"3\"}", 1000, 400),
                benchmark("W3CBaggagePropagatorBenchmark.encode", "{\"entries\":\"30\"}", 3000, 3600),
                benchmark("OursBaggageCodecBenchmark.encode", "{\"entries\":\"30\"}", 2000, 2000))
            .markdown("test machine");

    assertThat(md)
        .contains("- Machine: test machine")
        .contains("| sampled unary: added time <= 0.5 x OpenTelemetry's | +800 ns vs +2,000 ns = 0.40 | met |")
        .contains("| sampled unary: added bytes <= 0.5 x OpenTelemetry's | +6,000 B vs +10,000 B = 0.60 | **missed** |")
        .contains("| unsampled unary: added time <= 10% of the floor | +50.0 ns on 1,000 ns = 5.0% | met |")
        .contains("| baggage decode, 3 entries: >= 2x W3CBaggagePropagator's throughput | 4.00 | met |")
        .contains("| baggage encode, 30 entries: >= 2x W3CBaggagePropagator's throughput | 1.50 | **missed** |")
        .contains("| baggage decode, 30 entries: >= 2x W3CBaggagePropagator's throughput | not run | pending |")
        // acitrace's row: 1.8x the floor, +800 ns, 0.40 of OpenTelemetry's added time; bytes likewise
        .contains("| acitrace, sampled | 1,800 | 1.80 | +800 | 0.40 | 9,000 | 3.00 | +6,000 | 0.60 |")
        .contains("| OpenTelemetry grpc-1.6, unsampled | not run |");
  }

  @Test
  void read_nonNanosecondResult_failsNamingTheBenchmark(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("thrpt.json");
    Files.writeString(
        file,
        "[" + benchmark("FloorBenchmark.unary", "{}", 1, 1).replace("ns/op", "ops/us") + "]");
    List<Object> runs = ResultsTable.read(file);
    assertThatThrownBy(() -> new ResultsTable(runs))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("FloorBenchmark.unary")
        .hasMessageContaining("-bm avgt -tu ns");
  }

  @Test
  void main_writesTheReport(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("floor.json");
    Files.writeString(json, "[" + benchmark("FloorBenchmark.unary", "{}", 1433, 3120) + "]");
    Path out = dir.resolve("results.md");
    ResultsTable.main(new String[] {"--machine", "2 cores", "--out", out.toString(), json.toString()});
    assertThat(Files.readString(out))
        .startsWith("# acitrace benchmark results")
        .contains("| floor (bare gRPC, no interceptor) | 1,433 |  |  |  | 3,120 |");
  }

  @Test
  void main_withoutOut_fails() {
    assertThatThrownBy(() -> ResultsTable.main(new String[] {"x.json"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--out");
  }
}

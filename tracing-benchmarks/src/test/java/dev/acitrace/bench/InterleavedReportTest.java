package dev.acitrace.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class InterleavedReportTest {

  private static Map<String, InterleavedReport.Point> round(double floor, double ours, double otel) {
    Map<String, InterleavedReport.Point> r = new TreeMap<>();
    r.put("floor", new InterleavedReport.Point(floor, 1000));
    r.put("ours-sampled", new InterleavedReport.Point(ours, 2000));
    r.put("otel-sampled", new InterleavedReport.Point(otel, 5000));
    return r;
  }

  @Test
  void ratios_takenAgainstEachRoundsOwnFloor_medianOverRounds() {
    Map<Integer, Map<String, InterleavedReport.Point>> rounds = new TreeMap<>();
    rounds.put(1, round(1000, 1200, 2000)); // 0.20
    rounds.put(2, round(2000, 2600, 4000)); // 0.30: a slow round, same ratio family
    rounds.put(3, round(1000, 1500, 2000)); // 0.50
    InterleavedReport report = new InterleavedReport(rounds);

    double[][] ratios = report.ratios("ours-sampled", "otel-sampled");

    assertThat(ratios[0]).containsExactly(0.2, 0.3, 0.5);
    assertThat(InterleavedReport.median(ratios[0])).isEqualTo(0.3);
    assertThat(InterleavedReport.median(ratios[1])).isEqualTo(0.25); // (2000-1000)/(5000-1000)
    assertThat(report.markdown("test")).contains("| 0.30 | 0.25 | <= 0.30 | met |");
  }

  @Test
  void median_evenCount_averagesMiddlePair() {
    assertThat(InterleavedReport.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    assertThat(InterleavedReport.median(new double[0])).isNaN();
  }

  @Test
  void roundMissingAMode_isLeftOutOfThatRatio() {
    Map<Integer, Map<String, InterleavedReport.Point>> rounds = new TreeMap<>();
    rounds.put(1, round(1000, 1200, 2000));
    Map<String, InterleavedReport.Point> partial = round(1000, 1900, 2000);
    partial.remove("otel-sampled");
    rounds.put(2, partial);
    assertThat(new InterleavedReport(rounds).ratios("ours-sampled", "otel-sampled")[0]).containsExactly(0.2);
  }
}

package dev.acitrace.snapshotter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotFilterTest {

  private static final SnapshotInfo BASE = info("base", "", Kind.COMMITTED,
      Map.of("containerd.io/gc.root", "2026", "env", "prod"));
  private static final SnapshotInfo CHILD = info("default/2/child", "base", Kind.ACTIVE, Map.of("env", "dev"));

  @Test
  void catastrophicPatterns_overTenThousandSnapshots_finishInLinearTime() {
    // 30 'a' and a '!': java.util.regex backtracks ~2^30 ways on each (about 20 s per snapshot measured)
    List<SnapshotInfo> snapshots = new java.util.ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      snapshots.add(info("s" + i, "", Kind.COMMITTED, Map.of("a", "a".repeat(30) + "!")));
    }
    List<String> patterns = List.of("labels.\"a\"~=\"(a|a){1,64}$\"", "labels.a~=\"(a+)+$\"",
        "labels.a~=\"(a|aa)*b\"", "labels.a~=\"^(a?){30}a{30}$\"");
    long matched = 0;
    long total = 0;
    StringBuilder report = new StringBuilder("10,000 snapshots:");
    for (String pattern : patterns) {
      long start = System.nanoTime();
      var filter = SnapshotFilter.parse(pattern);
      for (SnapshotInfo snapshot : snapshots) {
        if (filter.test(snapshot)) {
          matched++;
        }
      }
      long millis = (System.nanoTime() - start) / 1_000_000;
      total += millis;
      report.append(' ').append(pattern).append(' ').append(millis).append(" ms;");
    }
    System.out.println(report);

    assertThat(matched).isZero();
    // java.util.regex needs ~20 s per snapshot on the first pattern (days for 10,000); 10 s for all four is
    // generous for a loaded machine (load average 20 on 2 cores seen here) and still decisive
    assertThat(total).isLessThan(10_000);
  }

  @Test
  void catastrophicPattern_overTenThousandDistinctValues_stillLinear() {
    // every value different, so no answer is reused: each costs RE2's linear-time match
    List<SnapshotInfo> snapshots = new java.util.ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      snapshots.add(info("s" + i, "", Kind.COMMITTED, Map.of("a", "a".repeat(30) + "!" + i)));
    }
    var filter = SnapshotFilter.parse("labels.\"a\"~=\"(a|a){1,64}$\"");
    long start = System.nanoTime();
    long matched = snapshots.stream().filter(filter).count();
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.println("10,000 distinct values, (a|a){1,64}$: " + millis + " ms");
    assertThat(matched).isZero();
    assertThat(millis).isLessThan(20_000); // java.util.regex: ~20 s for ONE such value
  }

  @Test
  void matches_repeatedAndCollidingValues_answerLikeTheirOwnMatch() {
    var filter = SnapshotFilter.parse("labels.v~=^x[0-9]*7$");
    for (int round = 0; round < 3; round++) { // answers reused from the memo must equal fresh matches
      for (int i = 0; i < 2_000; i++) {
        String value = "x" + i;
        SnapshotInfo snapshot = info("s" + i, "", Kind.COMMITTED, Map.of("v", value));
        assertThat(filter.test(snapshot)).as(value).isEqualTo(value.endsWith("7"));
      }
    }
    String longValue = "x" + "1".repeat(300) + "7"; // past the memo's length bound: matched every time
    assertThat(filter.test(info("l", "", Kind.COMMITTED, Map.of("v", longValue)))).isTrue();
  }

  @Test
  void regularExpressions_areRe2sDialect_likeContainerd() {
    // Go's named groups are RE2 syntax; java.util.regex refused them
    assertThat(SnapshotFilter.parse("name~=^(?P<head>ba)se$").test(BASE)).isTrue();
    assertThat(SnapshotFilter.parse("labels.env~=(?i)PROD").test(BASE)).isTrue();
    // backreferences, lookaround and possessive quantifiers are not RE2: containerd rejects them
    for (String notRe2 : List.of("name~=(b)\\1", "name~=b(?=a)", "name~=ba*+se")) {
      assertThatThrownBy(() -> SnapshotFilter.parse(notRe2)).as(notRe2)
          .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("bad regular expression");
    }
  }

  @Test
  void regularExpressions_areBoundedInSize() {
    assertThatThrownBy(() -> SnapshotFilter.parse("name~=" + "a".repeat(1025)))
        .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("more than 1024");
    String pattern = "name~=" + "a".repeat(1000);
    assertThatThrownBy(() -> SnapshotFilter.parseAll(List.of(pattern, pattern, pattern, pattern, pattern)))
        .isInstanceOf(InvalidArgumentException.class).hasMessageContaining("more than 4096");
    assertThat(SnapshotFilter.parseAll(List.of(pattern, pattern, pattern, pattern)).test(BASE)).isFalse();
  }

  @Test
  void malformedFilter_messageEchoesABoundedPrefix() {
    String huge = "name==" + "x".repeat(1 << 20) + ",";
    assertThatThrownBy(() -> SnapshotFilter.parse(huge)).isInstanceOf(InvalidArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(SnapshotLimits.ECHO_LIMIT + 100));
  }

  @Test
  void parseAll_noFilters_matchesEverything() {
    assertThat(SnapshotFilter.parseAll(List.of()).test(BASE)).isTrue();
    assertThat(SnapshotFilter.parse("  ").test(CHILD)).isTrue();
  }

  @Test
  void parse_equalityOnFields() {
    assertThat(SnapshotFilter.parse("name==base").test(BASE)).isTrue();
    assertThat(SnapshotFilter.parse("name==base").test(CHILD)).isFalse();
    assertThat(SnapshotFilter.parse("kind==active").test(CHILD)).isTrue();
    assertThat(SnapshotFilter.parse("parent==base").test(CHILD)).isTrue();
    assertThat(SnapshotFilter.parse("name==\"default/2/child\"").test(CHILD)).isTrue();
  }

  @Test
  void parse_notEqual_matchesAbsentField_likeContainerd() {
    assertThat(SnapshotFilter.parse("parent!=base").test(BASE)).isTrue();
    assertThat(SnapshotFilter.parse("parent!=base").test(CHILD)).isFalse();
    assertThat(SnapshotFilter.parse("labels.missing!=x").test(BASE)).isTrue();
  }

  @Test
  void parse_presenceAndQuotedLabelKeys() {
    assertThat(SnapshotFilter.parse("labels.\"containerd.io/gc.root\"").test(BASE)).isTrue();
    assertThat(SnapshotFilter.parse("labels.containerd.io/gc.root").test(BASE)).isTrue();
    assertThat(SnapshotFilter.parse("labels.\"containerd.io/gc.root\"").test(CHILD)).isFalse();
    assertThat(SnapshotFilter.parse("parent").test(BASE)).isFalse();
  }

  @Test
  void parse_regex_isUnanchored() {
    assertThat(SnapshotFilter.parse("name~=chi").test(CHILD)).isTrue();
    assertThat(SnapshotFilter.parse("name~=^chi").test(CHILD)).isFalse();
    assertThat(SnapshotFilter.parse("labels.env~=\"^(prod|dev)$\"").test(CHILD)).isTrue();
  }

  @Test
  void parse_commaIsAnd_listIsOr() {
    assertThat(SnapshotFilter.parse("labels.env==dev, kind==active").test(CHILD)).isTrue();
    assertThat(SnapshotFilter.parse("labels.env==dev,kind==view").test(CHILD)).isFalse();
    var any = SnapshotFilter.parseAll(List.of("name==nothing", "kind==committed"));
    assertThat(any.test(BASE)).isTrue();
    assertThat(any.test(CHILD)).isFalse();
  }

  @Test
  void parse_malformed_isInvalidArgumentNamingTheFilter() {
    for (String bad : List.of("name==", "==x", "name=x", "name==\"open", "name~=(", "labels.", "a,,b")) {
      assertThatThrownBy(() -> SnapshotFilter.parse(bad))
          .as(bad)
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining(bad);
    }
  }

  private static SnapshotInfo info(String name, String parent, Kind kind, Map<String, String> labels) {
    return new SnapshotInfo(name, parent, kind, Instant.EPOCH, Instant.EPOCH, labels);
  }
}

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

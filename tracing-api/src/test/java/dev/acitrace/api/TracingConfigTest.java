package dev.acitrace.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TracingConfigTest {

  @Test
  void toEnvironmentName_dotsAndDashesBecomeUnderscores() {
    assertThat(TracingConfig.toEnvironmentName("acitrace.baggage.codec-name"))
        .isEqualTo("ACITRACE_BAGGAGE_CODEC_NAME");
  }

  @Test
  void fromEnvironment_systemPropertyWins() {
    System.setProperty("acitrace.test.only.key", "from-property");
    try {
      assertThat(TracingConfig.fromEnvironment().get("acitrace.test.only.key")).isEqualTo("from-property");
    } finally {
      System.clearProperty("acitrace.test.only.key");
    }
    assertThat(TracingConfig.fromEnvironment().get("acitrace.test.only.key")).isNull();
  }

  @Test
  void typedGetters_parseOrFailNamingTheKey() {
    TracingConfig config = TracingConfig.of(Map.of("a.bool", "TRUE", "a.int", "42", "a.list", " x, ,y ",
        "bad.bool", "yes", "bad.int", "4x", "blank", "  "));
    assertThat(config.getBoolean("a.bool", false)).isTrue();
    assertThat(config.getBoolean("missing", true)).isTrue();
    assertThat(config.getInt("a.int", 0)).isEqualTo(42);
    assertThat(config.getList("a.list")).containsExactly("x", "y");
    assertThat(config.getList("missing")).isEmpty();
    assertThat(config.get("blank", "dflt")).isEqualTo("dflt");
    assertThatThrownBy(() -> config.getBoolean("bad.bool", false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad.bool").hasMessageContaining("yes");
    assertThatThrownBy(() -> config.getInt("bad.int", 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad.int").hasMessageContaining("4x");
  }

  @Test
  void layered_firstWinsThenFallback() {
    TracingConfig config = TracingConfig.layered(TracingConfig.of(Map.of("k", "1")),
        TracingConfig.of(Map.of("k", "2", "j", "3")));
    assertThat(config.get("k")).isEqualTo("1");
    assertThat(config.get("j")).isEqualTo("3");
    assertThat(config.get("none")).isNull();
  }
}

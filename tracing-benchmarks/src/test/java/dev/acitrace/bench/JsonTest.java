package dev.acitrace.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void parse_nestedDocument_givesMapsListsAndDoubles() {
    Object parsed =
        Json.parse(
            " [ {\"a\": 1.5e3, \"b\": [true, false, null], \"c\": {}, \"d\": [], \"e\": -2} ] ");
    assertThat(parsed).isInstanceOf(List.class);
    @SuppressWarnings("unchecked")
    Map<String, Object> first = (Map<String, Object>) ((List<Object>) parsed).get(0);
    assertThat(first)
        .containsEntry("a", 1500.0)
        .containsEntry("b", java.util.Arrays.asList(true, false, null))
        .containsEntry("c", Map.of())
        .containsEntry("d", List.of())
        .containsEntry("e", -2.0);
  }

  @Test
  void parse_escapes_areDecoded() {
    assertThat(Json.parse("\"a\\\"b\\\\c\\/d\\n\\u00e9\"")).isEqualTo("a\"b\\c/d\né");
  }

  @Test
  void parse_jmhNaN_staysAString() {
    assertThat(Json.parse("{\"scoreError\": \"NaN\"}")).isEqualTo(Map.of("scoreError", "NaN"));
  }

  @Test
  void parse_malformed_failsNamingTheOffset() {
    assertThatThrownBy(() -> Json.parse("{\"a\" 1}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("JSON: expected ':' at offset 5");
    assertThatThrownBy(() -> Json.parse("[1] x")).hasMessageContaining("trailing characters");
    assertThatThrownBy(() -> Json.parse("\"open")).hasMessageContaining("unterminated string");
  }
}

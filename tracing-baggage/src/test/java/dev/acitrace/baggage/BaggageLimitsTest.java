package dev.acitrace.baggage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import org.junit.jupiter.api.Test;

class BaggageLimitsTest {

  private static Baggage members(int n) {
    BaggageBuilder builder = Baggage.builder().put("user.id", "alice").put("image.name", "img");
    for (int i = 2; i < n; i++) {
      builder.put(String.format("k%03d", i), "v");
    }
    return builder.build();
  }

  @Test
  void makeRoom_whenTheEntryFits_returnsTheBaggageItself() {
    Baggage baggage = members(63);
    assertThat(BaggageLimits.W3C.makeRoom(baggage, "request.id", "r-1")).isSameAs(baggage);
  }

  @Test
  void makeRoom_atTheMemberLimit_dropsTheLastNonStandardMember() {
    Baggage room = BaggageLimits.W3C.makeRoom(members(64), "request.id", "r-1");
    assertThat(room.size()).isEqualTo(63);
    assertThat(room.getEntryValue("k063")).isNull();
    assertThat(room.getEntryValue("k062")).isEqualTo("v");
    assertThat(room.getEntryValue("user.id")).isEqualTo("alice");
  }

  @Test
  void makeRoom_anExistingEntryForTheKey_countsAsReplaced() {
    Baggage full = members(63).toBuilder().put("request.id", "old").build();
    assertThat(BaggageLimits.W3C.makeRoom(full, "request.id", "r-1")).isSameAs(full);
  }

  @Test
  void makeRoom_overTheByteLimit_dropsFromTheEnd_thenStandardKeys() {
    BaggageLimits limits = new BaggageLimits(64, 40);
    Baggage baggage = Baggage.builder().put("user.id", "alice").put("a", "1").put("z", "2").build();
    // user.id=alice,a=1,z=2 is 21 bytes; request.id=0123456789 adds 22 (with its separator)
    Baggage room = limits.makeRoom(baggage, "request.id", "0123456789");
    assertThat(BaggageContext.all(io.opentelemetry.context.Context.root().with(room)))
        .containsOnlyKeys("user.id", "a");
    Baggage tight = new BaggageLimits(64, 25).makeRoom(baggage, "request.id", "0123456789");
    assertThat(tight.isEmpty()).as("standard keys go too when nothing else is left").isTrue();
  }

  @Test
  void makeRoom_nullArguments_failNamingThem() {
    assertThatThrownBy(() -> BaggageLimits.W3C.makeRoom(null, "k", "v")).hasMessage("baggage");
    assertThatThrownBy(() -> BaggageLimits.W3C.makeRoom(Baggage.empty(), null, "v")).hasMessage("key");
    assertThatThrownBy(() -> BaggageLimits.W3C.makeRoom(Baggage.empty(), "k", null)).hasMessage("value");
  }
}

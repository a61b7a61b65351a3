package dev.acitrace.baggage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageEntryMetadata;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BaggageContextTest {

  @Test
  void testsRunOnTheModulePath() {
    assertThat(getClass().getModule().isNamed()).isTrue();
  }

  @Test
  void standardKeys_setAndReadBack() {
    Context context = Context.root();
    context = BaggageContext.withRequestId(context, "req-1");
    context = BaggageContext.withUserId(context, "alice");
    context = BaggageContext.withSessionId(context, "s-9");
    context = BaggageContext.withOperation(context, "pull");
    context = BaggageContext.withImageInfo(context, "registry.example.com/app", "1.2");
    context = BaggageContext.withSnapshotKey(context, "default/5/k1");
    context = BaggageContext.withContainerId(context, "c0ffee");
    context = BaggageContext.withNamespace(context, "default");
    context = BaggageContext.withEnvironment(context, "production");

    assertThat(BaggageContext.requestId(context)).isEqualTo("req-1");
    assertThat(BaggageContext.userId(context)).isEqualTo("alice");
    assertThat(BaggageContext.sessionId(context)).isEqualTo("s-9");
    assertThat(BaggageContext.operation(context)).isEqualTo("pull");
    assertThat(BaggageContext.imageInfo(context)).isEqualTo(new ImageInfo("registry.example.com/app", "1.2"));
    assertThat(BaggageContext.snapshotKey(context)).isEqualTo("default/5/k1");
    assertThat(BaggageContext.containerId(context)).isEqualTo("c0ffee");
    assertThat(BaggageContext.namespace(context)).isEqualTo("default");
    assertThat(BaggageContext.environment(context)).isEqualTo("production");
    assertThat(Baggage.fromContext(context).getEntryValue(BaggageKeys.IMAGE_TAG)).isEqualTo("1.2");
    assertThat(BaggageContext.all(context)).hasSize(10);
  }

  @Test
  void getters_absentKey_returnNull() {
    Context context = Context.root();

    assertThat(BaggageContext.requestId(context)).isNull();
    assertThat(BaggageContext.imageInfo(context)).isNull();
    assertThat(BaggageContext.get(context, "anything")).isNull();
    assertThat(BaggageContext.all(context)).isEmpty();
  }

  @Test
  void imageInfo_nameWithoutTag_readsBackWithEmptyTag() {
    Context context = BaggageContext.with(Context.root(), BaggageKeys.IMAGE_NAME, "app");

    assertThat(BaggageContext.imageInfo(context)).isEqualTo(new ImageInfo("app", ""));
  }

  @Test
  void setters_returnNewContext_andLeaveTheArgumentUnchanged() {
    Context before = BaggageContext.withUserId(Context.root(), "alice");

    Context after = BaggageContext.withUserId(before, "bob");

    assertThat(after).isNotSameAs(before);
    assertThat(BaggageContext.userId(before)).isEqualTo("alice");
    assertThat(BaggageContext.userId(after)).isEqualTo("bob");
  }

  @Test
  void with_keepsOtherEntriesAndTheirMetadata() {
    Context context = Context.root().with(
        Baggage.builder().put("other", "x", BaggageEntryMetadata.create("p=1")).build());

    context = BaggageContext.withRequestId(context, "r");

    assertThat(Baggage.fromContext(context).getEntry("other").getMetadata().getValue()).isEqualTo("p=1");
    assertThat(BaggageContext.requestId(context)).isEqualTo("r");
  }

  @Test
  void values_anyUnicodeText_comeBackUnchanged() {
    String value = " a,b;c%d=e f 😀 Grüße\t";

    Context context = BaggageContext.with(Context.root(), "k", value);

    assertThat(BaggageContext.get(context, "k")).isEqualTo(value);
  }

  @Test
  void with_invalidKey_failsNamingTheKey() {
    assertThatThrownBy(() -> BaggageContext.with(Context.root(), "bad key", "v"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'bad key'");
    assertThatThrownBy(() -> BaggageContext.with(Context.root(), "", "v"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("''");
    assertThatThrownBy(() -> BaggageContext.with(Context.root(), "ключ", "v"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ключ");
  }

  @Test
  void with_nulls_failNamingTheKey() {
    assertThatThrownBy(() -> BaggageContext.withRequestId(Context.root(), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("request.id");
    assertThatThrownBy(() -> BaggageContext.with(Context.root(), null, "v"))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("key");
    assertThatThrownBy(() -> BaggageContext.withRequestId((Context) null, "r"))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("context");
    assertThatThrownBy(() -> BaggageContext.withImageInfo(Context.root(), "app", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("image.tag");
  }

  @Test
  void with_valueTooLargeToEverPropagate_failsNamingTheKey() {
    // "k=" + 8190 safe characters is exactly 8192 bytes: allowed; one more is not
    assertThat(BaggageContext.get(BaggageContext.with(Context.root(), "k", "v".repeat(8190)), "k")).hasSize(8190);
    assertThatThrownBy(() -> BaggageContext.with(Context.root(), "k", "v".repeat(8191)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'k'")
        .hasMessageContaining("8193");
    // 1000 'é' is only 1000 chars but 6000 bytes encoded; 1400 of them is 8400
    assertThatThrownBy(() -> BaggageContext.withUserId(Context.root(), "é".repeat(1400)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("user.id");
  }

  @Test
  void with_unpairedSurrogate_failsNamingTheKey() {
    assertThatThrownBy(() -> BaggageContext.with(Context.root(), "k", "a\uD800"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'k'")
        .hasMessageContaining("surrogate");
  }

  @Test
  void withAll_setsEveryEntryInOneStep() {
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put(BaggageKeys.REQUEST_ID, "r");
    entries.put("custom", "c");

    Context context = BaggageContext.withAll(Context.root(), entries);

    assertThat(BaggageContext.all(context)).containsExactly(Map.entry("custom", "c"), Map.entry("request.id", "r"));
  }

  @Test
  void withAll_oneBadEntry_appliesNothing() {
    Context before = BaggageContext.withUserId(Context.root(), "alice");
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("good", "1");
    entries.put("bad key", "2");
    entries.put("also.good", "3");

    assertThatThrownBy(() -> BaggageContext.withAll(before, entries))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'bad key'");
    Map<String, String> withNull = new LinkedHashMap<>();
    withNull.put("good", "1");
    withNull.put("nothing", null);
    assertThatThrownBy(() -> BaggageContext.withAll(before, withNull))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("'nothing'");
    assertThat(BaggageContext.all(before)).containsOnlyKeys("user.id");
  }

  @Test
  void withImageInfo_badTag_setsNeitherPart() {
    assertThatThrownBy(() -> BaggageContext.withImageInfo(Context.root(), "app", "\uDC00"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("image.tag");
  }

  @Test
  void all_isUnmodifiableAndInKeyOrder() {
    Context context = BaggageContext.withAll(Context.root(), Map.of("b", "2", "c", "3", "a", "1"));

    Map<String, String> all = BaggageContext.all(context);

    assertThat(all).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"), Map.entry("c", "3"));
    assertThatThrownBy(() -> all.put("d", "4")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void without_removesOneEntry() {
    Context context = BaggageContext.withAll(Context.root(), Map.of("a", "1", "b", "2"));

    assertThat(BaggageContext.all(BaggageContext.without(context, "a"))).containsOnlyKeys("b");
    assertThat(BaggageContext.without(context, "missing")).isSameAs(context);
  }

  @Test
  @SuppressWarnings("try") // the scopes are only there to make contexts current
  void currentContextVariants_workOnContextCurrent() {
    assertThat(BaggageContext.requestId()).isNull();
    try (Scope ignored = BaggageContext.withRequestId("r-1").makeCurrent()) {
      assertThat(BaggageContext.requestId()).isEqualTo("r-1");
      try (Scope inner = BaggageContext.withImageInfo("app", "2").makeCurrent()) {
        assertThat(BaggageContext.imageInfo()).isEqualTo(new ImageInfo("app", "2"));
        assertThat(BaggageContext.requestId()).isEqualTo("r-1");
        assertThat(BaggageContext.all()).containsOnlyKeys("request.id", "image.name", "image.tag");
      }
      try (Scope inner = BaggageContext.withAll(Map.of(BaggageKeys.NAMESPACE, "ns")).makeCurrent()) {
        assertThat(BaggageContext.namespace()).isEqualTo("ns");
        assertThat(BaggageContext.get(BaggageKeys.NAMESPACE)).isEqualTo("ns");
      }
      try (Scope inner = BaggageContext.without(BaggageKeys.REQUEST_ID).makeCurrent()) {
        assertThat(BaggageContext.requestId()).isNull();
      }
      try (Scope inner = BaggageContext.withUserId("u").makeCurrent()) {
        assertThat(BaggageContext.userId()).isEqualTo("u");
      }
    }
    assertThat(BaggageContext.requestId()).isNull();
  }

  @Test
  void imageInfo_rejectsNullComponents() {
    assertThatThrownBy(() -> new ImageInfo(null, "t")).hasMessageContaining("name");
    assertThatThrownBy(() -> new ImageInfo("n", null)).hasMessageContaining("tag");
  }
}

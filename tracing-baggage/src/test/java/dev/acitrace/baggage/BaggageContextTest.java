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
    context = BaggageContext.REQUEST_ID.with(context, "req-1");
    context = BaggageContext.USER_ID.with(context, "alice");
    context = BaggageContext.SESSION_ID.with(context, "s-9");
    context = BaggageContext.OPERATION.with(context, "pull");
    context = BaggageContext.withImageInfo(context, "registry.example.com/app", "1.2");
    context = BaggageContext.SNAPSHOT_KEY.with(context, "default/5/k1");
    context = BaggageContext.CONTAINER_ID.with(context, "c0ffee");
    context = BaggageContext.NAMESPACE.with(context, "default");
    context = BaggageContext.ENVIRONMENT.with(context, "production");

    assertThat(BaggageContext.REQUEST_ID.get(context)).isEqualTo("req-1");
    assertThat(BaggageContext.USER_ID.get(context)).isEqualTo("alice");
    assertThat(BaggageContext.SESSION_ID.get(context)).isEqualTo("s-9");
    assertThat(BaggageContext.OPERATION.get(context)).isEqualTo("pull");
    assertThat(BaggageContext.imageInfo(context)).isEqualTo(new ImageInfo("registry.example.com/app", "1.2"));
    assertThat(BaggageContext.SNAPSHOT_KEY.get(context)).isEqualTo("default/5/k1");
    assertThat(BaggageContext.CONTAINER_ID.get(context)).isEqualTo("c0ffee");
    assertThat(BaggageContext.NAMESPACE.get(context)).isEqualTo("default");
    assertThat(BaggageContext.ENVIRONMENT.get(context)).isEqualTo("production");
    assertThat(Baggage.fromContext(context).getEntryValue(BaggageKeys.IMAGE_TAG)).isEqualTo("1.2");
    assertThat(BaggageContext.all(context)).hasSize(10);
  }

  @Test
  void keyConstants_writeAndReadTheirStandardKey() {
    Map<BaggageContext.Key, String> names = new LinkedHashMap<>();
    names.put(BaggageContext.REQUEST_ID, BaggageKeys.REQUEST_ID);
    names.put(BaggageContext.USER_ID, BaggageKeys.USER_ID);
    names.put(BaggageContext.SESSION_ID, BaggageKeys.SESSION_ID);
    names.put(BaggageContext.OPERATION, BaggageKeys.OPERATION);
    names.put(BaggageContext.SNAPSHOT_KEY, BaggageKeys.SNAPSHOT_KEY);
    names.put(BaggageContext.CONTAINER_ID, BaggageKeys.CONTAINER_ID);
    names.put(BaggageContext.NAMESPACE, BaggageKeys.NAMESPACE);
    names.put(BaggageContext.ENVIRONMENT, BaggageKeys.ENVIRONMENT);
    names.forEach((key, name) -> {
      assertThat(key.name()).isEqualTo(name);
      assertThat(key).hasToString(name);
      Context context = key.with(Context.root(), "v-" + name);
      assertThat(BaggageContext.all(context)).containsExactly(Map.entry(name, "v-" + name));
      assertThat(key.get(BaggageContext.with(Context.root(), name, "x"))).isEqualTo("x");
    });
  }

  @Test
  void getters_absentKey_returnNull() {
    Context context = Context.root();

    assertThat(BaggageContext.REQUEST_ID.get(context)).isNull();
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
    Context before = BaggageContext.USER_ID.with(Context.root(), "alice");

    Context after = BaggageContext.USER_ID.with(before, "bob");

    assertThat(after).isNotSameAs(before);
    assertThat(BaggageContext.USER_ID.get(before)).isEqualTo("alice");
    assertThat(BaggageContext.USER_ID.get(after)).isEqualTo("bob");
  }

  @Test
  void with_keepsOtherEntriesAndTheirMetadata() {
    Context context = Context.root().with(
        Baggage.builder().put("other", "x", BaggageEntryMetadata.create("p=1")).build());

    context = BaggageContext.REQUEST_ID.with(context, "r");

    assertThat(Baggage.fromContext(context).getEntry("other").getMetadata().getValue()).isEqualTo("p=1");
    assertThat(BaggageContext.REQUEST_ID.get(context)).isEqualTo("r");
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
    assertThatThrownBy(() -> BaggageContext.REQUEST_ID.with(Context.root(), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("request.id");
    assertThatThrownBy(() -> BaggageContext.with(Context.root(), null, "v"))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("key");
    assertThatThrownBy(() -> BaggageContext.REQUEST_ID.with((Context) null, "r"))
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
    assertThatThrownBy(() -> BaggageContext.USER_ID.with(Context.root(), "é".repeat(1400)))
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
    Context before = BaggageContext.USER_ID.with(Context.root(), "alice");
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
    assertThat(BaggageContext.REQUEST_ID.get()).isNull();
    try (Scope ignored = BaggageContext.REQUEST_ID.with("r-1").makeCurrent()) {
      assertThat(BaggageContext.REQUEST_ID.get()).isEqualTo("r-1");
      try (Scope inner = BaggageContext.withImageInfo("app", "2").makeCurrent()) {
        assertThat(BaggageContext.imageInfo()).isEqualTo(new ImageInfo("app", "2"));
        assertThat(BaggageContext.REQUEST_ID.get()).isEqualTo("r-1");
        assertThat(BaggageContext.all()).containsOnlyKeys("request.id", "image.name", "image.tag");
      }
      try (Scope inner = BaggageContext.withAll(Map.of(BaggageKeys.NAMESPACE, "ns")).makeCurrent()) {
        assertThat(BaggageContext.NAMESPACE.get()).isEqualTo("ns");
        assertThat(BaggageContext.get(BaggageKeys.NAMESPACE)).isEqualTo("ns");
      }
      try (Scope inner = BaggageContext.without(BaggageKeys.REQUEST_ID).makeCurrent()) {
        assertThat(BaggageContext.REQUEST_ID.get()).isNull();
      }
      try (Scope inner = BaggageContext.USER_ID.with("u").makeCurrent()) {
        assertThat(BaggageContext.USER_ID.get()).isEqualTo("u");
      }
    }
    assertThat(BaggageContext.REQUEST_ID.get()).isNull();
  }

  @Test
  void imageInfo_rejectsNullComponents() {
    assertThatThrownBy(() -> new ImageInfo(null, "t")).hasMessageContaining("name");
    assertThatThrownBy(() -> new ImageInfo("n", null)).hasMessageContaining("tag");
  }
}

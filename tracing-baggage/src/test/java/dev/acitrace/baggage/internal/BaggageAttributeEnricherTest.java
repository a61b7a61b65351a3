package dev.acitrace.baggage.internal;

import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.equalTo;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.api.CallType;
import dev.acitrace.api.MetadataView;
import dev.acitrace.api.RpcMethod;
import dev.acitrace.api.RpcSide;
import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.spi.AttributeEnricher;
import dev.acitrace.api.spi.RpcRequestInfo;
import dev.acitrace.baggage.BaggageContext;
import dev.acitrace.baggage.BaggageKeys;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.testing.junit5.OpenTelemetryExtension;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class BaggageAttributeEnricherTest {

  @RegisterExtension
  static final OpenTelemetryExtension otel = OpenTelemetryExtension.create();

  private static final RpcMethod METHOD = RpcMethod.parse("acme.Images/Pull", CallType.UNARY);

  /** Baggage with every standard key plus two custom ones, as an untrusted caller might send. */
  private static final Context CALLER = Context.root().with(Baggage.builder()
      .put(BaggageKeys.REQUEST_ID, "r-1")
      .put(BaggageKeys.USER_ID, "alice")
      .put(BaggageKeys.SESSION_ID, "s-1")
      .put(BaggageKeys.OPERATION, "pull")
      .put(BaggageKeys.IMAGE_NAME, "app")
      .put(BaggageKeys.IMAGE_TAG, "1.0")
      .put(BaggageKeys.SNAPSHOT_KEY, "default/1/k")
      .put(BaggageKeys.CONTAINER_ID, "c1")
      .put(BaggageKeys.NAMESPACE, "default")
      .put(BaggageKeys.ENVIRONMENT, "prod")
      .put("tenant.id", "t-7")
      .put("secret.token", "hunter2")
      .build());

  record Request(Context parentContext) implements RpcRequestInfo {
    @Override
    public RpcMethod method() {
      return METHOD;
    }

    @Override
    public RpcSide side() {
      return RpcSide.SERVER;
    }

    @Override
    public MetadataView requestMetadata() {
      return MetadataView.EMPTY;
    }
  }

  private static AttributeEnricher enricher(Map<String, String> config) {
    return new BaggageAttributeEnricherProvider().create(TracingConfig.of(config));
  }

  private SpanData span(AttributeEnricher enricher, Context parent) {
    Tracer tracer = otel.getOpenTelemetry().getTracer("test");
    Span span = tracer.spanBuilder(METHOD.fullName()).setParent(parent).startSpan();
    enricher.onStart(new Request(parent), span);
    span.end();
    return otel.getSpans().get(otel.getSpans().size() - 1);
  }

  @Test
  void defaults_copyOnlyTheStandardKeys() {
    SpanData span = span(enricher(Map.of()), CALLER);

    assertThat(span).hasAttributesSatisfyingExactly(
        equalTo(AttributeKey.stringKey("baggage.request.id"), "r-1"),
        equalTo(AttributeKey.stringKey("baggage.user.id"), "alice"),
        equalTo(AttributeKey.stringKey("baggage.session.id"), "s-1"),
        equalTo(AttributeKey.stringKey("baggage.operation"), "pull"),
        equalTo(AttributeKey.stringKey("baggage.image.name"), "app"),
        equalTo(AttributeKey.stringKey("baggage.image.tag"), "1.0"),
        equalTo(AttributeKey.stringKey("baggage.snapshot.key"), "default/1/k"),
        equalTo(AttributeKey.stringKey("baggage.container.id"), "c1"),
        equalTo(AttributeKey.stringKey("baggage.namespace"), "default"),
        equalTo(AttributeKey.stringKey("baggage.environment"), "prod"));
  }

  @Test
  void include_patterns_selectKeys() {
    SpanData span = span(enricher(Map.of(
        BaggageAttributeEnricherProvider.INCLUDE_KEY, "request.id, *.id ,image.*")), CALLER);

    assertThat(span).hasAttributesSatisfyingExactly(
        equalTo(AttributeKey.stringKey("baggage.request.id"), "r-1"),
        equalTo(AttributeKey.stringKey("baggage.user.id"), "alice"),
        equalTo(AttributeKey.stringKey("baggage.session.id"), "s-1"),
        equalTo(AttributeKey.stringKey("baggage.container.id"), "c1"),
        equalTo(AttributeKey.stringKey("baggage.tenant.id"), "t-7"),
        equalTo(AttributeKey.stringKey("baggage.image.name"), "app"),
        equalTo(AttributeKey.stringKey("baggage.image.tag"), "1.0"));
  }

  @Test
  void include_star_copiesEverything_andExcludeWins() {
    SpanData all = span(enricher(Map.of(BaggageAttributeEnricherProvider.INCLUDE_KEY, "*")), CALLER);
    SpanData filtered = span(enricher(Map.of(
        BaggageAttributeEnricherProvider.INCLUDE_KEY, "*",
        BaggageAttributeEnricherProvider.EXCLUDE_KEY, "secret.*,*.tag,session.id")), CALLER);

    assertThat(all.getAttributes().size()).isEqualTo(12);
    assertThat(all).hasAttribute(AttributeKey.stringKey("baggage.secret.token"), "hunter2");
    assertThat(filtered.getAttributes().size()).isEqualTo(9);
    assertThat(filtered.getAttributes().get(AttributeKey.stringKey("baggage.secret.token"))).isNull();
    assertThat(filtered.getAttributes().get(AttributeKey.stringKey("baggage.image.tag"))).isNull();
    assertThat(filtered.getAttributes().get(AttributeKey.stringKey("baggage.session.id"))).isNull();
    assertThat(filtered).hasAttribute(AttributeKey.stringKey("baggage.tenant.id"), "t-7");
  }

  @Test
  void exclude_appliesToTheDefaultAllowlistToo() {
    SpanData span = span(enricher(Map.of(BaggageAttributeEnricherProvider.EXCLUDE_KEY, "user.id")), CALLER);

    assertThat(span.getAttributes().size()).isEqualTo(9);
    assertThat(span.getAttributes().get(AttributeKey.stringKey("baggage.user.id"))).isNull();
  }

  @Test
  void maxValueLength_capsCopiedValues_neverSplittingASurrogatePair() {
    Context parent = BaggageContext.withAll(Context.root(), Map.of(
        BaggageKeys.REQUEST_ID, "x".repeat(300), BaggageKeys.USER_ID, "ab😀cd", BaggageKeys.OPERATION, "abc"));

    SpanData defaults = span(enricher(Map.of()), parent);
    SpanData capped = span(enricher(Map.of(BaggageAttributeEnricherProvider.MAX_VALUE_LENGTH_KEY, "3")), parent);

    assertThat(defaults).hasAttribute(AttributeKey.stringKey("baggage.request.id"), "x".repeat(256));
    assertThat(defaults).hasAttribute(AttributeKey.stringKey("baggage.user.id"), "ab😀cd");
    assertThat(capped).hasAttribute(AttributeKey.stringKey("baggage.request.id"), "xxx");
    assertThat(capped).hasAttribute(AttributeKey.stringKey("baggage.user.id"), "ab");
    assertThat(capped).hasAttribute(AttributeKey.stringKey("baggage.operation"), "abc");
  }

  @Test
  void maxValueLength_invalid_failsNamingTheKey() {
    assertThatThrownBy(() -> enricher(Map.of(BaggageAttributeEnricherProvider.MAX_VALUE_LENGTH_KEY, "0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(BaggageAttributeEnricherProvider.MAX_VALUE_LENGTH_KEY);
    assertThatThrownBy(() -> enricher(Map.of(BaggageAttributeEnricherProvider.MAX_VALUE_LENGTH_KEY, "many")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(BaggageAttributeEnricherProvider.MAX_VALUE_LENGTH_KEY);
  }

  @Test
  void noBaggage_addsNoAttributes() {
    assertThat(span(enricher(Map.of()), Context.root()).getAttributes().isEmpty()).isTrue();
  }

  @Test
  void nonRecordingSpan_isLeftAlone() {
    Span notRecording = Span.getInvalid();

    enricher(Map.of()).onStart(new Request(CALLER), notRecording);

    assertThat(notRecording.isRecording()).isFalse();
  }

  @Test
  void attributeKeyCache_isBounded() {
    BaggageAttributeEnricher enricher = (BaggageAttributeEnricher) enricher(
        Map.of(BaggageAttributeEnricherProvider.INCLUDE_KEY, "*"));
    for (int i = 0; i < 5000; i++) {
      assertThat(enricher.attributeKey("k" + i).getKey()).isEqualTo("baggage.k" + i);
    }

    assertThat(enricher.cachedKeys()).isLessThanOrEqualTo(BaggageAttributeEnricher.MAX_CACHED_KEYS);
    assertThat(enricher.attributeKey("k10")).isSameAs(enricher.attributeKey("k10"));
  }

  @Test
  void keyFilter_globs() {
    KeyFilter filter = KeyFilter.of(java.util.List.of("a*b*c", "x*", "*zz", "exact"));

    assertThat(filter.matches("abc")).isTrue();
    assertThat(filter.matches("a1b2c")).isTrue();
    assertThat(filter.matches("abcabc")).isTrue();
    assertThat(filter.matches("acb")).isFalse();
    assertThat(filter.matches("ab")).isFalse();
    assertThat(filter.matches("xray")).isTrue();
    assertThat(filter.matches("fizz")).isTrue();
    assertThat(filter.matches("fizzy")).isFalse();
    assertThat(filter.matches("exact")).isTrue();
    assertThat(filter.matches("exactly")).isFalse();
    assertThat(KeyFilter.of(java.util.List.of("**")).matches("anything")).isTrue();
    assertThat(KeyFilter.of(java.util.List.of()).isEmpty()).isTrue();
  }
}

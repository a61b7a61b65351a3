package dev.acitrace.baggage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.internal.Providers;
import dev.acitrace.api.spi.AttributeEnricherProvider;
import dev.acitrace.api.spi.BaggageCodecProvider;
import dev.acitrace.baggage.internal.BaggageAttributeEnricherProvider;
import dev.acitrace.baggage.internal.PrefixedBaggageCodecProvider;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Runs on the module path ({@code provides}) and again on the classpath ({@code META-INF/services}). */
class BaggageDiscoveryTest {

  private static final boolean ON_CLASSPATH = Boolean.getBoolean("acitrace.test.classpath");

  @Test
  void module_isNamedExactlyWhenOnTheModulePath() {
    assertThat(getClass().getModule().isNamed()).isEqualTo(!ON_CLASSPATH);
  }

  @Test
  void codecProviders_areFound_w3cFirst() {
    assertThat(Providers.names(BaggageCodecProvider.class)).containsExactly("w3c", "prefixed");
    assertThat(Providers.named(BaggageCodecProvider.class, "w3c").create(TracingConfig.of(Map.of())))
        .isInstanceOf(W3CBaggageCodec.class);
    assertThat(Providers.named(BaggageCodecProvider.class, "prefixed").create(TracingConfig.of(Map.of())))
        .isInstanceOf(PrefixedBaggageCodec.class);
  }

  @Test
  void codecSelection_byConfiguration_orByBeingTheOnlyCodec() {
    assertThat(Providers.select(BaggageCodecProvider.class,
            TracingConfig.of(Map.of(BaggageCodecProvider.CONFIG_KEY, "prefixed")), BaggageCodecProvider.CONFIG_KEY))
        .get().isInstanceOf(PrefixedBaggageCodecProvider.class);
    List<BaggageCodecProvider> onlyPrefixed =
        Providers.load(BaggageCodecProvider.class, List.of(new PrefixedBaggageCodecProvider()));
    assertThat(onlyPrefixed.get(0).create(TracingConfig.of(Map.of()))).isInstanceOf(PrefixedBaggageCodec.class);
  }

  @Test
  void codecSelection_namedButMissing_failsListingTheAvailableCodecs() {
    TracingConfig config = TracingConfig.of(Map.of(BaggageCodecProvider.CONFIG_KEY, "jaeger"));
    assertThatThrownBy(() -> AciBaggagePropagator.create(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("acitrace.baggage.codec=jaeger: no BaggageCodecProvider named 'jaeger'; available: w3c, prefixed");
  }

  @Test
  void enricherProvider_isFound() {
    assertThat(Providers.names(AttributeEnricherProvider.class)).contains("baggage");
    assertThat(Providers.named(AttributeEnricherProvider.class, "baggage"))
        .isInstanceOf(BaggageAttributeEnricherProvider.class);
  }
}

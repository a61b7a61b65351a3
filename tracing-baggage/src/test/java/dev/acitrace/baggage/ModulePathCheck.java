package dev.acitrace.baggage;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.internal.Providers;
import dev.acitrace.api.spi.AttributeEnricherProvider;
import dev.acitrace.api.spi.BaggageCodecProvider;
import io.opentelemetry.context.Context;
import java.util.Map;

/**
 * Launched by {@link MinimalModulePathTest} in a JVM whose module path holds only this module,
 * tracing-api and the OpenTelemetry API: proves nothing heavier is needed. Exits 0
 * and prints {@code OK} when everything works.
 */
public final class ModulePathCheck {

  private ModulePathCheck() {}

  public static void main(String[] args) throws Exception {
    check(ModuleLayer.boot().findModule("io.opentelemetry.sdk.autoconfigure.spi").isEmpty(),
        "autoconfigure SPI must be absent");
    check(ModuleLayer.boot().findModule("io.opentelemetry.sdk").isEmpty(), "SDK must be absent");
    try {
      Class.forName("io.opentelemetry.sdk.autoconfigure.spi.ConfigurablePropagatorProvider");
      check(false, "ConfigurablePropagatorProvider must not load");
    } catch (ClassNotFoundException expected) {
      // as it should be
    }
    check(ModulePathCheck.class.getModule().getName().equals("dev.acitrace.baggage"), "named module");
    check(Providers.names(BaggageCodecProvider.class).equals(java.util.List.of("w3c", "prefixed")),
        "codecs: " + Providers.names(BaggageCodecProvider.class));
    check(Providers.names(AttributeEnricherProvider.class).contains("baggage"), "enricher provider");
    Providers.named(AttributeEnricherProvider.class, "baggage").create(TracingConfig.of(Map.of()));

    for (String codec : new String[] {"w3c", "prefixed"}) {
      AciBaggagePropagator propagator =
          AciBaggagePropagator.create(TracingConfig.of(Map.of(BaggageCodecProvider.CONFIG_KEY, codec)));
      Carrier carrier = new Carrier();
      propagator.inject(BaggageContext.REQUEST_ID.with(Context.root(), "r, 1 😀"), carrier, Carrier.SETTER);
      Context back = propagator.extract(Context.root(), carrier, Carrier.GETTER);
      check("r, 1 😀".equals(BaggageContext.REQUEST_ID.get(back)), codec + " round trip via " + carrier);
    }
    System.out.println("OK " + ModuleLayer.boot().modules().size() + " modules");
  }

  private static void check(boolean condition, String what) {
    if (!condition) {
      System.out.println("FAILED: " + what);
      System.exit(1);
    }
  }
}

package dev.acitrace.baggage;

import static java.util.Objects.requireNonNull;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.internal.Providers;
import dev.acitrace.api.spi.BaggageCodec;
import dev.acitrace.api.spi.BaggageCodecProvider;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;

/**
 * An OpenTelemetry {@link TextMapPropagator} that carries the context's {@link Baggage} with a
 * {@link BaggageCodec}. Put it into the {@code OpenTelemetry} instance's propagators next to trace
 * context, and every interceptor that propagates through that instance carries baggage with the chosen
 * codec:
 *
 * <pre>{@code
 * ContextPropagators propagators = ContextPropagators.create(TextMapPropagator.composite(
 *     W3CTraceContextPropagator.getInstance(), AciBaggagePropagator.create()));
 * }</pre>
 *
 * <p>With the OpenTelemetry SDK autoconfiguration, {@code OTEL_PROPAGATORS=tracecontext,acitrace-baggage}
 * does the same; that {@code ConfigurablePropagatorProvider} ships with the bundle module (it needs the SDK,
 * which this module does not) and is built on {@link #create(TracingConfig)}.
 *
 * <p>Extraction replaces the baggage of the given context with what the carrier holds (as OpenTelemetry's
 * W3C propagator does) and leaves the context unchanged when the carrier holds none. Neither direction
 * throws for anything found in a carrier.
 */
public final class AciBaggagePropagator implements TextMapPropagator {

  private final BaggageCodec codec;

  private AciBaggagePropagator(BaggageCodec codec) {
    this.codec = codec;
  }

  /** The propagator with the codec selected by {@link TracingConfig#fromEnvironment()}. */
  public static AciBaggagePropagator create() {
    return create(TracingConfig.fromEnvironment());
  }

  /**
   * The propagator with the codec that {@code config} selects under {@value BaggageCodecProvider#CONFIG_KEY}
   * (by provider name), or the first codec provider found ({@code w3c} when this module is present).
   *
   * @throws IllegalArgumentException when the configured codec does not exist (listing those available)
   *     or its configuration is invalid
   */
  public static AciBaggagePropagator create(TracingConfig config) {
    requireNonNull(config, "config");
    BaggageCodec codec =
        Providers.select(BaggageCodecProvider.class, config, BaggageCodecProvider.CONFIG_KEY)
            .map(provider -> provider.create(config))
            // no provider visible at all (e.g. a custom class loader): the built-in default still works
            .orElseGet(() -> W3CBaggageCodec.create(BaggageLimits.fromConfig(config)));
    return new AciBaggagePropagator(requireNonNull(codec, "codec provider returned null"));
  }

  /** The propagator over {@code codec}. */
  public static AciBaggagePropagator of(BaggageCodec codec) {
    return new AciBaggagePropagator(requireNonNull(codec, "codec"));
  }

  /** The codec this propagator writes and reads with. */
  public BaggageCodec codec() {
    return codec;
  }

  @Override
  public Collection<String> fields() {
    return codec.fields();
  }

  @Override
  public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
    if (context == null || setter == null) {
      return;
    }
    Baggage baggage = Baggage.fromContext(context);
    if (!baggage.isEmpty()) {
      codec.inject(baggage, carrier, setter);
    }
  }

  @Override
  public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
    if (context == null) {
      return Context.root();
    }
    if (getter == null) {
      return context;
    }
    Baggage baggage;
    try {
      baggage = codec.extract(carrier, getter);
    } catch (RuntimeException e) {
      // the codec contract says never; a third-party codec that breaks it must still not fail the call
      return context;
    }
    return baggage == null || baggage.isEmpty() ? context : context.with(baggage);
  }

  @Override
  public String toString() {
    return "AciBaggagePropagator{" + codec + "}";
  }
}

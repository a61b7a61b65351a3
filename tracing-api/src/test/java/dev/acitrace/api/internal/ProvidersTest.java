package dev.acitrace.api.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.spi.BaggageCodecProvider;
import dev.acitrace.api.spi.NamedProvider;
import dev.acitrace.api.spi.SpanNamer;
import dev.acitrace.api.spi.SpanNamerProvider;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.ServiceConfigurationError;
import org.junit.jupiter.api.Test;

class ProvidersTest {

  record Named(String name, int order) implements SpanNamerProvider {
    @Override
    public SpanNamer create(TracingConfig config) {
      return SpanNamer.DEFAULT;
    }
  }

  @Test
  void testsRunOnTheModulePath() {
    assertThat(getClass().getModule().isNamed()).isTrue();
    assertThat(getClass().getModule().getName()).isEqualTo("dev.acitrace.api");
  }

  @Test
  void load_ordersByOrderThenName() {
    List<Named> loaded = Providers.load(Named.class,
        List.of(new Named("b", 5), new Named("z", -1), new Named("a", 5), new Named("c", 0)));
    assertThat(loaded).extracting(Named::name).containsExactly("z", "c", "a", "b");
  }

  @Test
  void load_duplicateName_keepsTheFirstInOrder() {
    List<Named> loaded = Providers.load(Named.class,
        List.of(new Named("x", 10), new Named("x", 1), new Named("y", 0)));
    assertThat(loaded).containsExactly(new Named("y", 0), new Named("x", 1));
  }

  @Test
  void load_blankNameOrBrokenProvider_isSkippedAndOthersKept() {
    Iterator<Named> flaky = new Iterator<>() {
      int i;

      @Override
      public boolean hasNext() {
        return i < 4;
      }

      @Override
      public Named next() {
        if (i >= 4) {
          throw new NoSuchElementException();
        }
        switch (i++) {
          case 0: return new Named("ok", 0);
          case 1: throw new ServiceConfigurationError("broken provider");
          case 2: return new Named(" ", 0);
          default: return new Named("also-ok", 1);
        }
      }
    };
    List<Named> loaded = Providers.load(Named.class, () -> flaky);
    assertThat(loaded).extracting(Named::name).containsExactly("ok", "also-ok");
  }

  @Test
  void all_noProvidersOnPath_isEmptyAndCached() {
    assertThat(Providers.all(BaggageCodecProvider.class)).isEmpty();
    assertThat(Providers.all(BaggageCodecProvider.class))
        .isSameAs(Providers.all(BaggageCodecProvider.class));
  }

  @Test
  void select_unsetKeyAndNoProviders_isEmpty() {
    assertThat(Providers.select(BaggageCodecProvider.class, TracingConfig.of(Map.of()),
        BaggageCodecProvider.CONFIG_KEY)).isEmpty();
  }

  @Test
  void select_namedButMissing_listsTheKeyValueAndAvailableNames() {
    TracingConfig config = TracingConfig.of(Map.of(BaggageCodecProvider.CONFIG_KEY, "jaeger"));
    assertThatThrownBy(() -> Providers.select(BaggageCodecProvider.class, config,
            BaggageCodecProvider.CONFIG_KEY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("acitrace.baggage.codec=jaeger: no BaggageCodecProvider named 'jaeger'; available: none");
  }

  @Test
  void named_missing_listsAvailableNames() {
    assertThatThrownBy(() -> Providers.named(SpanNamerProvider.class, "fancy"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no SpanNamerProvider named 'fancy'")
        .hasMessageContaining("available: none");
  }

  @Test
  void namedProvider_defaultOrderIsZero() {
    NamedProvider p = () -> "p";
    assertThat(p.order()).isZero();
  }
}

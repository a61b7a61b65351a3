package dev.acitrace.grpc.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageEntryMetadata;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.context.Context;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RequestIdBaggageTest {

  private final Baggage incoming = Baggage.builder()
      .put("user.id", "u1", BaggageEntryMetadata.create("p=1"))
      .put("request.id", "bad id")
      .put("zone", "z")
      .build();

  private static Map<String, String> values(Baggage baggage) {
    Map<String, String> values = new TreeMap<>();
    baggage.forEach((key, entry) -> values.put(key, entry.getValue()));
    return values;
  }

  @Test
  void overlay_behavesLikeTheBuiltBaggage() {
    Baggage overlay = RequestIdBaggage.with(incoming, "r-2");
    Baggage built = incoming.toBuilder().put("request.id", "r-2").build();
    assertThat(values(overlay)).isEqualTo(values(built));
    assertThat(overlay.size()).isEqualTo(built.size()).isEqualTo(3);
    assertThat(overlay.getEntryValue("request.id")).isEqualTo("r-2");
    assertThat(overlay.getEntry("user.id").getMetadata().getValue()).isEqualTo("p=1");
    assertThat(overlay.getEntry("request.id").getValue()).isEqualTo("r-2");
    assertThat(overlay.asMap()).isEqualTo(built.asMap());
    assertThat(values(overlay.toBuilder().build())).isEqualTo(values(built));
    assertThat(RequestIdBaggage.with(overlay, "r-3").getEntryValue("request.id")).isEqualTo("r-3");
  }

  @Test
  void overlay_onEmptyBaggage_addsTheEntry_andInjectsAsW3C() {
    Baggage overlay = RequestIdBaggage.with(Baggage.empty(), "r-1");
    assertThat(overlay.size()).isEqualTo(1);
    assertThat(overlay.isEmpty()).isFalse();
    Map<String, String> carrier = new HashMap<>();
    W3CBaggagePropagator.getInstance().inject(Context.root().with(overlay), carrier, Map::put);
    assertThat(carrier).containsEntry("baggage", "request.id=r-1");
  }
}

package dev.acitrace.grpc.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.spi.BaggageCodec;
import dev.acitrace.baggage.AciBaggagePropagator;
import dev.acitrace.baggage.BaggageLimits;
import dev.acitrace.baggage.PrefixedBaggageCodec;
import dev.acitrace.baggage.W3CBaggageCodec;
import dev.acitrace.grpc.client.GrpcClientTracing;
import dev.acitrace.testing.TestCalls;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A caller sends baggage at or over the limits and no request id, over a real chain client -> A -> B:
 * A's handler must see its generated id within the limits, and its outgoing call must carry that id to B.
 */
class RequestIdLimitsTest {

  private static final int MAX_MEMBERS = 64;
  private static final int MAX_BYTES = 8192;

  private final EchoService serviceA = new EchoService("test.A");
  private final EchoService serviceB = new EchoService("test.B");
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private OpenTelemetrySdk sdk;

  @AfterEach
  void stop() throws InterruptedException {
    TestCalls.stopAll(channels, servers);
    serviceA.close();
    serviceB.close();
    if (sdk != null) {
      sdk.close();
    }
  }

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (String codec : List.of("w3c", "prefixed")) {
      for (int members : new int[] {63, 64, 200}) {
        cases.add(Arguments.of(codec, "members", members));
      }
      for (int bytes : new int[] {8000, 8192, 20000}) {
        cases.add(Arguments.of(codec, "bytes", bytes));
      }
    }
    return cases.stream();
  }

  /** The caller's baggage: {@code n} small members, or members of about 500 bytes adding up to {@code n} bytes. */
  private static Map<String, String> callerBaggage(String kind, int n) {
    Map<String, String> members = new LinkedHashMap<>();
    members.put("user.id", "alice"); // standard: kept while non-standard members can make room
    if (kind.equals("members")) {
      for (int i = 1; i < n; i++) {
        members.put(String.format("k%03d", i), "v" + i);
      }
      return members;
    }
    int remaining = n - "user.id=alice".length();
    for (int i = 1; remaining > 0; i++) {
      String key = String.format("k%03d", i); // each member costs a separator, the key, '=' and the value
      int length = Math.min(500, remaining - 6);
      int left = remaining - 6 - length;
      if (left > 0 && left < 6) {
        length -= 6; // leave the last member room for its separator, key and '='
      }
      members.put(key, "x".repeat(length));
      remaining -= 6 + length;
    }
    assertThat(remaining).isZero();
    return members;
  }

  /** The caller's raw headers in the codec's format, bypassing any client-side limit. */
  private static Metadata headers(String codec, Map<String, String> members) {
    Metadata headers = new Metadata();
    if (codec.equals("w3c")) {
      StringBuilder header = new StringBuilder();
      members.forEach((k, v) -> header.append(header.length() == 0 ? "" : ",").append(k).append('=').append(v));
      headers.put(Metadata.Key.of("baggage", Metadata.ASCII_STRING_MARSHALLER), header.toString());
    } else {
      members.forEach((k, v) ->
          headers.put(Metadata.Key.of("baggage-" + k, Metadata.ASCII_STRING_MARSHALLER), v));
    }
    return headers;
  }

  private String start(EchoService service) throws Exception {
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name)
        .maxInboundMetadataSize(1 << 20)
        .addService(service.definition())
        .directExecutor();
    GrpcServerTracing tracing = GrpcServerTracing.builder(sdk)
        .config(TracingConfig.of(Map.of()))
        .enrichers(List.of())
        .build();
    servers.add(tracing.applyTo(builder).build().start());
    return name;
  }

  private ManagedChannel channel(String name, boolean traced) {
    InProcessChannelBuilder builder = InProcessChannelBuilder.forName(name).directExecutor();
    ManagedChannel channel = traced
        ? GrpcClientTracing.builder(sdk).config(TracingConfig.of(Map.of())).enrichers(List.of()).build()
            .applyTo(builder).build()
        : builder.build();
    channels.add(channel);
    return channel;
  }

  @ParameterizedTest(name = "{0}: {2} {1}")
  @MethodSource("cases")
  void callerAtTheLimits_handlerBaggageStaysWithin_andTheIdReachesTheNextHop(String codecName, String kind, int n)
      throws Exception {
    BaggageCodec codec = codecName.equals("w3c") ? W3CBaggageCodec.create() : PrefixedBaggageCodec.create();
    sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().build())
        .setPropagators(ContextPropagators.create(TextMapPropagator.composite(
            W3CTraceContextPropagator.getInstance(), AciBaggagePropagator.of(codec))))
        .build();
    String b = start(serviceB);
    ManagedChannel toB = channel(b, true);
    serviceA.downstream = () -> toB;
    String a = start(serviceA);
    Map<String, String> sent = callerBaggage(kind, n);

    String reply = ClientCalls.blockingUnaryCall(
        io.grpc.ClientInterceptors.intercept(channel(a, false),
            MetadataUtils.newAttachHeadersInterceptor(headers(codecName, sent))),
        serviceA.unary, CallOptions.DEFAULT, "relay");

    assertThat(reply).isEqualTo("relayed:echo:ok");
    Map<String, String> atA = serviceA.seen.get(0).baggage();
    Map<String, String> atB = serviceB.seen.get(0).baggage();
    assertThat(atA.get("request.id")).as("A's generated id").matches("[0-9a-f]{32}");
    assertThat(atA).as("A's baggage within the member limit").hasSizeLessThanOrEqualTo(MAX_MEMBERS);
    assertThat(w3cSize(atA)).as("A's baggage within the byte limit").isLessThanOrEqualTo(MAX_BYTES);
    if (!(codecName.equals("prefixed") && n > MAX_MEMBERS)) {
      // (over the member limit, which 64 prefixed headers are read depends on gRPC's header order)
      assertThat(atA).as("the standard key is kept").containsEntry("user.id", "alice");
    }
    assertThat(atB).as("A's outgoing call carries all of A's baggage, the id included").isEqualTo(atA);
    if (kind.equals("members") && n < MAX_MEMBERS) {
      assertThat(atA).as("below the limits nothing is dropped").hasSize(n + 1);
    }
  }

  @ParameterizedTest(name = "{0} members")
  @org.junit.jupiter.params.provider.ValueSource(ints = {63, 64, 200})
  void standaloneInterceptor_callerAtTheMemberLimit_handlerBaggageStaysWithin(int n) throws Exception {
    String name = InProcessServerBuilder.generateName();
    servers.add(InProcessServerBuilder.forName(name).directExecutor()
        .addService(io.grpc.ServerInterceptors.intercept(serviceB.definition(), RequestIdServerInterceptor.create()))
        .build().start());

    ClientCalls.blockingUnaryCall(io.grpc.ClientInterceptors.intercept(channel(name, false),
            MetadataUtils.newAttachHeadersInterceptor(headers("w3c", callerBaggage("members", n)))),
        serviceB.unary, CallOptions.DEFAULT, "ok");

    Map<String, String> seen = serviceB.seen.get(0).baggage();
    assertThat(seen.get("request.id")).matches("[0-9a-f]{32}");
    assertThat(seen).hasSize(Math.min(n + 1, MAX_MEMBERS)).containsEntry("user.id", "alice");
  }

  /** The bytes the W3C format spends on {@code baggage} (unlimited codec, so nothing is left out). */
  private static int w3cSize(Map<String, String> entries) {
    var builder = Baggage.builder();
    entries.forEach(builder::put);
    Map<String, String> carrier = new java.util.HashMap<>();
    W3CBaggageCodec.create(new BaggageLimits(10_000, 1 << 20)).inject(builder.build(), carrier, Map::put);
    return carrier.getOrDefault("baggage", "").length();
  }
}

package dev.acitrace.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.bundle.internal.OtlpExporterProvider;
import io.grpc.TlsServerCredentials;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.trace.TestSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.File;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The grpc-java OTLP sender over TLS against a receiver that requires a client certificate: the
 * exporter's client key and certificate must reach the handshake. The files under
 * {@code src/test/resources/tls} are a throwaway test CA, a server certificate for localhost/127.0.0.1
 * and a client certificate, all signed by that CA; {@code other-host.*} is a self-signed certificate
 * for another host name.
 */
@Timeout(60)
class GrpcSenderTlsTest {

  private static final File TLS = new File("src/test/resources/tls");

  private OtlpGrpcReceiver receiver;

  @BeforeEach
  void start() throws Exception {
    receiver = OtlpGrpcReceiver.tls(TlsServerCredentials.newBuilder()
        .keyManager(new File(TLS, "server.pem"), new File(TLS, "server.key"))
        .trustManager(new File(TLS, "ca.pem"))
        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
        .build());
  }

  @AfterEach
  void stop() throws Exception {
    receiver.close();
  }

  private static SpanData span(String name) {
    return TestSpanData.builder().setName(name).setKind(SpanKind.INTERNAL)
        .setStartEpochNanos(1).setEndEpochNanos(2).setHasEnded(true)
        .setStatus(StatusData.unset()).setAttributes(Attributes.empty()).build();
  }

  private boolean export(boolean withClientKey) {
    Map<String, String> config = new HashMap<>();
    config.put("otel.exporter.otlp.traces.endpoint", receiver.endpoint());
    config.put("otel.exporter.otlp.traces.certificate", new File(TLS, "ca.pem").getAbsolutePath());
    config.put("otel.java.exporter.otlp.retry.disabled", "true");
    if (withClientKey) {
      config.put("otel.exporter.otlp.traces.client.key", new File(TLS, "client.key").getAbsolutePath());
      config.put("otel.exporter.otlp.traces.client.certificate",
          new File(TLS, "client.pem").getAbsolutePath());
    }
    SpanExporter exporter = new OtlpExporterProvider().create(TracingConfig.of(config));
    try {
      return exporter.export(List.of(span("mtls"))).join(20, TimeUnit.SECONDS).isSuccess();
    } finally {
      exporter.shutdown();
    }
  }

  @Test
  void clientKeyAndCertificate_areUsedForMutualTls() {
    assertThat(export(true)).isTrue();
    assertThat(receiver.spans()).extracting(ReceivedSpan::name).containsExactly("mtls");
  }

  @Test
  void serverCertificateForAnotherHost_isRejected_evenWhenTrusted() throws Exception {
    // other-host.pem is self-signed for other.invalid only and is the trusted certificate here: the
    // export must still fail, because the sender checks the host name as well as the chain.
    try (OtlpGrpcReceiver otherHost = OtlpGrpcReceiver.tls(TlsServerCredentials.create(
        new File(TLS, "other-host.pem"), new File(TLS, "other-host.key")))) {
      SpanExporter exporter = new OtlpExporterProvider().create(TracingConfig.of(Map.of(
          "otel.exporter.otlp.traces.endpoint", otherHost.endpoint(),
          "otel.exporter.otlp.traces.certificate", new File(TLS, "other-host.pem").getAbsolutePath(),
          "otel.java.exporter.otlp.retry.disabled", "true")));
      try {
        assertThat(exporter.export(List.of(span("wrong-host"))).join(20, TimeUnit.SECONDS).isSuccess())
            .isFalse();
        assertThat(otherHost.spans()).isEmpty();
      } finally {
        exporter.shutdown();
      }
    }
  }

  @Test
  void withoutClientCertificate_theReceiverRefusesTheHandshake() {
    // Proves the receiver really requires a client certificate, so the test above proves ours was sent.
    assertThat(export(false)).isFalse();
    assertThat(receiver.spans()).isEmpty();
  }
}

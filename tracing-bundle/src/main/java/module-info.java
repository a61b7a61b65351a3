/**
 * Every acitrace module in one dependency, and the one-call OpenTelemetry initialization:
 * {@link dev.acitrace.bundle.Tracing#init()} configures the OpenTelemetry SDK from the standard
 * {@code OTEL_*} variables and {@code otel.*} system properties (through OpenTelemetry's autoconfigure
 * module), adds acitrace's defaults, and exports through the exporters named in
 * {@code otel.traces.exporter}, found with the {@link dev.acitrace.api.spi.ExporterProvider} SPI.
 *
 * <p>OTLP over gRPC runs on grpc-java (OpenTelemetry's public sender SPI), OTLP over http/protobuf on
 * the JDK HTTP client, so the module launches with nothing but {@code java -p ... -m ...}.
 *
 * @uses io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider
 * @provides dev.acitrace.api.spi.ExporterProvider {@code otlp}, {@code console} and {@code none}
 * @provides io.opentelemetry.sdk.common.export.GrpcSenderProvider OTLP/gRPC on a grpc-java channel
 * @provides io.opentelemetry.sdk.autoconfigure.spi.ConfigurablePropagatorProvider {@code acitrace-baggage}
 *     and {@code grpc-trace-bin}
 */
module dev.acitrace.bundle {
  requires transitive dev.acitrace.api;
  requires transitive dev.acitrace.baggage;
  requires transitive dev.acitrace.grpc;
  requires transitive dev.acitrace.grpc.client;
  requires transitive dev.acitrace.grpc.server;
  requires transitive io.opentelemetry.sdk;
  requires transitive io.opentelemetry.sdk.common;
  requires transitive io.opentelemetry.sdk.trace;

  requires java.logging;
  requires io.opentelemetry.sdk.autoconfigure;
  requires io.opentelemetry.sdk.autoconfigure.spi;
  requires io.opentelemetry.sdk.metrics;
  requires io.opentelemetry.sdk.logs;
  requires io.grpc.netty.shaded;

  // Not used by our code, but needed by automatic modules we ship, which cannot say so themselves:
  // a `java -m` launch resolves only what named modules require (shared REFERENCES, section 6).
  requires java.net.http; // opentelemetry-exporter-sender-jdk (OTLP http/protobuf)
  requires com.google.common.util.concurrent.internal; // failureaccess, for grpc-netty-shaded's Guava
  requires jdk.unsupported; // lets Netty use direct buffers instead of warning and falling back

  exports dev.acitrace.bundle;

  uses io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
  uses io.opentelemetry.sdk.autoconfigure.spi.traces.ConfigurableSpanExporterProvider;

  provides dev.acitrace.api.spi.ExporterProvider with
      dev.acitrace.bundle.internal.OtlpExporterProvider,
      dev.acitrace.bundle.internal.ConsoleExporterProvider,
      dev.acitrace.bundle.internal.NoneExporterProvider;
  provides io.opentelemetry.sdk.autoconfigure.spi.ConfigurablePropagatorProvider with
      dev.acitrace.bundle.internal.AciBaggagePropagatorProvider,
      dev.acitrace.bundle.internal.GrpcTraceBinPropagatorProvider;
  provides io.opentelemetry.sdk.common.export.GrpcSenderProvider with
      dev.acitrace.bundle.internal.GrpcJavaSenderProvider;
}

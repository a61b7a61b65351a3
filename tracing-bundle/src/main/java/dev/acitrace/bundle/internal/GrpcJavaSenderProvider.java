package dev.acitrace.bundle.internal;

import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.CompressorRegistry;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextChannelCredentials;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.grpc.netty.shaded.io.netty.handler.ssl.JdkSslContext;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.Compressor;
import io.opentelemetry.sdk.common.export.GrpcResponse;
import io.opentelemetry.sdk.common.export.GrpcSender;
import io.opentelemetry.sdk.common.export.GrpcSenderConfig;
import io.opentelemetry.sdk.common.export.GrpcSenderProvider;
import io.opentelemetry.sdk.common.export.GrpcStatusCode;
import io.opentelemetry.sdk.common.export.MessageWriter;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;

/**
 * OpenTelemetry's OTLP/gRPC exporter, sending over a grpc-java channel (Netty, shaded) instead of
 * okhttp. {@code OtlpGrpcSpanExporter} finds this class through the public
 * {@link GrpcSenderProvider} SPI; with several providers present, the system property
 * {@code io.opentelemetry.sdk.common.export.GrpcSenderProvider} names the one to use.
 *
 * <p>{@code http://} endpoints are plaintext (h2c), {@code https://} use TLS with the exporter's SSL
 * context when one is configured ({@code otel.exporter.otlp.certificate}, and for mutual TLS
 * {@code otel.exporter.otlp.client.key} and {@code client.certificate}) or the JDK's defaults otherwise.
 * Header names are validated when the sender is created; {@code -bin} headers take base64 values.
 * Compression, per-call timeout, headers and the retry policy of the exporter are honoured; retries are
 * grpc-java's own, configured from the exporter's {@link RetryPolicy} through a service config.
 */
public final class GrpcJavaSenderProvider implements GrpcSenderProvider {

  /** For {@link java.util.ServiceLoader}. */
  public GrpcJavaSenderProvider() {}

  @Override
  public GrpcSender createSender(GrpcSenderConfig config) {
    return new Sender(config);
  }

  // The OTLP status codes a client retries (OTLP specification, "Failures" for OTLP/gRPC).
  private static final List<String> RETRYABLE_CODES =
      List.of("CANCELLED", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED", "ABORTED", "OUT_OF_RANGE",
          "UNAVAILABLE", "DATA_LOSS");

  private static final MethodDescriptor.Marshaller<byte[]> BYTES_MARSHALLER =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try (stream) {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  /**
   * Serializes the exporter's request now, on the exporting thread. The exporter reuses its writer for the
   * next export as soon as this one completes or times out, while grpc-java may serialize a message later
   * (when the channel connects): handing it the writer itself would serialize a writer another export is
   * filling (seen as ConcurrentModificationException on grpc's executor during a collector outage).
   */
  private static byte[] serialize(MessageWriter writer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(32, writer.getContentLength()));
    try {
      writer.writeMessage(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static final class Sender implements GrpcSender {
    private final ManagedChannel channel;
    private final MethodDescriptor<byte[], byte[]> method;
    private final CallOptions callOptions;
    private final GrpcSenderConfig config;
    // The supplier's first answer, converted once: it usually returns the same headers every time.
    private final Map<String, List<String>> initialConfigured;
    private final List<Header> initialHeaders;

    Sender(GrpcSenderConfig config) {
      this.config = config;
      // Fail at initialization, naming the header, rather than on every export.
      Map<String, List<String>> initial = config.getHeadersSupplier().get();
      this.initialConfigured = initial == null ? Map.of() : Map.copyOf(initial);
      this.initialHeaders = headersOf(initialConfigured);
      URI endpoint = config.getEndpoint();
      this.channel = newChannel(config, endpoint);
      this.method = MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(config.getFullMethodName())
          .setRequestMarshaller(BYTES_MARSHALLER)
          .setResponseMarshaller(BYTES_MARSHALLER)
          .build();
      CallOptions options = CallOptions.DEFAULT;
      Compressor compressor = config.getCompressor();
      if (compressor != null) {
        options = options.withCompression(compressor.getEncoding());
      }
      this.callOptions = options;
    }

    @Override
    public void send(MessageWriter request, Consumer<GrpcResponse> onResponse,
        Consumer<Throwable> onError) {
      ClientCall<byte[], byte[]> call = null;
      try {
        // A dynamic headers supplier may hand out a name it did not at initialization: that fails this
        // export (through onError, as the exporter expects), never the caller's thread.
        Map<String, List<String>> configured = config.getHeadersSupplier().get();
        if (configured == null) {
          configured = Map.of();
        }
        Metadata headers = new Metadata();
        for (Header header : configured.equals(initialConfigured) ? initialHeaders : headersOf(configured)) {
          header.put(headers);
        }
        CallOptions options = callOptions;
        long timeoutNanos = config.getTimeout().toNanos();
        if (timeoutNanos > 0) {
          options = options.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS);
        }
        byte[] body = serialize(request);
        call = channel.newCall(method, options);
        call.start(new ResponseListener(onResponse), headers);
        call.request(1);
        call.sendMessage(body);
        call.halfClose();
      } catch (RuntimeException e) {
        if (call != null) {
          call.cancel("failed to send the export request", e);
        }
        onError.accept(e);
      }
    }

    @Override
    public CompletableResultCode shutdown() {
      // The batch processor has already waited for its last export (bounded by its own timeout); what is
      // still in flight now is a retry loop against an unreachable collector, which must not outlive the
      // SDK: cancel it, and the channel's threads go away.
      channel.shutdownNow();
      return CompletableResultCode.ofSuccess();
    }
  }

  /** One configured header, validated and converted for grpc-java. */
  private record Header(Metadata.Key<?> key, Object value) {
    @SuppressWarnings("unchecked")
    void put(Metadata headers) {
      headers.put((Metadata.Key<Object>) key, value);
    }
  }

  private static List<Header> headersOf(Map<String, List<String>> configured) {
    List<Header> headers = new java.util.ArrayList<>();
    configured.forEach((name, values) -> values.forEach(value -> headers.add(headerOf(name, value))));
    return List.copyOf(headers);
  }

  /**
   * Converts one {@code otel.exporter.otlp[.traces].headers} entry. A {@code -bin} name is a gRPC binary
   * header: its wire form is base64, so the configured value is taken as that base64 text (what an HTTP/2
   * client such as OpenTelemetry's okhttp sender would put on the wire) and decoded for grpc-java, which
   * encodes it again.
   */
  static Header headerOf(String name, String value) {
    String lower = name.toLowerCase(Locale.ROOT);
    try {
      if (lower.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        return new Header(Metadata.Key.of(lower, Metadata.BINARY_BYTE_MARSHALLER),
            java.util.Base64.getDecoder().decode(value.trim()));
      }
      return new Header(Metadata.Key.of(lower, Metadata.ASCII_STRING_MARSHALLER), value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("otel.exporter.otlp[.traces].headers: invalid gRPC header '" + name
          + "' (" + e.getMessage() + "; a name ending in -bin needs a base64 value)", e);
    }
  }

  /** Hands grpc-java's outcome to the exporter: every gRPC status, OK or not, is a response. */
  private static final class ResponseListener extends ClientCall.Listener<byte[]> {
    private final Consumer<GrpcResponse> onResponse;
    private byte[] message;

    ResponseListener(Consumer<GrpcResponse> onResponse) {
      this.onResponse = onResponse;
    }

    @Override
    public void onMessage(byte[] message) {
      this.message = message;
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      GrpcStatusCode code = GrpcStatusCode.fromValue(status.getCode().value());
      String description = status.getDescription();
      if (description == null && status.getCause() != null) {
        description = status.getCause().toString();
      }
      onResponse.accept(new Response(code, description, status.isOk() ? message : null));
    }
  }

  private record Response(GrpcStatusCode code, String description, byte[] body)
      implements GrpcResponse {
    @Override
    public GrpcStatusCode getStatusCode() {
      return code;
    }

    @Override
    public String getStatusDescription() {
      return description;
    }

    @Override
    public byte[] getResponseMessage() {
      return body;
    }
  }

  private static ManagedChannel newChannel(GrpcSenderConfig config, URI endpoint) {
    boolean tls = "https".equalsIgnoreCase(endpoint.getScheme());
    int port = endpoint.getPort() != -1 ? endpoint.getPort() : tls ? 443 : 80;
    NettyChannelBuilder builder =
        NettyChannelBuilder.forAddress(endpoint.getHost(), port, credentials(config, tls));
    long connectMillis = config.getConnectTimeout().toMillis();
    if (connectMillis > 0) {
      builder.withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectMillis));
    }
    if (config.getExecutorService() != null) {
      builder.executor(config.getExecutorService());
    }
    Compressor compressor = config.getCompressor();
    if (compressor != null) {
      CompressorRegistry registry = CompressorRegistry.newEmptyInstance();
      registry.register(new CompressorAdapter(compressor));
      builder.compressorRegistry(registry);
    }
    RetryPolicy retry = config.getRetryPolicy();
    if (retry != null && retry.getMaxAttempts() > 1) {
      builder.defaultServiceConfig(retryServiceConfig(config.getFullMethodName(), retry))
          .maxRetryAttempts(retry.getMaxAttempts())
          .enableRetry();
    } else {
      builder.disableRetry();
    }
    return builder.build();
  }

  private static ChannelCredentials credentials(GrpcSenderConfig config, boolean tls) {
    if (!tls) {
      return InsecureChannelCredentials.create();
    }
    SSLContext sslContext = config.getSslContext();
    if (sslContext != null) {
      // OpenTelemetry builds this context from the certificate and, for mutual TLS, the client key and
      // certificate (otel.exporter.otlp.client.key / client.certificate); the key is only reachable through
      // it, so hand the whole context to Netty, in client mode and offering h2 over ALPN as gRPC requires.
      // grpc-java still verifies the server's host name on the engine it creates from it.
      ApplicationProtocolConfig alpn = new ApplicationProtocolConfig(
          ApplicationProtocolConfig.Protocol.ALPN,
          ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
          ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
          "h2");
      return NettySslContextChannelCredentials.create(new JdkSslContext(sslContext, true, null,
          IdentityCipherSuiteFilter.INSTANCE, alpn, ClientAuth.NONE));
    }
    TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
    X509TrustManager trustManager = config.getTrustManager();
    if (trustManager != null) {
      builder.trustManager(trustManager);
    }
    return builder.build();
  }

  /** grpc-java's service config (its JSON shape, as maps) with one retry policy for the export method. */
  private static Map<String, Object> retryServiceConfig(String fullMethodName, RetryPolicy retry) {
    int slash = fullMethodName.lastIndexOf('/');
    Map<String, Object> name = Map.of(
        "service", fullMethodName.substring(0, slash),
        "method", fullMethodName.substring(slash + 1));
    Map<String, Object> policy = Map.of(
        "maxAttempts", (double) retry.getMaxAttempts(),
        "initialBackoff", seconds(retry.getInitialBackoff().toNanos()),
        "maxBackoff", seconds(retry.getMaxBackoff().toNanos()),
        "backoffMultiplier", retry.getBackoffMultiplier(),
        "retryableStatusCodes", RETRYABLE_CODES);
    return Map.of("methodConfig", List.of(Map.of("name", List.of(name), "retryPolicy", policy)));
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.9fs", nanos / 1e9);
  }

  /** OpenTelemetry's compressor as a grpc-java one: grpc-java frames, OpenTelemetry compresses. */
  private record CompressorAdapter(Compressor compressor) implements io.grpc.Compressor {
    @Override
    public String getMessageEncoding() {
      return compressor.getEncoding();
    }

    @Override
    public OutputStream compress(OutputStream os) throws IOException {
      return compressor.compress(os);
    }
  }
}

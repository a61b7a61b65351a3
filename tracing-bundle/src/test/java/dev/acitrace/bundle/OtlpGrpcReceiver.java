package dev.acitrace.bundle;

import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real OTLP/gRPC trace receiver on 127.0.0.1 (OpenTelemetry's TraceService on a grpc-java Netty
 * server), keeping what it receives and the request headers. With {@code blackHole}, it accepts export
 * calls and never answers them.
 */
final class OtlpGrpcReceiver implements AutoCloseable {

  private final List<ResourceSpans> received = new CopyOnWriteArrayList<>();
  private final List<Metadata> headers = new CopyOnWriteArrayList<>();
  private final List<io.opentelemetry.proto.metrics.v1.ResourceMetrics> metrics = new CopyOnWriteArrayList<>();
  private final Server server;
  private volatile boolean blackHole;
  private final java.util.concurrent.atomic.AtomicInteger unavailable = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

  private final String scheme;

  OtlpGrpcReceiver() throws IOException {
    this(InsecureServerCredentials.create(), "http");
  }

  /** A receiver speaking TLS with the given credentials (e.g. requiring a client certificate). */
  static OtlpGrpcReceiver tls(io.grpc.ServerCredentials credentials) throws IOException {
    return new OtlpGrpcReceiver(credentials, "https");
  }

  private OtlpGrpcReceiver(io.grpc.ServerCredentials credentials, String scheme) throws IOException {
    this.scheme = scheme;
    TraceServiceGrpc.TraceServiceImplBase service = new TraceServiceGrpc.TraceServiceImplBase() {
      @Override
      public void export(ExportTraceServiceRequest request,
          StreamObserver<ExportTraceServiceResponse> responses) {
        if (blackHole) {
          return; // never answer: the client's deadline has to end the call
        }
        calls.incrementAndGet();
        if (unavailable.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          responses.onError(io.grpc.Status.UNAVAILABLE.withDescription("warming up").asRuntimeException());
          return;
        }
        received.addAll(request.getResourceSpansList());
        responses.onNext(ExportTraceServiceResponse.getDefaultInstance());
        responses.onCompleted();
      }
    };
    ServerInterceptor captureHeaders = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata metadata,
          ServerCallHandler<Q, R> next) {
        headers.add(metadata);
        return next.startCall(call, metadata);
      }
    };
    io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc.MetricsServiceImplBase metricsService =
        new io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc.MetricsServiceImplBase() {
          @Override
          public void export(io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest request,
              StreamObserver<io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse> responses) {
            metrics.addAll(request.getResourceMetricsList());
            responses.onNext(io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse.getDefaultInstance());
            responses.onCompleted();
          }
        };
    server = NettyServerBuilder
        .forAddress(new InetSocketAddress("127.0.0.1", 0), credentials)
        .addService(ServerInterceptors.intercept(service, captureHeaders))
        .addService(metricsService)
        .build()
        .start();
  }

  String endpoint() {
    return scheme + "://127.0.0.1:" + server.getPort();
  }

  int port() {
    return server.getPort();
  }

  void blackHole(boolean blackHole) {
    this.blackHole = blackHole;
  }

  /** The next {@code count} export calls fail with UNAVAILABLE (retryable in OTLP). */
  void failNext(int count) {
    unavailable.set(count);
  }

  /** Export calls answered (successfully or not), black-holed ones excepted. */
  int calls() {
    return calls.get();
  }

  List<ReceivedSpan> spans() {
    return ReceivedSpan.from(received);
  }

  /** The names of the metrics received, with their resource's {@code service.name}: {@code name@service}. */
  List<String> metricNames() {
    List<String> names = new java.util.ArrayList<>();
    for (io.opentelemetry.proto.metrics.v1.ResourceMetrics resource : metrics) {
      String service = resource.getResource().getAttributesList().stream()
          .filter(a -> a.getKey().equals("service.name")).map(a -> a.getValue().getStringValue())
          .findFirst().orElse("");
      resource.getScopeMetricsList().forEach(scope -> scope.getMetricsList()
          .forEach(metric -> names.add(metric.getName() + "@" + service)));
    }
    return names;
  }

  List<Metadata> headers() {
    return headers;
  }

  /** Waits until at least {@code count} spans arrived; returns them. */
  List<ReceivedSpan> awaitSpans(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (spans().size() < count && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return spans();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}

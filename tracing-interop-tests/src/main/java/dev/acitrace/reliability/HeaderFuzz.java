package dev.acitrace.reliability;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.baggage.AciBaggagePropagator;
import dev.acitrace.baggage.BaggageContext;
import dev.acitrace.baggage.BaggageKeys;
import dev.acitrace.grpc.server.GrpcServerTracing;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.InternalMetadata;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Pattern;

/**
 * Part a: hostile {@code traceparent}, {@code tracestate}, {@code baggage} and request ids over real Netty TCP,
 * with the server's metadata limit raised so that the library, not the transport, sees them. The handler
 * checks the baggage it was given; a span processor audits the {@code baggage.*} attributes.
 */
final class HeaderFuzz {
  /** W3C baggage limits the handler's baggage must respect. */
  static final int MAX_MEMBERS = 64;
  static final int MAX_BYTES = 8192;
  /** RequestIdServerInterceptor's default: 1 to 128 of A-Z a-z 0-9 . _ : - */
  static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  /** The default allowlist of the baggage-to-attribute enricher: the ten standard keys. */
  static final Set<String> ALLOWED = Set.of(BaggageKeys.REQUEST_ID, BaggageKeys.USER_ID, BaggageKeys.SESSION_ID,
      BaggageKeys.OPERATION, BaggageKeys.IMAGE_NAME, BaggageKeys.IMAGE_TAG, BaggageKeys.SNAPSHOT_KEY,
      BaggageKeys.CONTAINER_ID, BaggageKeys.NAMESPACE, BaggageKeys.ENVIRONMENT);

  private static final MethodDescriptor<byte[], byte[]> ECHO =
      Bytes.method(MethodDescriptor.MethodType.UNARY, "reliability.v1.Fuzz/Echo");
  private static final Metadata.Key<byte[]> TRACEPARENT = rawKey("traceparent");
  private static final Metadata.Key<byte[]> TRACESTATE = rawKey("tracestate");
  private static final Metadata.Key<byte[]> BAGGAGE = rawKey("baggage");
  private static final Metadata.Key<String> TRACEPARENT_TEXT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> TRACESTATE_TEXT =
      Metadata.Key.of("tracestate", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> BAGGAGE_TEXT = Metadata.Key.of("baggage", Metadata.ASCII_STRING_MARSHALLER);
  private static final String HEX = "0123456789abcdef";
  private static final int CONCURRENCY = 32;

  private final int calls;
  private final int rawCalls;
  private final long seed;

  // handler-side checks
  private final AtomicLong handled = new AtomicLong();
  private final AtomicLong membersOver = new AtomicLong();
  private final AtomicLong bytesOver = new AtomicLong();
  private final AtomicLong requestIdBad = new AtomicLong();
  private final AtomicLong noServerSpan = new AtomicLong();
  private final AtomicLong maxMembers = new AtomicLong();
  private final AtomicLong maxBytes = new AtomicLong();
  private final List<String> overExamples = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<String> requestIdExamples = new java.util.concurrent.CopyOnWriteArrayList<>();
  // span audit
  private final AtomicLong serverSpans = new AtomicLong();
  private final AtomicLong spansWithBaggage = new AtomicLong();
  private final AtomicLong disallowedAttributes = new AtomicLong();
  private final AtomicLong badRequestIdAttribute = new AtomicLong();
  // client side
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong nonPrintableSeen = new AtomicLong();
  private final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final AtomicLongArray kinds = new AtomicLongArray(Kind.values().length);

  HeaderFuzz(int calls, int rawCalls, long seed) {
    this.calls = calls;
    this.rawCalls = rawCalls;
    this.seed = seed;
  }

  private static Metadata.Key<byte[]> rawKey(String name) {
    // bytes as they are: a hostile caller is not limited to what the ASCII marshaller would send
    return InternalMetadata.keyOf(name, new InternalMetadata.TrustedAsciiMarshaller<byte[]>() {
      @Override
      public byte[] toAsciiString(byte[] value) {
        return value;
      }

      @Override
      public byte[] parseAsciiString(byte[] serialized) {
        return serialized;
      }
    });
  }

  Report run() throws Exception {
    Report report = new Report("header fuzz");
    SdkTracerProvider tracerProvider = SdkTracerProvider.builder().addSpanProcessor(new Audit()).build();
    OpenTelemetry openTelemetry = OpenTelemetrySdk.builder()
        .setTracerProvider(tracerProvider)
        .setPropagators(ContextPropagators.create(TextMapPropagator.composite(
            W3CTraceContextPropagator.getInstance(), AciBaggagePropagator.create(TracingConfig.of(java.util.Map.of())))))
        .build();
    ExecutorService handlers = Executors.newFixedThreadPool(4);
    ServerServiceDefinition service = ServerServiceDefinition.builder("reliability.v1.Fuzz")
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, responses) -> {
          inspect();
          responses.onNext(request);
          responses.onCompleted();
        }))
        .build();
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .maxInboundMetadataSize(4 * 1024 * 1024)
        .executor(handlers)
        .addService(service)
        .intercept(new io.grpc.ServerInterceptor() { // runs inside the tracing interceptor, added after it
          @Override
          public <ReqT, RespT> io.grpc.ServerCall.Listener<ReqT> interceptCall(io.grpc.ServerCall<ReqT, RespT> call,
              Metadata headers, io.grpc.ServerCallHandler<ReqT, RespT> next) {
            for (Metadata.Key<String> key : List.of(TRACEPARENT_TEXT, TRACESTATE_TEXT, BAGGAGE_TEXT)) {
              Iterable<String> values = headers.getAll(key);
              if (values != null && hasNonPrintable(values)) {
                nonPrintableSeen.incrementAndGet();
                break;
              }
            }
            return next.startCall(call, headers);
          }
        });
    Server server = GrpcServerTracing.builder(openTelemetry).config(TracingConfig.of(java.util.Map.of())).build()
        .applyTo(builder).build().start();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext()
        .maxInboundMetadataSize(4 * 1024 * 1024).build();
    long started = System.nanoTime();
    try (Watch watch = new Watch()) {
      Random random = new Random(seed);
      Semaphore inFlight = new Semaphore(CONCURRENCY);
      byte[] payload = "fuzz".getBytes(UTF_8);
      for (int i = 0; i < calls; i++) {
        Metadata headers = hostileHeaders(random);
        inFlight.acquire();
        Channel intercepted = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
        var future = ClientCalls.futureUnaryCall(intercepted.newCall(ECHO, CallOptions.DEFAULT.withDeadlineAfter(
            30, TimeUnit.SECONDS)), payload);
        future.addListener(() -> {
          try {
            future.get();
          } catch (Exception e) {
            failed.incrementAndGet();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (failures.size() < 5) {
              failures.add(cause instanceof StatusRuntimeException s ? s.getStatus().toString() : cause.toString());
            }
          } finally {
            inFlight.release();
          }
        }, Runnable::run);
      }
      boolean allClosed = inFlight.tryAcquire(CONCURRENCY, 60, TimeUnit.SECONDS);
      int stuck = allClosed ? 0 : CONCURRENCY - inFlight.availablePermits();
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      long handledByGrpcClient = handled.get();
      RawPass raw = rawPass(server.getPort(), new Random(seed + 1), payload);
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      handlers.shutdown();
      handlers.awaitTermination(10, TimeUnit.SECONDS);
      tracerProvider.shutdown().join(10, TimeUnit.SECONDS);

      report.figure("calls", calls);
      report.figure("seed", seed);
      report.figure("elapsed (ms)", elapsedMs);
      report.figure("calls/s", calls * 1000L / Math.max(1, elapsedMs));
      report.figure("calls handled", handled.get());
      report.figure("server spans ended (sampled: a caller's traceparent may say not sampled)", serverSpans.get());
      report.figure("server spans with a baggage.* attribute", spansWithBaggage.get());
      report.figure("largest handler baggage (members)", maxMembers.get());
      report.figure("largest handler baggage (bytes, W3C-encoded)", maxBytes.get());
      report.figure("header values gRPC's transport dropped before any interceptor (not printable ASCII)",
          watch.droppedHeaders.get());
      report.figure("other WARNING records from gRPC/acitrace", watch.warnings.get() + " " + watch.warningExamples);
      StringBuilder mix = new StringBuilder();
      for (Kind kind : Kind.values()) {
        mix.append(mix.length() == 0 ? "" : ", ").append(kind.name().toLowerCase()).append(' ').append(kinds.get(kind.ordinal()));
      }
      report.figure("baggage shapes sent", mix);

      report.check("0 failed calls", failed.get() == 0 && stuck == 0,
          failed.get() + " failed " + failures + (stuck == 0 ? "" : ", " + stuck + " never closed"));
      report.check("every call reached the handler", handledByGrpcClient == calls,
          handledByGrpcClient + " of " + calls);
      report.figure("raw HTTP/2 calls (header bytes as they are: controls, UTF-8, obs-text)", rawCalls);
      report.figure("raw HTTP/2 calls answered OK / refused by the server's transport before gRPC",
          raw.ok + " / " + raw.refused + " " + raw.refusedExamples);
      report.check("raw HTTP/2: 0 calls failed with a gRPC status", raw.failed == 0,
          raw.failed + " failed " + raw.failedExamples);
      report.check("raw HTTP/2: every call answered OK reached the handler",
          handled.get() - handledByGrpcClient == raw.ok, (handled.get() - handledByGrpcClient) + " of " + raw.ok);
      report.figure("calls whose trace headers reached the interceptors with characters outside printable ASCII",
          nonPrintableSeen.get());
      report.check("raw HTTP/2: bytes outside printable ASCII reached the interceptors (not vacuous)",
          nonPrintableSeen.get() > 0, nonPrintableSeen.get() + " calls");
      report.check("raw HTTP/2: most calls got through the transport (the pass is not vacuous)",
          raw.ok >= rawCalls * 9L / 10, raw.ok + " of " + rawCalls);
      report.check("0 exceptions out of interceptors (no SEVERE log from gRPC/acitrace, nothing uncaught)",
          watch.severe.get() == 0 && watch.uncaught.get() == 0,
          watch.severe.get() + " SEVERE, " + watch.uncaught.get() + " uncaught " + watch.severeExamples
              + watch.uncaughtExamples);
      report.check("the handler always runs in a server span", noServerSpan.get() == 0,
          noServerSpan.get() + " handler calls without a valid span");
      report.check("handler baggage within " + MAX_MEMBERS + " members", membersOver.get() == 0,
          membersOver.get() + " calls over; largest " + maxMembers.get() + " " + overExamples);
      report.check("handler baggage within " + MAX_BYTES + " bytes (W3C-encoded)", bytesOver.get() == 0,
          bytesOver.get() + " calls over; largest " + maxBytes.get() + " " + overExamples);
      report.check("the handler's request id is present and valid (1-128 of A-Z a-z 0-9 . _ : -)",
          requestIdBad.get() == 0, requestIdBad.get() + " calls " + requestIdExamples);
      report.check("no baggage.* attribute outside the allowlist (the ten standard keys)",
          disallowedAttributes.get() == 0, disallowedAttributes.get() + " attributes");
      report.check("the server span's request.id attribute is valid", badRequestIdAttribute.get() == 0,
          badRequestIdAttribute.get() + " spans");
      report.check("the allowlist audit saw baggage attributes (not vacuous)", spansWithBaggage.get() > 0,
          spansWithBaggage.get() + " spans");
    }
    return report;
  }

  /** What the raw HTTP/2 pass saw. */
  private static final class RawPass {
    long ok;
    long failed;
    long refused;
    final List<String> failedExamples = new java.util.ArrayList<>();
    final List<String> refusedExamples = new java.util.ArrayList<>();
  }

  /**
   * The same hostile headers, sent by a bare HTTP/2 client byte for byte, so that controls, raw UTF-8 and
   * obs-text reach the server (grpc-java's client would drop them). A stream the server's transport resets
   * before gRPC sees it is counted apart: no interceptor ran.
   */
  private RawPass rawPass(int port, Random random, byte[] payload) throws Exception {
    RawPass pass = new RawPass();
    RawHttp2Client client = new RawHttp2Client("127.0.0.1", port);
    try {
      Semaphore inFlight = new Semaphore(16);
      List<java.util.concurrent.CompletableFuture<RawHttp2Client.Outcome>> pending = new java.util.ArrayList<>();
      for (int i = 0; i < rawCalls; i++) {
        if (!client.isOpen()) {
          client.close();
          client = new RawHttp2Client("127.0.0.1", port);
        }
        List<Object[]> headers = new java.util.ArrayList<>();
        if (random.nextInt(10) < 8) {
          headers.add(new Object[] {"traceparent", traceparent(random)});
        }
        if (random.nextBoolean()) {
          headers.add(new Object[] {"tracestate", tracestate(random)});
        }
        for (int b = random.nextInt(10) < 8 ? 1 : random.nextInt(4); b > 0; b--) {
          headers.add(new Object[] {"baggage", baggage(random)});
        }
        inFlight.acquire();
        var outcome = client.call(ECHO.getFullMethodName().startsWith("/") ? ECHO.getFullMethodName()
            : "/" + ECHO.getFullMethodName(), payload, headers);
        outcome.whenComplete((o, e) -> inFlight.release());
        pending.add(outcome);
      }
      for (var outcome : pending) {
        RawHttp2Client.Outcome o = outcome.get(60, TimeUnit.SECONDS);
        if (o.grpcStatus() == 0) {
          pass.ok++;
        } else if (o.grpcStatus() < 0) {
          pass.refused++;
          if (pass.refusedExamples.size() < 3) {
            pass.refusedExamples.add(o.detail());
          }
        } else {
          pass.failed++;
          if (pass.failedExamples.size() < 5) {
            pass.failedExamples.add(Status.fromCodeValue(o.grpcStatus()).getCode() + ": " + o.detail());
          }
        }
      }
    } finally {
      client.close();
    }
    return pass;
  }

  private static boolean hasNonPrintable(Iterable<String> values) {
    for (String value : values) {
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c < 0x20 || c > 0x7e) {
          return true;
        }
      }
    }
    return false;
  }

  /** Runs in the handler, with the server's context current. */
  private void inspect() {
    handled.incrementAndGet();
    if (!Span.current().getSpanContext().isValid()) {
      noServerSpan.incrementAndGet();
    }
    Baggage baggage = Baggage.current();
    int members = baggage.size();
    long bytes = w3cBytes(baggage);
    maxMembers.accumulateAndGet(members, Math::max);
    maxBytes.accumulateAndGet(bytes, Math::max);
    if (members > MAX_MEMBERS) {
      membersOver.incrementAndGet();
      keep(overExamples, "members=" + members + " bytes=" + bytes + " request.id=" + (baggage.getEntryValue(
          BaggageKeys.REQUEST_ID) == null ? "absent" : "present"));
    }
    if (bytes > MAX_BYTES) {
      bytesOver.incrementAndGet();
      keep(overExamples, "members=" + members + " bytes=" + bytes);
    }
    String requestId = BaggageContext.REQUEST_ID.get(Context.current());
    if (requestId == null || !REQUEST_ID.matcher(requestId).matches()) {
      requestIdBad.incrementAndGet();
      keep(requestIdExamples, "request.id=" + (requestId == null ? "absent" : "'" + abbreviate(requestId) + "'") + " members="
          + members);
    }
  }

  private static void keep(List<String> examples, String example) {
    if (examples.size() < 3) {
      examples.add(example);
    }
  }

  private static String abbreviate(String s) {
    String shown = s.length() > 40 ? s.substring(0, 40) + "...(" + s.length() + " chars)" : s;
    return shown.replaceAll("\\p{Cntrl}", "?");
  }

  /** The size of the baggage written as one W3C header: members {@code key=value}, values percent-encoded. */
  static long w3cBytes(Baggage baggage) {
    long[] size = {0};
    baggage.forEach((key, entry) -> {
      size[0] += (size[0] == 0 ? 0 : 1) + key.length() + 1 + encodedLength(entry.getValue());
      String metadata = entry.getMetadata().getValue();
      if (!metadata.isEmpty()) {
        size[0] += 1 + metadata.length();
      }
    });
    return size[0];
  }

  private static long encodedLength(String value) {
    long length = 0;
    byte[] bytes = value.getBytes(UTF_8);
    for (byte b : bytes) {
      int c = b & 0xff;
      boolean plain = c == 0x21 || (c >= 0x23 && c <= 0x2b && c != 0x25) || (c >= 0x2d && c <= 0x3a)
          || (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
      length += plain ? 1 : 3;
    }
    return length;
  }

  /** Audits every server span as it ends. */
  private final class Audit implements SpanProcessor {
    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {}

    @Override
    public boolean isStartRequired() {
      return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
      serverSpans.incrementAndGet();
      boolean[] any = {false};
      span.getAttributes().forEach((key, value) -> {
        String name = key.getKey();
        if (name.startsWith("baggage.")) {
          any[0] = true;
          if (!ALLOWED.contains(name.substring("baggage.".length()))) {
            disallowedAttributes.incrementAndGet();
          }
        }
        if (name.equals("request.id") && !REQUEST_ID.matcher(String.valueOf(value)).matches()) {
          badRequestIdAttribute.incrementAndGet();
        }
      });
      if (any[0]) {
        spansWithBaggage.incrementAndGet();
      }
    }

    @Override
    public boolean isEndRequired() {
      return true;
    }
  }

  // ---- generators --------------------------------------------------------------------------------------

  /** Baggage shapes, counted in the report. */
  enum Kind {
    VALID, TEN_THOUSAND_MEMBERS, HUGE_VALUE, BAD_ESCAPES, CONTROLS, RAW_UTF8, PROPERTIES, EMPTY_MEMBERS,
    DUPLICATES, AT_MEMBER_LIMIT, AT_BYTE_LIMIT, RANDOM_BYTES, OVER_MEMBER_LIMIT, NONE
  }

  private Metadata hostileHeaders(Random r) {
    Metadata headers = new Metadata();
    if (r.nextInt(10) < 8) {
      headers.put(TRACEPARENT, traceparent(r));
    }
    if (r.nextInt(10) < 3) { // now and then two of them
      headers.put(TRACEPARENT, traceparent(r));
    }
    if (r.nextBoolean()) {
      headers.put(TRACESTATE, tracestate(r));
    }
    int baggageHeaders = r.nextInt(10) < 8 ? 1 : r.nextInt(4);
    if (baggageHeaders == 0) {
      kinds.incrementAndGet(Kind.NONE.ordinal());
    }
    for (int i = 0; i < baggageHeaders; i++) {
      headers.put(BAGGAGE, baggage(r));
    }
    return headers;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  private static String hex(Random r, int n) {
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(HEX.charAt(r.nextInt(16)));
    }
    return b.toString();
  }

  /** Bytes an HTTP/2 peer can put in a header value: anything but NUL, CR and LF. */
  private static byte[] randomBytes(Random r, int n) {
    byte[] bytes = new byte[n];
    for (int i = 0; i < n; i++) {
      int c;
      do {
        c = r.nextInt(256);
      } while (c == 0 || c == '\r' || c == '\n');
      bytes[i] = (byte) c;
    }
    return bytes;
  }

  private static byte[] traceparent(Random r) {
    String valid = "00-" + hex(r, 32) + "-" + hex(r, 16) + "-0" + r.nextInt(2);
    switch (r.nextInt(11)) {
      case 0, 1, 2:
        return ascii(valid);
      case 3:
        return ascii(hex(r, 2) + valid.substring(2));
      case 4:
        return ascii(valid.toUpperCase(java.util.Locale.ROOT));
      case 5:
        return ascii(r.nextBoolean() ? "00-" + "0".repeat(32) + "-" + hex(r, 16) + "-01"
            : "00-" + hex(r, 32) + "-" + "0".repeat(16) + "-01");
      case 6:
        return ascii(valid.substring(0, r.nextInt(valid.length())));
      case 7:
        return randomBytes(r, r.nextInt(200));
      case 8:
        return ascii(valid + "-" + "x".repeat(r.nextInt(r.nextInt(20) == 0 ? 20_000 : 200)));
      case 9:
        return ascii("cc" + valid.substring(2) + "-future-" + hex(r, 8));
      default:
        return ascii(valid.replace('-', r.nextBoolean() ? '_' : ' '));
    }
  }

  private static byte[] tracestate(Random r) {
    switch (r.nextInt(5)) {
      case 0:
        return randomBytes(r, r.nextInt(500));
      case 1:
        return ascii("k=" + "v".repeat(r.nextInt(r.nextInt(20) == 0 ? 60_000 : 600)));
      default:
        StringBuilder b = new StringBuilder();
        int members = r.nextInt(r.nextInt(10) == 0 ? 400 : 40);
        for (int i = 0; i < members; i++) {
          b.append(i == 0 ? "" : r.nextBoolean() ? "," : " , ");
          b.append(r.nextInt(5) == 0 ? "BAD KEY" : "k" + i + (r.nextBoolean() ? "@vendor" : ""))
              .append('=').append(r.nextInt(7) == 0 ? "bad,=value" : hex(r, 1 + r.nextInt(16)));
        }
        return ascii(b.toString());
    }
  }

  private static String requestId(Random r) {
    switch (r.nextInt(9)) {
      case 0:
        return "req-" + hex(r, 16);
      case 1:
        return "a".repeat(128);
      case 2:
        return "a".repeat(129);
      case 3:
        return "x".repeat(10_000);
      case 4:
        return "";
      case 5:
        return "%E6%97%A5%E6%9C%AC-id";
      case 6:
        return "id%20with%20spaces";
      case 7:
        return "id%1B%5B2J%0D%0A";
      default:
        return "%ZZ%";
    }
  }

  /**
   * How often each shape is sent, in 1/1000: the huge ones (tens of kilobytes through HPACK and the codec)
   * are rarer so that 100,000 calls fit the time budget, and still number in the thousands.
   */
  private static final Kind[] WEIGHTED = weighted(
      Kind.VALID, 120, Kind.TEN_THOUSAND_MEMBERS, 15, Kind.HUGE_VALUE, 15, Kind.BAD_ESCAPES, 120,
      Kind.CONTROLS, 100, Kind.RAW_UTF8, 60, Kind.PROPERTIES, 100, Kind.EMPTY_MEMBERS, 80, Kind.DUPLICATES, 70,
      Kind.AT_MEMBER_LIMIT, 100, Kind.AT_BYTE_LIMIT, 100, Kind.RANDOM_BYTES, 30, Kind.OVER_MEMBER_LIMIT, 90);

  private static Kind[] weighted(Object... kindsAndWeights) {
    List<Kind> table = new java.util.ArrayList<>();
    for (int i = 0; i < kindsAndWeights.length; i += 2) {
      for (int n = 0; n < (Integer) kindsAndWeights[i + 1]; n++) {
        table.add((Kind) kindsAndWeights[i]);
      }
    }
    return table.toArray(new Kind[0]);
  }

  private byte[] baggage(Random r) {
    Kind kind = WEIGHTED[r.nextInt(WEIGHTED.length)];
    kinds.incrementAndGet(kind.ordinal());
    StringBuilder b = new StringBuilder();
    boolean withRequestId = r.nextBoolean();
    switch (kind) {
      case VALID -> {
        b.append(BaggageKeys.IMAGE_NAME).append("=docker.io%2Flibrary%2Fbusybox,")
            .append(BaggageKeys.USER_ID).append("=u%C3%A9-").append(r.nextInt(100)).append(",custom.key=")
            .append("%F0%9F%9A%80");
      }
      case TEN_THOUSAND_MEMBERS -> members(b, 10_000, r);
      case HUGE_VALUE -> b.append(BaggageKeys.OPERATION).append('=').append("v".repeat(8_000 + r.nextInt(120_000)));
      case BAD_ESCAPES -> {
        String[] bad = {"%", "%G1", "%e9", "%C3", "%ZZ", "%%", "%F0%9F", "%C3%28", "%ED%A0%80", "%FF%FE"};
        for (int i = 0; i < 1 + r.nextInt(80); i++) {
          b.append(i == 0 ? "" : ",").append(i % 3 == 0 ? BaggageKeys.SESSION_ID : "k" + i).append('=')
              .append("v").append(bad[r.nextInt(bad.length)]).append("w");
        }
      }
      case CONTROLS -> {
        // raw controls (gRPC's transport drops such a header before any interceptor) and percent-encoded
        // ones (which reach the codec): ESC, BEL, DEL, NUL, CR, LF, C1, bidi overrides
        for (int i = 0; i < 1 + r.nextInt(10); i++) {
          b.append(i == 0 ? "" : ",").append(r.nextBoolean() ? "k" + i : BaggageKeys.NAMESPACE).append('=')
              .append(r.nextInt(4) == 0 ? "a\u001b[2J\u0007\u007f\tb"
                  : "a%1B%5B2J%07%7F%00%0D%0A%C2%9B%E2%80%AEb");
        }
      }
      case RAW_UTF8 -> {
        b.append(BaggageKeys.CONTAINER_ID).append("=").append("日本語🚀").append(",ключ=значение");
        byte[] utf8 = b.toString().getBytes(UTF_8);
        return withRequestId ? concat(utf8, ascii(",request.id=" + requestId(r))) : utf8;
      }
      case PROPERTIES -> {
        String[] properties = {";p", ";p=v", ";;;", "; a b", ";=", ";p=v=w", ";\u00ff", ";p=%ZZ"};
        for (int i = 0; i < 1 + r.nextInt(20); i++) {
          b.append(i == 0 ? "" : ",").append(i % 2 == 0 ? BaggageKeys.ENVIRONMENT : "k" + i).append("=v")
              .append(properties[r.nextInt(properties.length)]);
        }
      }
      case EMPTY_MEMBERS -> b.append(",,, ,\t,=,k=,=v, k = v ,").append(BaggageKeys.IMAGE_TAG).append("= 1.36 ,");
      case DUPLICATES -> {
        int n = 2 + r.nextInt(r.nextBoolean() ? 100 : 2_000);
        for (int i = 0; i < n; i++) {
          b.append(i == 0 ? "" : ",").append(r.nextBoolean() ? BaggageKeys.REQUEST_ID : "dup").append("=v")
              .append(i % 50);
        }
      }
      case AT_MEMBER_LIMIT -> {
        members(b, 62 + r.nextInt(4), r);
        withRequestId = r.nextInt(4) == 0;
      }
      case AT_BYTE_LIMIT -> {
        int target = 8_100 + r.nextInt(200);
        int i = 0;
        while (b.length() < target - 20) {
          b.append(i == 0 ? "" : ",").append("k").append(i++).append('=').append("v".repeat(150));
        }
        withRequestId = r.nextInt(4) == 0;
      }
      case RANDOM_BYTES -> {
        byte[] random = randomBytes(r, r.nextInt(r.nextInt(10) == 0 ? 20_000 : 300));
        return withRequestId ? concat(ascii("request.id=" + requestId(r) + ","), random) : random;
      }
      case OVER_MEMBER_LIMIT -> members(b, 65 + r.nextInt(200), r);
      default -> throw new AssertionError(kind);
    }
    if (withRequestId) {
      b.insert(0, "request.id=" + requestId(r) + (b.length() == 0 ? "" : ","));
    }
    return ascii(b.toString());
  }

  private static void members(StringBuilder b, int n, Random r) {
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append('k').append(i).append('=').append(r.nextInt(3) == 0 ? "%C3%A9" : "v");
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}

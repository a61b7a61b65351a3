package dev.acitrace.grpc.server;

import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.api.RpcSide;
import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.spi.AttributeEnricher;
import dev.acitrace.api.spi.RpcRequestInfo;
import dev.acitrace.api.spi.RpcResponseInfo;
import dev.acitrace.grpc.StatusRule;
import dev.acitrace.grpc.internal.MethodInfo;
import dev.acitrace.grpc.internal.RpcInstrumenter;
import dev.acitrace.grpc.internal.RpcSemconv;
import dev.acitrace.grpc.internal.TracedCall;
import dev.acitrace.grpc.internal.TracingBuilder;
import dev.acitrace.testing.TestTelemetry;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Orderings of close and cancel that a real transport produces only by racing, driven directly. */
class TracingServerCallTest {

  private static final MethodDescriptor<String, String> UNARY = EchoService.unaryOf("test.Direct");
  private static final Metadata.Key<String> TRAILER = Metadata.Key.of("x-trailer", Metadata.ASCII_STRING_MARSHALLER);

  private final TestTelemetry telemetry = new TestTelemetry();
  /** What the enricher saw at the end: status name and the x-trailer value. */
  private final List<String> seen = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    telemetry.close();
  }

  private TracingServerCall<String, String> newCall() {
    return newCall(null);
  }

  /** {@code wrap}, when given, wraps the SDK span the call gets. */
  private TracingServerCall<String, String> newCall(java.util.function.UnaryOperator<Span> wrap) {
    AttributeEnricher recording = new AttributeEnricher() {
      @Override
      public void onStart(RpcRequestInfo request, Span span) {}

      @Override
      public void onEnd(RpcRequestInfo request, RpcResponseInfo response, Span span) {
        seen.add(response.statusName() + " " + response.trailers().get("x-trailer"));
      }
    };
    RpcInstrumenter instrumenter = new TestBuilder(telemetry.sdk)
        .config(TracingConfig.of(java.util.Map.of()))
        .enrichers(List.of(recording))
        .messageEvents(true)
        .build();
    MethodInfo info = instrumenter.method(UNARY);
    Span span = instrumenter.tracer().spanBuilder(info.spanName()).startSpan();
    if (wrap != null) {
      span = wrap.apply(span);
    }
    TracedCall traced = instrumenter.newCall(info, Context.root());
    traced.begin(span);
    return new TracingServerCall<>(new NoopCall(), traced, null, null);
  }

  /** The shared builder core with nothing of either side's own. */
  static final class TestBuilder extends TracingBuilder<TestBuilder> {
    TestBuilder(io.opentelemetry.api.OpenTelemetry openTelemetry) {
      super(openTelemetry, StatusRule.SERVER_FAULTS);
    }

    @Override
    protected TestBuilder self() {
      return this;
    }

    RpcInstrumenter build() {
      return instrumenter(RpcSide.SERVER, "test");
    }
  }

  @Test
  void cancelAfterClose_endsCancelledWithoutTheTrailersGrpcMayStillBeEditing() {
    TracingServerCall<String, String> call = newCall();
    Metadata trailers = new Metadata();
    trailers.put(TRAILER, "t");
    call.close(Status.OK, trailers);
    call.cancelled(io.grpc.Context.ROOT);
    call.complete(); // never happens after a cancel in gRPC; must change nothing if it did
    assertThat(seen).containsExactly("CANCELLED null");
    assertThat(telemetry.exporter.getFinishedSpanItems()).singleElement()
        .satisfies(span -> assertThat(span).hasAttribute(RpcSemconv.RPC_GRPC_STATUS_CODE, 1L));
  }

  @Test
  void complete_seesTheFirstCloseTrailers() {
    TracingServerCall<String, String> call = newCall();
    Metadata trailers = new Metadata();
    trailers.put(TRAILER, "t");
    call.close(Status.NOT_FOUND, trailers);
    call.close(Status.OK, new Metadata());
    call.complete();
    assertThat(seen).containsExactly("NOT_FOUND t");
  }

  @Test
  void sendAfterCancel_addsNoEventToTheEndedSpan() {
    // The SDK's spans stop recording when ended; a Span implementation need not, so count the calls made.
    List<String> events = new CopyOnWriteArrayList<>();
    TracingServerCall<String, String> call = newCall(sdkSpan -> new EventCountingSpan(sdkSpan, events));
    call.sendMessage("before");
    call.cancelled(io.grpc.Context.ROOT);
    call.sendMessage("after");
    assertThat(events).containsExactly("event while open");
  }

  @Test
  void handlerFailure_whenEndingTheSpanThrows_keepsTheHandlersExceptionWithTheEndFailureSuppressed() {
    IllegalStateException processorFailure = new IllegalStateException("span processor broke");
    TracingServerCall<String, String> call = newCall(sdkSpan -> new EventCountingSpan(sdkSpan, List.of()) {
      @Override
      public void end() {
        super.end();
        throw processorFailure;
      }
    });
    IllegalArgumentException handlerFailure = new IllegalArgumentException("handler");
    call.failed(handlerFailure);
    assertThat(handlerFailure.getSuppressed()).containsExactly(processorFailure);
    assertThat(seen).containsExactly("UNKNOWN null");
  }

  /**
   * Forwards to the SDK span, noting each event as added while open or after end; says it records even
   * after end, as a Span implementation may.
   */
  private static class EventCountingSpan implements Span {
    private final Span delegate;
    private final List<String> events;
    private volatile boolean ended;

    EventCountingSpan(Span delegate, List<String> events) {
      this.delegate = delegate;
      this.events = events;
    }

    @Override
    public <T> Span setAttribute(io.opentelemetry.api.common.AttributeKey<T> key, T value) {
      delegate.setAttribute(key, value);
      return this;
    }

    @Override
    public Span addEvent(String name, io.opentelemetry.api.common.Attributes attributes) {
      events.add(ended ? "event after end" : "event while open");
      delegate.addEvent(name, attributes);
      return this;
    }

    @Override
    public Span addEvent(String name, io.opentelemetry.api.common.Attributes attributes, long timestamp,
        java.util.concurrent.TimeUnit unit) {
      events.add(ended ? "event after end" : "event while open");
      delegate.addEvent(name, attributes, timestamp, unit);
      return this;
    }

    @Override
    public Span setStatus(io.opentelemetry.api.trace.StatusCode statusCode, String description) {
      delegate.setStatus(statusCode, description);
      return this;
    }

    @Override
    public Span recordException(Throwable exception, io.opentelemetry.api.common.Attributes additionalAttributes) {
      delegate.recordException(exception, additionalAttributes);
      return this;
    }

    @Override
    public Span updateName(String name) {
      delegate.updateName(name);
      return this;
    }

    @Override
    public void end() {
      ended = true;
      delegate.end();
    }

    @Override
    public void end(long timestamp, java.util.concurrent.TimeUnit unit) {
      ended = true;
      delegate.end(timestamp, unit);
    }

    @Override
    public io.opentelemetry.api.trace.SpanContext getSpanContext() {
      return delegate.getSpanContext();
    }

    @Override
    public boolean isRecording() {
      return true;
    }
  }

  /** A delegate that accepts everything, as a transport that is already done with the call would. */
  private static final class NoopCall extends ServerCall<String, String> {
    @Override
    public void request(int numMessages) {}

    @Override
    public void sendHeaders(Metadata headers) {}

    @Override
    public void sendMessage(String message) {}

    @Override
    public void close(Status status, Metadata trailers) {}

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public Attributes getAttributes() {
      return Attributes.EMPTY;
    }

    @Override
    public MethodDescriptor<String, String> getMethodDescriptor() {
      return UNARY;
    }
  }
}

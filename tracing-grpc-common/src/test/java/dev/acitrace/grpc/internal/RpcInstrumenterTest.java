package dev.acitrace.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.api.RpcMethod;
import dev.acitrace.api.RpcSide;
import dev.acitrace.api.TracingConfig;
import dev.acitrace.grpc.StatusRule;
import io.grpc.MethodDescriptor;
import io.opentelemetry.api.OpenTelemetry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class RpcInstrumenterTest {

  private static final MethodDescriptor.Marshaller<String> NONE = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(new byte[0]);
    }

    @Override
    public String parse(InputStream stream) {
      return "";
    }
  };

  @Test
  void throwingMethodFilter_pastTheCacheBound_warnsRateLimitedNotPerCall() {
    RpcInstrumenter settings = new TestBuilder()
        .config(TracingConfig.of(Map.of()))
        .enrichers(List.of())
        .methodFilter(method -> {
          throw new IllegalStateException("filter broke");
        })
        .build();
    Logger logger = Logger.getLogger(RpcInstrumenter.class.getName());
    List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
          warnings.add(record);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    logger.addHandler(handler);
    try {
      // Past the 4096-method cache bound the filter runs on every call: a caller choosing method names
      // (a fallback registry) must not be able to flood the log.
      for (int i = 0; i < 4200; i++) {
        MethodDescriptor<String, String> method = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("test.Svc/M" + i)
            .setRequestMarshaller(NONE)
            .setResponseMarshaller(NONE)
            .build();
        assertThat(settings.method(method).traced()).isTrue();
      }
    } finally {
      logger.removeHandler(handler);
      RpcMethods.clearCache(); // the cache is JVM-wide: RpcMethodsTest, run after this, needs room in it
    }
    assertThat(warnings).hasSizeLessThanOrEqualTo(1);
  }

  @Test
  void inject_clearsEveryHeaderThePropagatorOwns_evenWhenItWritesNothing() {
    io.opentelemetry.api.OpenTelemetry otel = io.opentelemetry.api.OpenTelemetry.propagating(
        io.opentelemetry.context.propagation.ContextPropagators.create(
            io.opentelemetry.context.propagation.TextMapPropagator.composite(
                io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator.getInstance(),
                io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator.getInstance())));
    RpcInstrumenter settings = new TestBuilder(otel)
        .config(TracingConfig.of(Map.of()))
        .enrichers(List.of())
        .build();
    io.grpc.Metadata headers = new io.grpc.Metadata();
    // what a relay copied from its caller
    headers.put(GrpcMetadata.asciiKey("traceparent"),
        "00-11111111111111111111111111111111-2222222222222222-01");
    headers.put(GrpcMetadata.asciiKey("baggage"), "stale=1");
    headers.put(GrpcMetadata.asciiKey("x-other"), "kept");

    settings.inject(io.opentelemetry.context.Context.root(), headers); // no span, no baggage

    assertThat(headers.keys()).containsExactly("x-other");
  }

  @Test
  void callSizes_readWhenTheCallEnds_unknownWithoutThem_andMeasuredOnlyForListenersThatWantThem() {
    List<String> told = new CopyOnWriteArrayList<>();
    CallListener listener = (method, side, code, nanos, requests, responses, requestBytes, responseBytes, server,
        context) -> told.add(requestBytes + "/" + responseBytes);
    TestBuilder builder = new TestBuilder().config(TracingConfig.of(Map.of())).enrichers(List.of());
    TracingHooks.callListener(builder, listener);
    RpcInstrumenter instrumenter = builder.build();
    MethodDescriptor<String, String> method = MethodDescriptor.<String, String>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("test.Svc/Sizes")
        .setRequestMarshaller(NONE).setResponseMarshaller(NONE).build();
    long[] counted = {3, 5};
    CallSizes sizes = new CallSizes() {
      @Override
      public long requestBytes() {
        return counted[0];
      }

      @Override
      public long responseBytes() {
        return counted[1];
      }
    };

    TracedCall without = instrumenter.newCall(instrumenter.method(method), io.opentelemetry.context.Context.root());
    without.startSpan(new io.grpc.Metadata(), null, null);
    without.end(io.grpc.Status.OK, null);
    TracedCall with = instrumenter.newCall(instrumenter.method(method), io.opentelemetry.context.Context.root());
    with.sizes(sizes);
    with.startSpan(new io.grpc.Metadata(), null, null);
    counted[0] = 30; // counted while the call runs: read at its end
    with.end(io.grpc.Status.OK, null);

    assertThat(told).containsExactly("-1/-1", "30/5");
    assertThat(instrumenter.measuresSizes()).isTrue();
    TestBuilder notWanting = new TestBuilder().config(TracingConfig.of(Map.of())).enrichers(List.of());
    TracingHooks.callListener(notWanting, new CallListener() {
      @Override
      public void onCallEnd(MethodInfo m, RpcSide side, io.grpc.Status.Code code, long nanos, long requests,
          long responses, long requestBytes, long responseBytes, io.opentelemetry.api.common.Attributes server,
          io.opentelemetry.context.Context context) {}

      @Override
      public boolean wantsSizes() {
        return false;
      }
    });
    assertThat(notWanting.build().measuresSizes()).isFalse();
    assertThat(new TestBuilder().config(TracingConfig.of(Map.of())).enrichers(List.of()).build().measuresSizes())
        .as("no listener (no-op meter provider)").isFalse();
  }

  @Test
  void listenerState_describedOncePerMethod_handedBackAtEveryCallsEnd_nullWhenDescribingThrows() {
    List<String> described = new CopyOnWriteArrayList<>();
    List<Object> handedBack = new CopyOnWriteArrayList<>();
    CallListener listener = new CallListener() {
      @Override
      public Object describe(RpcMethod method, boolean known) {
        described.add(method.fullName());
        if (method.fullName().endsWith("Broken")) {
          throw new IllegalStateException("describing fails");
        }
        return "state of " + method.fullName();
      }

      @Override
      public void onCallEnd(MethodInfo m, RpcSide side, io.grpc.Status.Code code, long nanos, long requests,
          long responses, long requestBytes, long responseBytes, io.opentelemetry.api.common.Attributes server,
          io.opentelemetry.context.Context context) {
        handedBack.add(String.valueOf(m.listenerState()));
      }
    };
    TestBuilder builder = new TestBuilder().config(TracingConfig.of(Map.of())).enrichers(List.of());
    TracingHooks.callListener(builder, listener);
    RpcInstrumenter instrumenter = builder.build();
    for (String name : List.of("test.Svc/A", "test.Svc/A", "test.Svc/Broken", "test.Svc/A")) {
      MethodDescriptor<String, String> method = MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(name)
          .setRequestMarshaller(NONE).setResponseMarshaller(NONE).build();
      TracedCall call = instrumenter.newCall(instrumenter.method(method), io.opentelemetry.context.Context.root());
      call.startSpan(new io.grpc.Metadata(), null, null);
      call.end(io.grpc.Status.OK, null);
    }

    assertThat(described).containsExactly("test.Svc/A", "test.Svc/Broken");
    assertThat(handedBack).containsExactly("state of test.Svc/A", "state of test.Svc/A", "null", "state of test.Svc/A");
  }

  /** The shared builder core with nothing of either side's own. */
  static final class TestBuilder extends TracingBuilder<TestBuilder> {
    TestBuilder() {
      this(OpenTelemetry.noop());
    }

    TestBuilder(OpenTelemetry openTelemetry) {
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
}

package dev.acitrace.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One in-process server and one channel, both on the direct executor so that a whole call runs on the
 * benchmark thread and the measurement contains no thread hand-off, instrumented by one
 * {@link GrpcTracingVariant}. Every call is made inside a context carrying {@link BaggageSamples#forCall()},
 * in every variant, so that attaching it is part of the floor too.
 */
final class InProcessHarness implements AutoCloseable {

  private final TracingSdk sdk;
  private final Server server;
  private final ManagedChannel channel;
  private final Context callContext;

  /**
   * Starts the server and the channel.
   *
   * @param variant how to instrument them
   * @param sampled always-on (true) or always-off (false) sampling; ignored by an untraced variant
   */
  InProcessHarness(GrpcTracingVariant variant, boolean sampled) {
    this(variant, sampled, false);
  }

  /** As {@link #InProcessHarness(GrpcTracingVariant, boolean)}; {@code metrics}: the SDK records metrics too. */
  InProcessHarness(GrpcTracingVariant variant, boolean sampled, boolean metrics) {
    this(variant, variant.traced() ? new TracingSdk(sampled, variant.propagator(), metrics) : null, null, null);
  }

  /**
   * Instrumented with {@code openTelemetry}, which the caller owns (closing the harness leaves it open), and
   * with {@code inner} added inside the variant's server interceptors, so it sees what the handler sees.
   */
  InProcessHarness(GrpcTracingVariant variant, OpenTelemetry openTelemetry, ServerInterceptor inner) {
    this(variant, null, openTelemetry, inner);
  }

  private InProcessHarness(
      GrpcTracingVariant variant, TracingSdk sdk, OpenTelemetry given, ServerInterceptor inner) {
    this.sdk = sdk;
    OpenTelemetry openTelemetry =
        sdk != null ? sdk.openTelemetry() : given != null ? given : OpenTelemetry.noop();
    String name = InProcessServerBuilder.generateName();
    try {
      InProcessServerBuilder serverBuilder =
          InProcessServerBuilder.forName(name).directExecutor().addService(BenchRpc.service());
      if (inner != null) {
        serverBuilder.intercept(inner); // added first: runs innermost, inside the variant's context
      }
      variant.instrumentServer(serverBuilder, openTelemetry);
      InProcessChannelBuilder channelBuilder =
          InProcessChannelBuilder.forName(name).directExecutor();
      variant.instrumentChannel(channelBuilder, openTelemetry);
      this.server = start(serverBuilder, name);
      this.channel = channelBuilder.build();
    } catch (RuntimeException e) {
      if (sdk != null) {
        sdk.close(); // no batch processor thread outlives a failed setup
      }
      throw e;
    }
    this.callContext = Context.root().with(BaggageSamples.forCall());
  }

  private static Server start(InProcessServerBuilder builder, String name) {
    try {
      return builder.build().start();
    } catch (IOException e) {
      throw new UncheckedIOException("in-process server " + name + " did not start", e);
    }
  }

  /** One unary call; returns the response. */
  @SuppressWarnings("try") // the scope is used for its side effect only
  byte[] unary() {
    try (Scope ignored = callContext.makeCurrent()) {
      return ClientCalls.blockingUnaryCall(
          channel, BenchRpc.UNARY, CallOptions.DEFAULT, BenchRpc.REQUEST);
    }
  }

  /** One server-streaming call, every response handed to {@code sink}; returns how many arrived. */
  @SuppressWarnings("try") // the scope is used for its side effect only
  int serverStreaming(Consumer<byte[]> sink) {
    int received = 0;
    try (Scope ignored = callContext.makeCurrent()) {
      Iterator<byte[]> responses =
          ClientCalls.blockingServerStreamingCall(
              channel, BenchRpc.SERVER_STREAMING, CallOptions.DEFAULT, BenchRpc.REQUEST);
      while (responses.hasNext()) {
        sink.accept(responses.next());
        received++;
      }
    }
    return received;
  }

  /** Spans exported so far (after a flush); 0 for an untraced variant. */
  long exportedSpans() {
    return sdk == null ? 0 : sdk.exportedSpans();
  }

  /** Metric names the SDK exported, after a flush. */
  java.util.Set<String> exportedMetricNames() {
    return sdk == null ? java.util.Set.of() : sdk.exportedMetricNames();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
    try {
      channel.awaitTermination(10, TimeUnit.SECONDS);
      server.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (sdk != null) {
        sdk.close();
      }
    }
  }

  boolean isTerminated() {
    return channel.isTerminated() && server.isTerminated();
  }
}

package dev.acitrace.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** gRPC calls the client's and server's tests drive, and the stopping of what they started. */
public final class TestCalls {

  private TestCalls() {}

  /**
   * Shuts down every channel, then every server, now, each given up to 5 s to terminate: what a test's
   * {@code @AfterEach} does with the channels and servers it started.
   */
  public static void stopAll(Iterable<? extends ManagedChannel> channels, Iterable<? extends Server> servers)
      throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (Server server : servers) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * Makes one OK call (request {@code "ok"}; {@code "ok", "two"} on the streaming-request methods) and one
   * failed call (request {@code "fail"}) of each of the four methods, and checks each OK call succeeds and each
   * failed one ends with a {@link StatusRuntimeException}: the calls the metrics tests count. The service must
   * fail calls whose request is {@code "fail"}.
   */
  public static void everyTypeOkAndFailed(Channel channel, MethodDescriptor<String, String> unary,
      MethodDescriptor<String, String> serverStreaming, MethodDescriptor<String, String> clientStreaming,
      MethodDescriptor<String, String> bidi) throws Exception {
    ClientCalls.blockingUnaryCall(channel, unary, CallOptions.DEFAULT, "ok");
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, unary, CallOptions.DEFAULT, "fail"))
        .isInstanceOf(StatusRuntimeException.class);
    ClientCalls.blockingServerStreamingCall(channel, serverStreaming, CallOptions.DEFAULT, "ok")
        .forEachRemaining(response -> {});
    assertThatThrownBy(() -> ClientCalls.blockingServerStreamingCall(channel, serverStreaming, CallOptions.DEFAULT,
        "fail").forEachRemaining(response -> {})).isInstanceOf(StatusRuntimeException.class);
    for (MethodDescriptor<String, String> method : List.of(clientStreaming, bidi)) {
      assertThat(stream(channel, method, "ok", "two")).isNull();
      assertThat(stream(channel, method, "fail")).isInstanceOf(StatusRuntimeException.class);
    }
  }

  /**
   * Sends {@code requests} on a new call of {@code method} (any call type: gRPC's bidi stub serves them all)
   * and half-closes; waits up to 5 s for the end and returns the failure the call ended with, or null.
   */
  public static Throwable stream(Channel channel, MethodDescriptor<String, String> method, String... requests)
      throws Exception {
    CompletableFuture<Throwable> done = new CompletableFuture<>();
    StreamObserver<String> out = ClientCalls.asyncBidiStreamingCall(channel.newCall(method, CallOptions.DEFAULT),
        new StreamObserver<>() {
          @Override
          public void onNext(String value) {}

          @Override
          public void onError(Throwable t) {
            done.complete(t);
          }

          @Override
          public void onCompleted() {
            done.complete(null);
          }
        });
    for (String request : requests) {
      out.onNext(request);
    }
    out.onCompleted();
    return done.get(5, TimeUnit.SECONDS);
  }
}

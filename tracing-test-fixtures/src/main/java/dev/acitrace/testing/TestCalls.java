package dev.acitrace.testing;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
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

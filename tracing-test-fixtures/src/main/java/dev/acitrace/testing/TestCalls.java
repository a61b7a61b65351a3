package dev.acitrace.testing;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** gRPC calls the client's and server's tests drive. */
public final class TestCalls {

  private TestCalls() {}

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

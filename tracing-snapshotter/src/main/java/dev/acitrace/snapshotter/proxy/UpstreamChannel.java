package dev.acitrace.snapshotter.proxy;

import static java.util.Objects.requireNonNull;

import dev.acitrace.snapshotter.grpc.SnapshotsClient;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The channel to an upstream snapshotter, and keeping it connected.
 *
 * <p>Addresses are {@code unix:///absolute/path.sock} (how snapshotters serve containerd), an absolute
 * socket path, or {@code host:port} (plaintext TCP). Calls never wait for the upstream: while it cannot be
 * reached they fail at once with {@code UNAVAILABLE}, as containerd expects of a snapshotter that is down.
 */
public final class UpstreamChannel {

  /**
   * The largest message forwarded either way: containerd's own gRPC limit (16 MiB), so the proxy refuses
   * nothing containerd and the upstream would accept.
   */
  public static final int MAX_MESSAGE_BYTES = 16 << 20;

  private UpstreamChannel() {}

  /**
   * A channel builder for an upstream address: plaintext, calls run on the transport's threads (the proxy
   * never blocks in a callback), messages up to {@value #MAX_MESSAGE_BYTES} bytes.
   *
   * @param address {@code unix:///path}, {@code /path} or {@code host:port}
   * @return the builder; add the tracing client interceptor and build
   * @throws IllegalArgumentException if {@code address} is none of these
   */
  public static ManagedChannelBuilder<?> builder(String address) {
    ManagedChannelBuilder<?> builder;
    Path socket = socketPath(address);
    if (socket != null) {
      builder = SnapshotsClient.unixChannel(socket);
    } else {
      builder = Grpc.newChannelBuilder("dns:///" + hostPort(address), InsecureChannelCredentials.create());
    }
    return builder.directExecutor().maxInboundMessageSize(MAX_MESSAGE_BYTES).userAgent("acitrace-snapshotter-proxy");
  }

  /**
   * The target URI for an address ({@code unix:///path} or {@code dns:///host:port}), e.g. for the
   * client span's {@code server.address}.
   *
   * @param address as for {@link #builder}
   * @return the target
   */
  public static String target(String address) {
    Path socket = socketPath(address);
    return socket != null ? "unix://" + socket : "dns:///" + hostPort(address);
  }

  /** The socket path of a unix address, or null for a TCP one. */
  private static Path socketPath(String address) {
    requireNonNull(address, "address");
    String path;
    if (address.startsWith("unix://")) {
      path = address.substring("unix://".length());
    } else if (address.startsWith("/")) {
      path = address;
    } else {
      return null;
    }
    if (!path.startsWith("/") || path.length() < 2) {
      throw new IllegalArgumentException("address: a unix socket address needs an absolute path"
          + " (unix:///run/x.sock), got " + bounded(address));
    }
    return Path.of(path);
  }

  private static String hostPort(String address) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || address.contains("/")) {
      throw new IllegalArgumentException(
          "address: expected unix:///path.sock or host:port, got " + bounded(address));
    }
    try {
      int port = Integer.parseInt(address.substring(colon + 1));
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("address: port out of range in " + bounded(address));
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("address: port is not a number in " + bounded(address));
    }
    return address;
  }

  private static String bounded(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "...";
  }

  /**
   * Keeps a channel trying to reconnect every {@code interval} while its upstream is down, instead of
   * gRPC's exponential backoff (up to two minutes): a snapshotter that restarts is used again within
   * {@code interval} of being back. Also starts connecting now.
   *
   * @param channel the upstream channel
   * @param interval the longest wait between two connection attempts
   * @return stops watching when closed (shutting the channel down also ends it)
   */
  public static AutoCloseable reconnectPromptly(ManagedChannel channel, Duration interval) {
    requireNonNull(channel, "channel");
    requireNonNull(interval, "interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive: " + interval);
    }
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "snapshotter-upstream-reconnect");
      thread.setDaemon(true);
      return thread;
    });
    new Watcher(channel, timer, interval.toMillis()).watch(channel.getState(true));
    return timer::shutdownNow;
  }

  /**
   * Follows the channel's state; while it is in TRANSIENT_FAILURE, resets gRPC's backoff every interval,
   * which makes it try again at once. A channel stays in TRANSIENT_FAILURE across failed attempts (no state
   * change to wait for), hence a tick rather than one reset per state change.
   */
  private static final class Watcher {
    private final ManagedChannel channel;
    private final ScheduledExecutorService timer;
    private final long intervalMillis;
    private final AtomicBoolean ticking = new AtomicBoolean();

    Watcher(ManagedChannel channel, ScheduledExecutorService timer, long intervalMillis) {
      this.channel = channel;
      this.timer = timer;
      this.intervalMillis = intervalMillis;
    }

    void watch(ConnectivityState seen) {
      if (seen == ConnectivityState.SHUTDOWN || timer.isShutdown()) {
        timer.shutdownNow();
        return;
      }
      if (seen == ConnectivityState.TRANSIENT_FAILURE && ticking.compareAndSet(false, true)) {
        schedule();
      }
      channel.notifyWhenStateChanged(seen, () -> watch(channel.getState(false)));
    }

    private void schedule() {
      try {
        timer.schedule(this::tick, intervalMillis, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        ticking.set(false); // closed meanwhile
      }
    }

    private void tick() {
      if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
        channel.resetConnectBackoff(); // tries again now
        schedule();
      } else {
        ticking.set(false);
        if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE && ticking.compareAndSet(false, true)) {
          schedule(); // went back to failure between the two looks
        }
      }
    }
  }
}

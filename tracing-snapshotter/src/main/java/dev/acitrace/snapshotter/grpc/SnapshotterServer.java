package dev.acitrace.snapshotter.grpc;

import static java.util.Objects.requireNonNull;

import dev.acitrace.snapshotter.Snapshotter;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Serves a {@link Snapshotter} as containerd's snapshots service on a unix domain socket (how
 * containerd's {@code proxy_plugins} connect: plaintext HTTP/2) and/or a loopback TCP port (for local
 * testing with gRPC tools).
 *
 * <pre>{@code
 * SnapshotterServer server = SnapshotterServer.builder(TracingSnapshotter.wrap(snapshotter, otel))
 *     .unixSocket(Path.of("/run/acitrace/snapshotter.sock"))
 *     .configure(builder -> builder.intercept(tracingInterceptor))
 *     .build()
 *     .start();
 * }</pre>
 *
 * <p>The unix socket uses Netty's epoll transport (Linux). A socket file left behind by a process that
 * is gone is replaced; a socket something still listens on, or a path that is not a socket, makes
 * {@link #start()} fail with a {@link BindException}. The socket file is deleted on {@link #close()}.
 *
 * <p>The socket's mode is 0600 unless {@link Builder#socketMode} says otherwise, and its group is the
 * process's unless {@link Builder#socketGroup} names one (containerd's {@code grpc.uid}/{@code gid}),
 * whatever the umask: it is bound inside a fresh 0700 directory, given its mode and group there, and
 * only then linked to its path, so no one can connect during a window of umask-derived permissions.
 * Missing directories above the socket are created 0700 (plus search permission for the group or
 * others when the socket mode grants them access, and the socket's group).
 */
public final class SnapshotterServer implements AutoCloseable {

  private final Path socket;
  private final int socketMode;
  private final GroupPrincipal socketGroup;
  private final InetSocketAddress tcp;
  private final ServerServiceDefinition service;
  private final List<ServerInterceptor> interceptors;
  private final List<Consumer<ServerBuilder<?>>> configurers;
  private final List<Server> servers = new ArrayList<>();
  private final List<EventLoopGroup> eventLoops = new ArrayList<>();
  /** Whether the socket path is ours to delete on close. */
  private boolean socketPublished;

  private SnapshotterServer(Builder builder) {
    this.socket = builder.socket;
    this.socketMode = builder.socketMode;
    this.socketGroup = builder.socketGroup;
    this.tcp = builder.tcp;
    this.service = builder.service != null ? builder.service : SnapshotsService.bind(builder.snapshotter);
    this.interceptors = List.copyOf(builder.interceptors);
    this.configurers = List.copyOf(builder.configurers);
  }

  /**
   * Starts a builder.
   *
   * @param snapshotter the snapshotter to serve
   * @return the builder
   */
  public static Builder builder(Snapshotter snapshotter) {
    return new Builder(requireNonNull(snapshotter, "snapshotter"), null);
  }

  /**
   * Starts a builder for a server of any snapshots service definition, e.g. a proxy's.
   *
   * @param service the service to serve
   * @return the builder
   */
  public static Builder forService(ServerServiceDefinition service) {
    return new Builder(null, requireNonNull(service, "service"));
  }

  /**
   * Binds every configured address and starts serving.
   *
   * @return this server
   * @throws BindException if the socket is in use, the path is not a socket, or the TCP port is taken
   * @throws IOException if binding fails otherwise
   */
  public synchronized SnapshotterServer start() throws IOException {
    if (!servers.isEmpty()) {
      throw new IllegalStateException("already started");
    }
    try {
      if (socket != null) {
        prepareSocketPath(socket, socketMode, socketGroup);
        if (!Epoll.isAvailable()) {
          throw new IOException("unix sockets need Netty's epoll transport, unavailable here",
              Epoll.unavailabilityCause());
        }
        SocketFiles.Staging staging = SocketFiles.stage(socket);
        EventLoopGroup boss = new EpollEventLoopGroup(1);
        EventLoopGroup workers = new EpollEventLoopGroup(0);
        eventLoops.add(boss);
        eventLoops.add(workers);
        NettyServerBuilder builder = NettyServerBuilder
            .forAddress(new DomainSocketAddress(staging.bindPath().toString()), InsecureServerCredentials.create())
            .channelType(EpollServerDomainSocketChannel.class)
            // grpc-java asks for TCP keep-alive on every accepted channel, which a unix socket does
            // not have (Netty logs a warning per connection); a null value removes the option
            .withChildOption(ChannelOption.SO_KEEPALIVE, null)
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers);
        try {
          servers.add(startServer(builder));
          SocketFiles.publish(staging, socket, socketMode, socketGroup);
          socketPublished = true;
        } finally {
          staging.close();
        }
      }
      if (tcp != null) {
        servers.add(startServer(NettyServerBuilder.forAddress(tcp, InsecureServerCredentials.create())));
      }
    } catch (IOException | RuntimeException e) {
      close();
      if (e instanceof BindException || !addressInUse(e)) {
        throw e;
      }
      BindException bind = new BindException(e.getMessage() + ": address already in use");
      bind.initCause(e);
      throw bind;
    }
    return this;
  }

  private Server startServer(NettyServerBuilder builder) throws IOException {
    builder.addService(service);
    for (ServerInterceptor interceptor : interceptors) {
      builder.intercept(interceptor);
    }
    for (Consumer<ServerBuilder<?>> configurer : configurers) {
      configurer.accept(builder);
    }
    return builder.build().start();
  }

  /**
   * The unix socket, if one was configured.
   *
   * @return the socket path
   */
  public Optional<Path> unixSocket() {
    return Optional.ofNullable(socket);
  }

  /**
   * The bound TCP address (with the real port when port 0 was asked for), once started.
   *
   * @return the address, or empty when no TCP address was configured
   */
  public synchronized Optional<InetSocketAddress> tcpAddress() {
    for (Server server : servers) {
      for (SocketAddress address : server.getListenSockets()) {
        if (address instanceof InetSocketAddress inet) {
          return Optional.of(inet);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Waits until the server is shut down (by {@link #close()}, e.g. from a shutdown hook).
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void awaitTermination() throws InterruptedException {
    List<Server> snapshot;
    synchronized (this) {
      snapshot = List.copyOf(servers);
    }
    for (Server server : snapshot) {
      server.awaitTermination();
    }
  }

  /** Stops accepting calls, waits briefly for running ones, and releases the socket. */
  @Override
  public synchronized void close() {
    for (Server server : servers) {
      server.shutdown();
    }
    boolean interrupted = false;
    for (Server server : servers) {
      try {
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
          server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        server.shutdownNow();
        interrupted = true;
      }
    }
    for (EventLoopGroup group : eventLoops) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
    eventLoops.clear();
    if (socket != null && socketPublished) {
      socketPublished = false;
      try {
        Files.deleteIfExists(socket);
      } catch (IOException e) {
        // nothing to do: start() replaces a stale socket file
      }
    }
    servers.clear();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Refuses a live socket or a non-socket path; removes a socket file nothing listens on. */
  private static void prepareSocketPath(Path socket, int mode, GroupPrincipal group) throws IOException {
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      Path parent = socket.toAbsolutePath().getParent();
      if (parent != null) {
        SocketFiles.createRunDirectories(parent, mode, group);
      }
      return;
    }
    if (!attributes.isOther()) {
      throw new BindException("socket path " + socket + " exists and is not a socket");
    }
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(socket));
      throw new BindException("socket " + socket + " is in use by a running server");
    } catch (BindException e) {
      throw e;
    } catch (IOException e) {
      // connection refused: a stale socket left by a process that is gone
      Files.deleteIfExists(socket);
    }
  }

  /**
   * Whether a bind failed because the address is taken. Netty's native transports report it as their
   * own IOException (errno text), not as java.net.BindException.
   */
  private static boolean addressInUse(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException
          || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
        return true;
      }
    }
    return false;
  }

  /** Configures a {@link SnapshotterServer}. */
  public static final class Builder {
    private final Snapshotter snapshotter;
    private final ServerServiceDefinition service;
    private Path socket;
    private int socketMode = SocketFiles.DEFAULT_MODE;
    private GroupPrincipal socketGroup;
    private InetSocketAddress tcp;
    private final List<ServerInterceptor> interceptors = new ArrayList<>();
    private final List<Consumer<ServerBuilder<?>>> configurers = new ArrayList<>();

    private Builder(Snapshotter snapshotter, ServerServiceDefinition service) {
      this.snapshotter = snapshotter;
      this.service = service;
    }

    /**
     * Listens on a unix domain socket.
     *
     * @param path the socket path; its directory is created if needed
     * @return this builder
     */
    public Builder unixSocket(Path path) {
      this.socket = requireNonNull(path, "path").toAbsolutePath();
      return this;
    }

    /**
     * Sets the unix socket's permission bits (default {@code 0600}: only the owner, root, may
     * connect), applied whatever the umask.
     *
     * @param mode permission bits, within {@code 0} to {@code 0777}
     * @return this builder
     */
    public Builder socketMode(int mode) {
      if (mode < 0 || mode > 0777) {
        throw new IllegalArgumentException("socketMode must be within 0 and 0777 (octal): 0" + Integer.toOctalString(mode));
      }
      this.socketMode = mode;
      return this;
    }

    /**
     * Gives the unix socket (and the directories created for it) a group, so that a socket mode like
     * {@code 0660} lets that group connect.
     *
     * @param group the group
     * @return this builder
     */
    public Builder socketGroup(GroupPrincipal group) {
      this.socketGroup = requireNonNull(group, "group");
      return this;
    }

    /**
     * Listens on a TCP address, meant for loopback testing (plaintext, no authentication).
     *
     * @param host the host to bind, e.g. {@code 127.0.0.1}
     * @param port the port, or 0 for any free one (see {@link SnapshotterServer#tcpAddress()})
     * @return this builder
     */
    public Builder tcp(String host, int port) {
      requireNonNull(host, "host");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be within 0..65535: " + port);
      }
      this.tcp = new InetSocketAddress(host, port);
      return this;
    }

    /**
     * Adds a server interceptor; as in {@link ServerBuilder#intercept}, the last one added runs first.
     *
     * @param interceptor the interceptor
     * @return this builder
     */
    public Builder intercept(ServerInterceptor interceptor) {
      interceptors.add(requireNonNull(interceptor, "interceptor"));
      return this;
    }

    /**
     * Applies a configuration to each underlying {@link ServerBuilder} after the service and
     * interceptors are added (e.g. a tracing library's {@code instrument(serverBuilder)}).
     *
     * @param configurer the configuration
     * @return this builder
     */
    public Builder configure(Consumer<ServerBuilder<?>> configurer) {
      configurers.add(requireNonNull(configurer, "configurer"));
      return this;
    }

    /**
     * Builds the server; call {@link SnapshotterServer#start()} to bind.
     *
     * @return the server
     */
    public SnapshotterServer build() {
      if (socket == null && tcp == null) {
        throw new IllegalStateException("configure a unixSocket(...) or tcp(...) address");
      }
      return new SnapshotterServer(this);
    }
  }
}

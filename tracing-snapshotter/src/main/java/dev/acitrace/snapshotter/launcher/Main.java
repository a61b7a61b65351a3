package dev.acitrace.snapshotter.launcher;

import dev.acitrace.bundle.ExportStats;
import dev.acitrace.bundle.TracingConfigurationException;
import dev.acitrace.snapshotter.Mount;
import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.Snapshotter;
import dev.acitrace.snapshotter.TracingSnapshotter;
import dev.acitrace.snapshotter.Usage;
import dev.acitrace.snapshotter.fs.DirectorySnapshotter;
import dev.acitrace.snapshotter.storage.SqliteMetadataStore;
import dev.acitrace.snapshotter.grpc.SnapshotsClient;
import dev.acitrace.snapshotter.grpc.SnapshotterServer;
import io.grpc.ManagedChannel;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.NotDirectoryException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The launcher: {@code serve} runs the traced snapshotter as a containerd proxy plugin, {@code demo}
 * drives one traced scenario against it and prints the trace.
 *
 * <p>Exit codes: {@value #OK} success, {@value #FAILURE} unexpected failure, {@value #USAGE} bad
 * command line, {@value #ADDRESS_IN_USE} socket or port in use (or the socket path is not a socket),
 * {@value #ROOT_UNUSABLE} root directory not creatable/writable or held by another snapshotter,
 * {@value #TRACING_CONFIG} invalid tracing configuration ({@code OTEL_*} / {@code otel.*}).
 */
public final class Main {

  static final int OK = 0;
  static final int FAILURE = 1;
  static final int USAGE = 2;
  static final int ADDRESS_IN_USE = 3;
  static final int ROOT_UNUSABLE = 4;
  static final int TRACING_CONFIG = 5;

  static final String USAGE_TEXT = String.join("\n",
      "usage: snapshotter serve --root DIR [--backend overlay|directory] (--socket PATH | --tcp HOST:PORT)...",
      "                         [--tcp-allow-remote] [--socket-mode OCTAL] [--socket-group GROUP|GID]",
      "       snapshotter serve --upstream ADDRESS (--socket PATH | --tcp HOST:PORT)... [options as above]",
      "       snapshotter demo",
      "",
      "  serve   serve containerd's snapshots API from a directory-backed snapshotter at DIR, on a unix",
      "          socket (for containerd's [proxy_plugins]) and/or a TCP address (local testing); traced.",
      "          The TCP listener is plaintext and unauthenticated: HOST must be a loopback address",
      "          unless --tcp-allow-remote is given. The socket is created 0600 (root only) whatever the",
      "          umask; --socket-mode (e.g. 0660) and --socket-group let a group connect too.",
      "          --backend: overlay (layers stacked at mount time, containerd's overlayfs layout) or",
      "          directory (copies); default: the root's, for a new root overlay where the kernel lets us",
      "          mount it, else directory.",
      "          With --upstream: a tracing proxy in front of the snapshotter at ADDRESS",
      "          (unix:///path.sock or host:port), which serves every call; no --root",
      "  demo    start the service on a temporary root, drive prepare, mounts, commit, view, stat, usage,",
      "          update, list and remove through a traced client, and print the trace",
      "",
      "exit codes: 0 ok, 1 failure, 2 usage, 3 socket/port in use, 4 root not usable,",
      "            5 invalid tracing configuration (OTEL_* variables / otel.* properties)");

  private Main() {}

  /**
   * Runs the launcher and exits with its exit code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, null));
  }

  /**
   * Runs a command; returns instead of exiting, for tests.
   *
   * @param stop for {@code serve}: counted down when the caller wants the server stopped; null to
   *     serve until the JVM shuts down
   */
  static int run(String[] args, PrintStream out, PrintStream err, CountDownLatch stop) {
    if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
      (args.length == 0 ? err : out).println(USAGE_TEXT);
      return args.length == 0 ? USAGE : OK;
    }
    try {
      switch (args[0]) {
        case "serve":
          return serve(ServeOptions.parse(List.of(args).subList(1, args.length)), out, err, stop);
        case "demo":
          if (args.length > 1) {
            throw new UsageException("demo takes no arguments");
          }
          return demo(out, err);
        default:
          throw new UsageException("unknown command: " + args[0]);
      }
    } catch (UsageException e) {
      err.println("snapshotter: " + e.getMessage());
      err.println(USAGE_TEXT);
      return USAGE;
    }
  }

  // ---------------------------------------------------------------------------------------------- serve

  record ServeOptions(Path root, Path socket, String tcpHost, int tcpPort, int socketMode,
      GroupPrincipal socketGroup, String upstream, String backend) {
    static ServeOptions parse(List<String> args) throws UsageException {
      Path root = null;
      Path socket = null;
      String host = null;
      int port = -1;
      boolean allowRemote = false;
      int socketMode = 0600;
      GroupPrincipal socketGroup = null;
      String upstream = null;
      String backend = null;
      for (int i = 0; i < args.size(); i++) {
        String flag = args.get(i);
        if (flag.equals("--tcp-allow-remote")) {
          allowRemote = true;
          continue;
        }
        if (i + 1 >= args.size()) {
          throw new UsageException(flag + " needs a value");
        }
        String value = args.get(++i);
        switch (flag) {
          case "--root" -> root = Path.of(value);
          case "--socket" -> socket = Path.of(value);
          case "--socket-mode" -> socketMode = parseMode(value);
          case "--socket-group" -> socketGroup = lookupGroup(value);
          case "--upstream" -> upstream = ProxyLauncher.checkAddress(value);
          case "--backend" -> backend = Backends.check(value);
          case "--tcp" -> {
            int colon = value.lastIndexOf(':');
            if (colon <= 0) {
              throw new UsageException("--tcp wants HOST:PORT, got " + value);
            }
            host = value.substring(0, colon);
            try {
              port = Integer.parseInt(value.substring(colon + 1));
            } catch (NumberFormatException e) {
              throw new UsageException("--tcp port is not a number: " + value);
            }
            if (port < 0 || port > 65535) {
              throw new UsageException("--tcp port out of range: " + value);
            }
          }
          default -> throw new UsageException("unknown option: " + flag);
        }
      }
      if (root == null && upstream == null) {
        throw new UsageException("serve needs --root DIR (or --upstream ADDRESS)");
      }
      if (root != null && upstream != null) {
        throw new UsageException("--root and --upstream exclude each other: the upstream keeps the snapshots");
      }
      if (backend != null && upstream != null) {
        throw new UsageException("--backend and --upstream exclude each other: the upstream keeps the snapshots");
      }
      if (socket == null && host == null) {
        throw new UsageException("serve needs --socket PATH and/or --tcp HOST:PORT");
      }
      if (host != null && !allowRemote && !isLoopback(host)) {
        throw new UsageException("--tcp " + host + " is not a loopback address: the snapshots API on TCP is"
            + " plaintext and unauthenticated, so anyone who can reach it can read and delete snapshots;"
            + " use --socket, a loopback address, or add --tcp-allow-remote if you really mean it");
      }
      if (socket == null && (socketGroup != null || socketMode != 0600)) {
        throw new UsageException("--socket-mode and --socket-group apply to --socket only");
      }
      return new ServeOptions(root, socket, host, port, socketMode, socketGroup, upstream, backend);
    }

    /** An octal mode of at most 0777, like containerd's config or chmod: "660", "0660". */
    private static int parseMode(String value) throws UsageException {
      if (!value.matches("0?[0-7]{1,3}")) {
        throw new UsageException("--socket-mode wants octal permission bits such as 0660, got " + echo(value));
      }
      return Integer.parseInt(value, 8);
    }

    /** A group name, or a numeric gid (the JDK's lookup accepts both). */
    private static GroupPrincipal lookupGroup(String value) throws UsageException {
      try {
        return FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(value);
      } catch (IOException e) {
        throw new UsageException("--socket-group: no group " + echo(value));
      }
    }

    private static String echo(String value) {
      return value.length() <= 64 ? value : value.substring(0, 64) + "...";
    }

    /** True if every address the host names is a loopback address (an unresolvable host is not). */
    private static boolean isLoopback(String host) {
      try {
        for (InetAddress address : InetAddress.getAllByName(host)) {
          if (!address.isLoopbackAddress()) {
            return false;
          }
        }
        return true;
      } catch (UnknownHostException e) {
        return false;
      }
    }
  }

  private static int serve(ServeOptions options, PrintStream out, PrintStream err, CountDownLatch stop) {
    if (options.upstream() != null) {
      return ProxyLauncher.serve(options, out, err, stop);
    }
    Snapshotter directory;
    long nativeMillis;
    long openMillis;
    try {
      // SQLite's native library: once per JVM, extracted from the jar (slow on a loaded host)
      long loading = System.nanoTime();
      SqliteMetadataStore.loadNativeLibrary();
      nativeMillis = (System.nanoTime() - loading) / 1_000_000;
      long opening = System.nanoTime();
      directory = Backends.open(options.root().toAbsolutePath().normalize(), options.backend(), err);
      // recovery after a crash happens here (database recovery, leftover directories): worth showing
      openMillis = (System.nanoTime() - opening) / 1_000_000;
    } catch (IOException | RuntimeException e) {
      err.println("snapshotter: cannot use root " + options.root() + ": " + describe(e));
      return ROOT_UNUSABLE;
    }
    ServerWiring.LauncherTracing tracing = initTracing("acitrace-snapshotter", err, err);
    if (tracing == null) {
      directory.close();
      return TRACING_CONFIG;
    }
    OpenTelemetry otel = tracing.openTelemetry();
    SnapshotterServer.Builder builder = SnapshotterServer.builder(TracingSnapshotter.wrap(directory, otel))
        .configure(b -> ServerWiring.instrumentServer(b, otel));
    Path root = options.root().toAbsolutePath().normalize();
    return listenUntilStopped(builder, options, () -> {
      directory.close();
      tracing.close();
    }, where -> "snapshotter: serving " + root + " (" + Backends.name(directory) + " backend) on" + where
        + tracing.spansTo() + " (root opened in " + openMillis + " ms, SQLite loaded in " + nativeMillis + " ms)",
        out, err, stop);
  }

  /** Tracing for a command, or null after telling {@code err} why the tracing configuration is invalid. */
  static ServerWiring.LauncherTracing initTracing(String serviceName, PrintStream console, PrintStream err) {
    try {
      return ServerWiring.initTracing(serviceName, console);
    } catch (TracingConfigurationException e) {
      err.println("snapshotter: invalid tracing configuration: " + e.getMessage());
      return null;
    }
  }

  /**
   * What both kinds of {@code serve} do once their service is built: listen where the options say,
   * start, print the banner, serve until {@code stop} counts down (or, without one, until the JVM shuts
   * down), then stop the server.
   *
   * @param release frees what the command holds besides the server (its backend or upstream channel,
   *     its tracing): run once, after a failed start or after the server stopped
   * @param banner the line saying what is served, given the addresses ({@code " unix://... tcp://..."})
   * @return the exit code
   */
  static int listenUntilStopped(SnapshotterServer.Builder builder, ServeOptions options, Runnable release,
      Function<String, String> banner, PrintStream out, PrintStream err, CountDownLatch stop) {
    if (options.socket() != null) {
      builder.unixSocket(options.socket()).socketMode(options.socketMode());
      if (options.socketGroup() != null) {
        builder.socketGroup(options.socketGroup());
      }
    }
    if (options.tcpHost() != null) {
      builder.tcp(options.tcpHost(), options.tcpPort());
    }
    SnapshotterServer server = builder.build();
    try {
      server.start();
    } catch (BindException e) {
      err.println("snapshotter: " + e.getMessage());
      release.run();
      return ADDRESS_IN_USE;
    } catch (IOException | RuntimeException e) {
      err.println("snapshotter: cannot start: " + describe(e));
      release.run();
      return FAILURE;
    }
    Runnable shutdown = () -> {
      server.close();
      release.run();
    };
    StringBuilder where = new StringBuilder();
    server.unixSocket().ifPresent(s -> where.append(" unix://").append(s));
    server.tcpAddress().ifPresent(a -> where.append(" tcp://").append(a.getHostString()).append(':').append(a.getPort()));
    out.println(banner.apply(where.toString()));
    out.flush();
    try {
      if (stop == null) {
        Runtime.getRuntime().addShutdownHook(new Thread(shutdown, "snapshotter-shutdown"));
        server.awaitTermination();
      } else {
        stop.await();
        shutdown.run();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      shutdown.run();
    }
    return OK;
  }

  // ----------------------------------------------------------------------------------------------- demo

  private static int demo(PrintStream out, PrintStream err) {
    Path temp;
    try {
      temp = Files.createTempDirectory("acitrace-demo-");
    } catch (IOException e) {
      err.println("snapshotter: cannot create a temporary directory: " + describe(e));
      return ROOT_UNUSABLE;
    }
    Path root = temp.resolve("root");
    Path socket = temp.resolve("snapshotter.sock");
    String requestId = UUID.randomUUID().toString();
    out.println("acitrace snapshotter demo");
    out.println("  root   " + root);
    out.println("  socket unix://" + socket);
    out.println("baggage: request.id=" + requestId);
    out.println("         image.name=docker.io/library/busybox, image.tag=1.36, namespace=default");
    out.println();
    int status;
    ServerWiring.LauncherTracing tracing = initTracing("acitrace-snapshotter-demo", out, err);
    if (tracing == null) {
      deleteQuietly(temp);
      return TRACING_CONFIG;
    }
    try {
      status = runScenario(tracing.openTelemetry(), root, socket, requestId, tracing.destination() == null,
          out, err);
    } finally {
      tracing.close(); // prints (if not printed already) or exports the trace
      if (tracing.destination() != null) {
        ExportStats stats = tracing.handle().exportStats();
        out.println(stats.lostSpans() == 0
            ? "trace exported to " + tracing.destination() + " (" + stats.exportedSpans() + " spans)"
            : "trace NOT exported to " + tracing.destination() + ": " + stats.lostSpans() + " of "
                + (stats.lostSpans() + stats.exportedSpans()) + " spans lost (" + stats.failedSpans()
                + " failed to export, " + stats.droppedSpans() + " dropped); is the collector reachable?");
      }
    }
    deleteQuietly(temp);
    return status;
  }

  private static int runScenario(OpenTelemetry otel, Path root, Path socket, String requestId,
      boolean consoleTrace, PrintStream out, PrintStream err) {
    try (DirectorySnapshotter directory = DirectorySnapshotter.open(root);
        SnapshotterServer server = SnapshotterServer.builder(TracingSnapshotter.wrap(directory, otel))
            .unixSocket(socket)
            .configure(b -> ServerWiring.instrumentServer(b, otel))
            .build()
            .start()) {
      ManagedChannel channel = SnapshotsClient.unixChannel(socket)
          .intercept(ServerWiring.clientInterceptor(otel, "unix://" + socket.toAbsolutePath()))
          .build();
      try {
        Span demoSpan = otel.getTracer("dev.acitrace.snapshotter.demo")
            .spanBuilder("snapshotter demo").setSpanKind(SpanKind.INTERNAL).startSpan();
        Context context = ServerWiring.withBaggage(Context.current().with(demoSpan), requestId,
            "docker.io/library/busybox", "1.36", "default");
        try (Scope ignored = context.makeCurrent()) {
          scenario(SnapshotsClient.create(channel, "acitrace"), root, out);
        } finally {
          out.println();
          out.println("trace id " + demoSpan.getSpanContext().getTraceId());
          if (consoleTrace) {
            // before the span ends: the console exporter prints the trace once it has
            out.println("trace (client -> server -> snapshotter):");
          }
          // A server span ends when the server has finished its call, which can be a moment after the
          // client has the answer, and the console prints a trace when its root ends: so the demo span
          // ends only after both sides have wound down, and its trace prints whole.
          channel.shutdown();
          channel.awaitTermination(5, TimeUnit.SECONDS);
          server.close();
          demoSpan.end();
        }
      } finally {
        channel.shutdown();
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
      return OK;
    } catch (BindException e) {
      err.println("snapshotter: " + e.getMessage());
      return ADDRESS_IN_USE;
    } catch (IOException e) {
      err.println("snapshotter: cannot use root " + root + ": " + describe(e));
      return ROOT_UNUSABLE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return FAILURE;
    } catch (RuntimeException e) {
      err.println("snapshotter: demo failed: " + describe(e));
      e.printStackTrace(err);
      return FAILURE;
    }
  }

  /** What containerd does when it unpacks a one-layer image and starts a container from it. */
  private static void scenario(Snapshotter snapshots, Path root, PrintStream out) throws IOException {
    String extract = "default/1/extract-layer-1";
    String layer = "default/2/sha256:layer-1";
    String rootfs = "default/3/container-1-rootfs";

    List<Mount> mounts = snapshots.prepare(extract, "", Map.of("containerd.io/snapshot.ref", "layer-1"));
    out.println("prepare " + extract + " -> " + describe(mounts, root));
    // "unpack" the layer into the writable snapshot, as containerd would after mounting it
    Path content = Path.of(mounts.get(0).source());
    Files.createDirectories(content.resolve("etc"));
    Files.writeString(content.resolve("etc/hostname"), "acitrace-demo\n");
    out.println("mounts " + extract + " -> " + describe(snapshots.mounts(extract), root));
    snapshots.commit(layer, extract, Map.of("containerd.io/snapshot/layer.digest", "sha256:layer-1"));
    out.println("commit " + extract + " as " + layer);
    out.println("view " + rootfs + " of " + layer + " -> " + describe(snapshots.view(rootfs, layer, Map.of()), root));
    SnapshotInfo info = snapshots.stat(layer);
    out.println("stat " + layer + " -> kind " + info.kind().label() + ", labels " + info.labels());
    Usage usage = snapshots.usage(layer);
    out.println("usage " + layer + " -> " + usage.size() + " bytes, " + usage.inodes() + " inodes");
    SnapshotInfo updated = snapshots.update(
        SnapshotInfo.forUpdate(layer, Map.of("containerd.io/snapshot/demo", "true")),
        List.of("labels.containerd.io/snapshot/demo"));
    out.println("update " + layer + " -> label containerd.io/snapshot/demo="
        + updated.labels().get("containerd.io/snapshot/demo") + " (" + updated.labels().size() + " labels)");
    List<String> names = new ArrayList<>();
    for (SnapshotInfo each : snapshots.list()) {
      names.add(each.name() + " (" + each.kind().label() + ")");
    }
    out.println("list -> " + names);
    snapshots.remove(rootfs);
    snapshots.remove(layer);
    out.println("remove " + rootfs + ", " + layer + " -> " + snapshots.list().size() + " snapshots left");
  }

  /** Mounts as {@code type source options}, sources under the demo root shown as {@code $root/...}. */
  private static String describe(List<Mount> mounts, Path root) {
    List<String> described = new ArrayList<>();
    for (Mount mount : mounts) {
      String source = mount.source().startsWith(root.toString())
          ? "$root" + mount.source().substring(root.toString().length())
          : mount.source();
      described.add(mount.type() + " " + source + " " + String.join(",", mount.options()));
    }
    return String.join("; ", described);
  }

  static String describe(Throwable e) {
    if (e instanceof AccessDeniedException denied) {
      return "permission denied: " + denied.getFile();
    }
    if (e instanceof FileSystemException fs && !(e instanceof NotDirectoryException)) {
      // their messages are often only the path: say what went wrong with it
      return e.getClass().getSimpleName() + ": " + fs.getMessage();
    }
    String message = e.getMessage();
    return message == null ? e.toString() : message;
  }

  private static void deleteQuietly(Path directory) {
    try {
      Files.walkFileTree(directory, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          Files.delete(dir);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }

  static final class UsageException extends Exception {
    UsageException(String message) {
      super(message);
    }
  }
}

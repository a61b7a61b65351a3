package dev.acitrace.snapshotter.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.fs.DirectorySnapshotter;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.BindException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotterServerTest {

  @TempDir
  Path temp;

  private DirectorySnapshotter directory;
  private Path socket;

  @BeforeEach
  void open() throws IOException {
    directory = DirectorySnapshotter.open(temp.resolve("root"));
    socket = temp.resolve("run/snap.sock");
  }

  @AfterEach
  void close() {
    directory.close();
  }

  @Test
  void servesOnUnixSocketAndLoopbackTcp_andRemovesTheSocketOnClose() throws Exception {
    try (SnapshotterServer server = SnapshotterServer.builder(directory)
        .unixSocket(socket).tcp("127.0.0.1", 0).build().start()) {
      assertThat(server.unixSocket()).contains(socket);
      int port = server.tcpAddress().orElseThrow().getPort();
      assertThat(port).isPositive();

      ManagedChannel unix = SnapshotsClient.unixChannel(socket).build();
      ManagedChannel tcp = Grpc.newChannelBuilder("127.0.0.1:" + port, InsecureChannelCredentials.create()).build();
      try {
        SnapshotsClient.create(unix, "acitrace").prepare("over-unix", "", Map.of());
        SnapshotsClient.create(tcp, "acitrace").prepare("over-tcp", "", Map.of());
        assertThat(SnapshotsClient.create(unix, "acitrace").list()).extracting(SnapshotInfo::name)
            .containsExactlyInAnyOrder("over-unix", "over-tcp");
      } finally {
        unix.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        tcp.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    assertThat(socket).doesNotExist();
  }

  @Test
  void start_socketInUse_isBindException() throws IOException {
    try (SnapshotterServer first = SnapshotterServer.builder(directory).unixSocket(socket).build().start()) {
      SnapshotterServer second = SnapshotterServer.builder(directory).unixSocket(socket).build();
      assertThatThrownBy(second::start).isInstanceOf(BindException.class).hasMessageContaining("in use");
      assertThat(socket).exists(); // the running server's socket is left alone
    }
  }

  @Test
  void start_pathIsNotASocket_isBindException_andTheFileIsKept() throws IOException {
    Files.createDirectories(socket.getParent());
    Files.writeString(socket, "precious");
    SnapshotterServer server = SnapshotterServer.builder(directory).unixSocket(socket).build();
    assertThatThrownBy(server::start).isInstanceOf(BindException.class).hasMessageContaining("not a socket");
    assertThat(socket).hasContent("precious");
  }

  @Test
  void start_staleSocketFile_isReplaced() throws IOException {
    Files.createDirectories(socket.getParent());
    try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      stale.bind(UnixDomainSocketAddress.of(socket)); // closing leaves the file behind
    }
    assertThat(socket).exists();
    try (SnapshotterServer server = SnapshotterServer.builder(directory).unixSocket(socket).build().start()) {
      ManagedChannel channel = SnapshotsClient.unixChannel(socket).build();
      try {
        assertThat(SnapshotsClient.create(channel, "acitrace").list()).isEmpty();
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void start_tcpPortTaken_isBindException() throws IOException {
    try (SnapshotterServer first = SnapshotterServer.builder(directory).tcp("127.0.0.1", 0).build().start()) {
      int port = first.tcpAddress().orElseThrow().getPort();
      SnapshotterServer second = SnapshotterServer.builder(directory).tcp("127.0.0.1", port).build();
      assertThatThrownBy(second::start).isInstanceOf(BindException.class);
    }
  }

  @Test
  void build_withoutAddress_failsFast() {
    assertThatThrownBy(() -> SnapshotterServer.builder(directory).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("unixSocket");
    assertThatThrownBy(() -> SnapshotterServer.builder(directory).tcp("127.0.0.1", 70000))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
    assertThatThrownBy(() -> SnapshotterServer.builder(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("snapshotter");
  }
}

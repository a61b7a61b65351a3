package dev.acitrace.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A collector that is up and never answers: a TCP server on loopback that accepts every connection and
 * neither reads nor writes, so an exporter's calls wait for their own timeout (where a closed port fails them
 * at once). {@link #close()} closes the listening socket and every accepted connection.
 */
public final class SilentCollector implements AutoCloseable {

  private final ServerSocket socket;
  private final List<Socket> accepted = new CopyOnWriteArrayList<>();

  /** Starts listening on an ephemeral loopback port, accepting on a daemon thread. */
  public SilentCollector() throws IOException {
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(() -> {
      try {
        while (true) {
          accepted.add(socket.accept()); // accepted, never read, never answered
        }
      } catch (IOException closed) {
        // close() was called
      }
    }, "silent-collector");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The endpoint to export to, {@code http://127.0.0.1:PORT}. */
  public String endpoint() {
    return "http://127.0.0.1:" + socket.getLocalPort();
  }

  /** The connections accepted so far. */
  public int connections() {
    return accepted.size();
  }

  /** Closes the listening socket, then every accepted connection; throws the first failure, others suppressed. */
  @Override
  public void close() throws IOException {
    IOException failure = null;
    try {
      socket.close();
    } catch (IOException e) {
      failure = e;
    }
    for (Socket connection : accepted) {
      try {
        connection.close();
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}

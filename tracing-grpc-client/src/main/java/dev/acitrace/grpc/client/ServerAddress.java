package dev.acitrace.grpc.client;

import dev.acitrace.grpc.internal.RpcSemconv;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import java.util.Locale;

/** Turns a channel authority or target into {@code server.address} / {@code server.port}. */
final class ServerAddress {

  private ServerAddress() {}

  /**
   * From a target URI or {@code host:port}: {@code unix:} targets give their path; {@code scheme://auth/x}
   * gives {@code x}; anything else is read as an authority.
   */
  static Attributes fromTarget(String target) {
    String lower = target.toLowerCase(Locale.ROOT);
    if (lower.startsWith("unix:") || lower.startsWith("unix-abstract:")) {
      String path = target.substring(target.indexOf(':') + 1);
      if (path.startsWith("//")) {
        // unix://<empty authority>/path
        path = path.substring(2);
      }
      return path.isEmpty() ? Attributes.empty() : Attributes.of(RpcSemconv.SERVER_ADDRESS, path);
    }
    int scheme = target.indexOf("://");
    if (scheme > 0) {
      int pathStart = target.indexOf('/', scheme + 3);
      String rest = pathStart < 0 ? target.substring(scheme + 3) : target.substring(pathStart + 1);
      return fromAuthority(rest);
    }
    return fromAuthority(target);
  }

  /** From an authority: {@code host}, {@code host:port}, {@code [v6]:port}, or a socket path. */
  static Attributes fromAuthority(String authority) {
    if (authority == null || authority.isEmpty()) {
      return Attributes.empty();
    }
    if (authority.charAt(0) == '/') {
      // grpc-java uses the socket path as the authority of unix: channels
      return Attributes.of(RpcSemconv.SERVER_ADDRESS, authority);
    }
    String host = authority;
    String port = null;
    int at = host.lastIndexOf('@');
    if (at >= 0) {
      host = host.substring(at + 1);
    }
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      if (close > 0) {
        if (close + 1 < host.length() && host.charAt(close + 1) == ':') {
          port = host.substring(close + 2);
        }
        host = host.substring(1, close);
      }
    } else {
      int colon = host.lastIndexOf(':');
      if (colon >= 0 && host.indexOf(':') == colon) {
        port = host.substring(colon + 1);
        host = host.substring(0, colon);
      }
    }
    AttributesBuilder builder = Attributes.builder();
    if (!host.isEmpty()) {
      builder.put(RpcSemconv.SERVER_ADDRESS, host);
    }
    if (port != null) {
      try {
        int value = Integer.parseInt(port);
        if (value > 0 && value <= 65535) {
          builder.put(RpcSemconv.SERVER_PORT, value);
        }
      } catch (NumberFormatException ignored) {
        // not a port: leave it out rather than guess
      }
    }
    return builder.build();
  }
}

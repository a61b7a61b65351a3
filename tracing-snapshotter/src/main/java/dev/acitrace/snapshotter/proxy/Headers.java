package dev.acitrace.snapshotter.proxy;

import io.grpc.Metadata;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What metadata crosses the proxy. Everything the caller or the upstream put in goes through, except
 * what belongs to one hop and is rewritten by the next: the transport's own headers (content type,
 * encodings, timeout, user agent, status; gRPC sets them afresh on each hop, the timeout from the deadline
 * that travels with the call) and, towards the upstream, the trace-context and baggage fields, which the
 * tracing client interceptor writes for the proxy's own span (forwarding the caller's as well would give
 * the upstream two, and the wrong parent).
 */
final class Headers {

  /** Set by each hop's transport; never forwarded either way. */
  private static final List<String> TRANSPORT = List.of(
      "content-type", "content-encoding", "te", "user-agent", "grpc-timeout", "grpc-encoding",
      "grpc-accept-encoding", "grpc-status", "grpc-message");
  /** The longest description a local failure's explanation adds, so a long address cannot bloat trailers. */
  private static final int MAX_DETAIL = 512;

  private final Set<String> towardsUpstreamNames;
  private final List<Metadata.Key<?>> towardsUpstream;
  private final Set<String> towardsCallerNames;
  private final List<Metadata.Key<?>> towardsCaller;
  private final String upstreamName;

  /**
   * @param propagationFields the header names the client interceptor injects (the propagator's fields)
   * @param upstreamName how failures to reach the upstream name it
   */
  Headers(Collection<String> propagationFields, String upstreamName) {
    Set<String> upstreamNames = new HashSet<>(TRANSPORT);
    for (String field : propagationFields) {
      upstreamNames.add(field.toLowerCase(Locale.ROOT));
    }
    upstreamNames.add("grpc-trace-bin");
    this.towardsUpstreamNames = Set.copyOf(upstreamNames);
    this.towardsUpstream = keys(upstreamNames);
    this.towardsCallerNames = Set.copyOf(TRANSPORT);
    this.towardsCaller = keys(TRANSPORT);
    this.upstreamName = upstreamName;
  }

  /** A copy of the caller's headers for the upstream call (the caller's own object stays as it was). */
  Metadata forUpstream(Metadata fromCaller) {
    Metadata copy = new Metadata();
    if (onlyDropped(fromCaller, towardsUpstreamNames)) {
      return copy; // the usual case (containerd sends only transport headers): nothing to copy
    }
    copy.merge(fromCaller);
    for (Metadata.Key<?> key : towardsUpstream) {
      copy.discardAll(key);
    }
    return copy;
  }

  /** The upstream's headers or trailers, made ready for the caller (in place: gRPC hands them over). */
  Metadata forCaller(Metadata fromUpstream) {
    if (!onlyDropped(fromUpstream, towardsCallerNames)) {
      for (Metadata.Key<?> key : towardsCaller) {
        fromUpstream.discardAll(key);
      }
      return fromUpstream;
    }
    return new Metadata();
  }

  /**
   * The status as the caller gets it. A status from the upstream (it came over the wire: no cause) is
   * passed on unchanged; one gRPC made up on this side because the upstream could not be reached
   * ({@code UNAVAILABLE} with the connection failure as its cause) says which upstream it was.
   */
  Status describeLocalFailure(Status status) {
    if (status.getCode() != Status.Code.UNAVAILABLE || status.getCause() == null) {
      return status;
    }
    String detail = "upstream snapshotter " + upstreamName + " unavailable: "
        + (status.getDescription() == null ? "" : status.getDescription());
    Throwable cause = status.getCause();
    if (cause.getMessage() != null) {
      detail += " (" + cause.getMessage() + ")";
    }
    if (detail.length() > MAX_DETAIL) {
      detail = detail.substring(0, MAX_DETAIL) + "...";
    }
    return status.withDescription(detail);
  }

  private static boolean onlyDropped(Metadata metadata, Set<String> dropped) {
    for (String name : metadata.keys()) {
      if (!dropped.contains(name)) {
        return false;
      }
    }
    return true;
  }

  private static List<Metadata.Key<?>> keys(Collection<String> names) {
    List<Metadata.Key<?>> keys = new ArrayList<>();
    for (String name : names) {
      keys.add(name.endsWith(Metadata.BINARY_HEADER_SUFFIX)
          ? Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER)
          : Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
    }
    return List.copyOf(keys);
  }
}

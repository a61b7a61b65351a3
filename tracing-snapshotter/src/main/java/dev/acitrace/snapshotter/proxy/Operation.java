package dev.acitrace.snapshotter.proxy;

import static dev.acitrace.snapshotter.TracingSnapshotter.SNAPSHOT_COUNT;
import static dev.acitrace.snapshotter.TracingSnapshotter.SNAPSHOT_FILTERS;
import static dev.acitrace.snapshotter.TracingSnapshotter.SNAPSHOT_KEY;
import static dev.acitrace.snapshotter.TracingSnapshotter.SNAPSHOT_KIND;
import static dev.acitrace.snapshotter.TracingSnapshotter.SNAPSHOT_LABELS_COUNT;
import static dev.acitrace.snapshotter.TracingSnapshotter.SNAPSHOT_MOUNTS_COUNT;
import static dev.acitrace.snapshotter.TracingSnapshotter.SNAPSHOT_NAME;
import static dev.acitrace.snapshotter.TracingSnapshotter.SNAPSHOT_PARENT;
import static dev.acitrace.snapshotter.TracingSnapshotter.SNAPSHOT_UPDATE_PATHS;
import static dev.acitrace.snapshotter.TracingSnapshotter.SNAPSHOT_USAGE_INODES;
import static dev.acitrace.snapshotter.TracingSnapshotter.SNAPSHOT_USAGE_SIZE;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import com.google.protobuf.WireFormat;
import dev.acitrace.snapshotter.proto.CommitSnapshotRequest;
import dev.acitrace.snapshotter.proto.Info;
import dev.acitrace.snapshotter.proto.ListSnapshotsRequest;
import dev.acitrace.snapshotter.proto.MountsRequest;
import dev.acitrace.snapshotter.proto.PrepareSnapshotRequest;
import dev.acitrace.snapshotter.proto.RemoveSnapshotRequest;
import dev.acitrace.snapshotter.proto.StatSnapshotRequest;
import dev.acitrace.snapshotter.proto.StatSnapshotResponse;
import dev.acitrace.snapshotter.proto.UpdateSnapshotRequest;
import dev.acitrace.snapshotter.proto.UpdateSnapshotResponse;
import dev.acitrace.snapshotter.proto.UsageRequest;
import dev.acitrace.snapshotter.proto.UsageResponse;
import dev.acitrace.snapshotter.proto.ViewSnapshotRequest;
import io.grpc.MethodDescriptor.MethodType;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import java.io.IOException;
import java.util.List;
import java.util.function.Function;

/**
 * The {@code Snapshots} RPCs as the proxy traces them: the span name (the same as
 * {@link dev.acitrace.snapshotter.TracingSnapshotter}'s for the operation, so one query finds both), the
 * attributes read from the request (before the span starts, so samplers see them) and those read from
 * the answer (only when the span records). The bytes forwarded are never the parsed objects: a request
 * that does not parse is still forwarded unchanged, its span just carries no attributes.
 */
enum Operation {
  PREPARE("Prepare", MethodType.UNARY, (request, span) -> {
    PrepareSnapshotRequest r = PrepareSnapshotRequest.parseFrom(request);
    return created(span, "active", r.getKey(), r.getParent(), r.getLabelsCount());
  }, Operation::countMounts),
  VIEW("View", MethodType.UNARY, (request, span) -> {
    ViewSnapshotRequest r = ViewSnapshotRequest.parseFrom(request);
    return created(span, "view", r.getKey(), r.getParent(), r.getLabelsCount());
  }, Operation::countMounts),
  MOUNTS("Mounts", MethodType.UNARY, keyOnly(MountsRequest.parser(), MountsRequest::getKey), Operation::countMounts),
  COMMIT("Commit", MethodType.UNARY, (request, span) -> {
    CommitSnapshotRequest r = CommitSnapshotRequest.parseFrom(request);
    if (!r.getName().isEmpty()) {
      span.setAttribute(SNAPSHOT_NAME, r.getName());
    }
    return created(span, "committed", r.getKey(), "", r.getLabelsCount());
  }, Operation::nothing),
  REMOVE("Remove", MethodType.UNARY, keyOnly(RemoveSnapshotRequest.parser(), RemoveSnapshotRequest::getKey),
      Operation::nothing),
  STAT("Stat", MethodType.UNARY, keyOnly(StatSnapshotRequest.parser(), StatSnapshotRequest::getKey),
      (response, span, tally) -> describeInfo(StatSnapshotResponse.parseFrom(response).getInfo(), span, true)),
  UPDATE("Update", MethodType.UNARY, (request, span) -> {
    UpdateSnapshotRequest r = UpdateSnapshotRequest.parseFrom(request);
    if (r.getUpdateMask().getPathsCount() > 0) {
      span.setAttribute(SNAPSHOT_UPDATE_PATHS, List.copyOf(r.getUpdateMask().getPathsList()));
    }
    span.setAttribute(SNAPSHOT_LABELS_COUNT, r.getInfo().getLabelsCount());
    return keyed(span, r.getInfo().getName());
  }, (response, span, tally) -> describeInfo(UpdateSnapshotResponse.parseFrom(response).getInfo(), span, false)),
  /** Traced as {@code snapshotter.Walk}, the name of the snapshotter operation it serves. */
  LIST("List", MethodType.SERVER_STREAMING, (request, span) -> {
    ListSnapshotsRequest r = ListSnapshotsRequest.parseFrom(request);
    if (r.getFiltersCount() > 0) {
      span.setAttribute(SNAPSHOT_FILTERS, List.copyOf(r.getFiltersList()));
    }
    return null;
  }, (response, span, tally) -> tally.count += countField(response, 1)) { // pages counted, never decoded
    @Override
    void finish(Span span, Tally tally) {
      span.setAttribute(SNAPSHOT_COUNT, tally.count);
    }
  },
  USAGE("Usage", MethodType.UNARY, keyOnly(UsageRequest.parser(), UsageRequest::getKey), (response, span, tally) -> {
    UsageResponse usage = UsageResponse.parseFrom(response);
    span.setAttribute(SNAPSHOT_USAGE_SIZE, usage.getSize());
    span.setAttribute(SNAPSHOT_USAGE_INODES, usage.getInodes());
  }),
  CLEANUP("Cleanup", MethodType.UNARY, (request, span) -> null, Operation::nothing);

  /** The RPC's name in the service ({@code Prepare}). */
  final String rpcName;
  /** The span name ({@code snapshotter.Prepare}; {@code snapshotter.Walk} for List). */
  final String spanName;
  final MethodType type;
  private final RequestReader requestReader;
  private final ResponseReader responseReader;

  Operation(String rpcName, MethodType type, RequestReader requestReader, ResponseReader responseReader) {
    this.rpcName = rpcName;
    this.spanName = "snapshotter." + (rpcName.equals("List") ? "Walk" : rpcName);
    this.type = type;
    this.requestReader = requestReader;
    this.responseReader = responseReader;
  }

  /** What an operation reads from its request's bytes. */
  @FunctionalInterface
  private interface RequestReader {
    String read(byte[] request, SpanBuilder span) throws IOException;
  }

  /** What an operation reads from one answer message's bytes. */
  @FunctionalInterface
  private interface ResponseReader {
    void read(byte[] response, Span span, Tally tally) throws IOException;
  }

  /**
   * Puts the request's attributes on the span builder.
   *
   * @return the snapshot key the operation works on, or null
   * @throws IOException if the request does not parse (the span then gets no further attributes)
   */
  String describeRequest(byte[] request, SpanBuilder span) throws IOException {
    return requestReader.read(request, span);
  }

  /** Adds what one answer message says to a recording span; most answers say nothing of interest. */
  void describeResponse(byte[] response, Span span, Tally tally) throws IOException {
    responseReader.read(response, span, tally);
  }

  /** Adds what the answers said in sum, once, before a recording span ends. */
  void finish(Span span, Tally tally) {}

  /** What an operation accumulates over a streamed answer. */
  static final class Tally {
    long count;
  }

  /** The request of an operation whose only attribute is the key it names. */
  private static <M> RequestReader keyOnly(Parser<M> parser, Function<M, String> key) {
    return (request, span) -> keyed(span, key.apply(parser.parseFrom(request)));
  }

  /** Prepare, View and Commit: the snapshot they create, its kind, its parent and how many labels it gets. */
  private static String created(SpanBuilder span, String kind, String key, String parent, int labelsCount) {
    span.setAttribute(SNAPSHOT_KIND, kind).setAttribute(SNAPSHOT_LABELS_COUNT, labelsCount);
    if (!parent.isEmpty()) {
      span.setAttribute(SNAPSHOT_PARENT, parent);
    }
    return keyed(span, key);
  }

  private static String keyed(SpanBuilder span, String key) {
    if (!key.isEmpty()) {
      span.setAttribute(SNAPSHOT_KEY, key);
    }
    return key;
  }

  private static void nothing(byte[] response, Span span, Tally tally) {}

  /** The mounts an answer of Prepare, View or Mounts carries (field 1), counted without decoding them. */
  private static void countMounts(byte[] response, Span span, Tally tally) throws IOException {
    span.setAttribute(SNAPSHOT_MOUNTS_COUNT, countField(response, 1));
  }

  /** The kind and parent of a Stat or Update answer's snapshot, and for Stat the labels it holds. */
  private static void describeInfo(Info info, Span span, boolean labels) {
    span.setAttribute(SNAPSHOT_KIND, kind(info));
    if (!info.getParent().isEmpty()) {
      span.setAttribute(SNAPSHOT_PARENT, info.getParent());
    }
    if (labels) {
      span.setAttribute(SNAPSHOT_LABELS_COUNT, info.getLabelsCount());
    }
  }

  private static String kind(Info info) {
    // UNKNOWN, VIEW, ACTIVE, COMMITTED; an upstream's newer value prints as its number
    return switch (info.getKindValue()) {
      case 1 -> "view";
      case 2 -> "active";
      case 3 -> "committed";
      case 0 -> "unknown";
      default -> Integer.toString(info.getKindValue());
    };
  }

  /** How many times field {@code number} occurs at the top level of a message, without decoding it. */
  static long countField(byte[] message, int number) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(message);
    long count = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (WireFormat.getTagFieldNumber(tag) == number) {
        count++;
      }
      if (!in.skipField(tag)) {
        throw new InvalidProtocolBufferException("end-group tag at the top level");
      }
    }
    return count;
  }

  /** The operation for an RPC name, or null for one this build does not know. */
  static Operation forRpc(String rpcName) {
    for (Operation operation : values()) {
      if (operation.rpcName.equals(rpcName)) {
        return operation;
      }
    }
    return null;
  }
}

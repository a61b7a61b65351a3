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

/**
 * The {@code Snapshots} RPCs as the proxy traces them: the span name (the same as
 * {@link dev.acitrace.snapshotter.TracingSnapshotter}'s for the operation, so one query finds both), the
 * attributes read from the request (before the span starts, so samplers see them) and those read from
 * the answer (only when the span records). The bytes forwarded are never the parsed objects: a request
 * that does not parse is still forwarded unchanged, its span just carries no attributes.
 */
enum Operation {
  PREPARE("Prepare", "snapshotter.Prepare", MethodType.UNARY) {
    @Override
    String describeRequest(byte[] request, SpanBuilder span) throws IOException {
      PrepareSnapshotRequest r = PrepareSnapshotRequest.parseFrom(request);
      keyed(span, r.getKey()).setAttribute(SNAPSHOT_KIND, "active")
          .setAttribute(SNAPSHOT_LABELS_COUNT, r.getLabelsCount());
      parent(span, r.getParent());
      return r.getKey();
    }

    @Override
    void describeResponse(byte[] response, Span span, Tally tally) throws IOException {
      describeMounts(response, span);
    }
  },
  VIEW("View", "snapshotter.View", MethodType.UNARY) {
    @Override
    String describeRequest(byte[] request, SpanBuilder span) throws IOException {
      ViewSnapshotRequest r = ViewSnapshotRequest.parseFrom(request);
      keyed(span, r.getKey()).setAttribute(SNAPSHOT_KIND, "view")
          .setAttribute(SNAPSHOT_LABELS_COUNT, r.getLabelsCount());
      parent(span, r.getParent());
      return r.getKey();
    }

    @Override
    void describeResponse(byte[] response, Span span, Tally tally) throws IOException {
      describeMounts(response, span);
    }
  },
  MOUNTS("Mounts", "snapshotter.Mounts", MethodType.UNARY) {
    @Override
    String describeRequest(byte[] request, SpanBuilder span) throws IOException {
      String key = MountsRequest.parseFrom(request).getKey();
      keyed(span, key);
      return key;
    }

    @Override
    void describeResponse(byte[] response, Span span, Tally tally) throws IOException {
      describeMounts(response, span);
    }
  },
  COMMIT("Commit", "snapshotter.Commit", MethodType.UNARY) {
    @Override
    String describeRequest(byte[] request, SpanBuilder span) throws IOException {
      CommitSnapshotRequest r = CommitSnapshotRequest.parseFrom(request);
      keyed(span, r.getKey()).setAttribute(SNAPSHOT_KIND, "committed")
          .setAttribute(SNAPSHOT_LABELS_COUNT, r.getLabelsCount());
      if (!r.getName().isEmpty()) {
        span.setAttribute(SNAPSHOT_NAME, r.getName());
      }
      return r.getKey();
    }
  },
  REMOVE("Remove", "snapshotter.Remove", MethodType.UNARY) {
    @Override
    String describeRequest(byte[] request, SpanBuilder span) throws IOException {
      String key = RemoveSnapshotRequest.parseFrom(request).getKey();
      keyed(span, key);
      return key;
    }
  },
  STAT("Stat", "snapshotter.Stat", MethodType.UNARY) {
    @Override
    String describeRequest(byte[] request, SpanBuilder span) throws IOException {
      String key = StatSnapshotRequest.parseFrom(request).getKey();
      keyed(span, key);
      return key;
    }

    @Override
    void describeResponse(byte[] response, Span span, Tally tally) throws IOException {
      describeInfo(StatSnapshotResponse.parseFrom(response).getInfo(), span);
    }
  },
  UPDATE("Update", "snapshotter.Update", MethodType.UNARY) {
    @Override
    String describeRequest(byte[] request, SpanBuilder span) throws IOException {
      UpdateSnapshotRequest r = UpdateSnapshotRequest.parseFrom(request);
      String key = r.getInfo().getName();
      keyed(span, key).setAttribute(SNAPSHOT_LABELS_COUNT, r.getInfo().getLabelsCount());
      if (r.getUpdateMask().getPathsCount() > 0) {
        span.setAttribute(SNAPSHOT_UPDATE_PATHS, List.copyOf(r.getUpdateMask().getPathsList()));
      }
      return key;
    }

    @Override
    void describeResponse(byte[] response, Span span, Tally tally) throws IOException {
      describeKindAndParent(UpdateSnapshotResponse.parseFrom(response).getInfo(), span);
    }
  },
  LIST("List", "snapshotter.Walk", MethodType.SERVER_STREAMING) {
    @Override
    String describeRequest(byte[] request, SpanBuilder span) throws IOException {
      ListSnapshotsRequest r = ListSnapshotsRequest.parseFrom(request);
      if (r.getFiltersCount() > 0) {
        span.setAttribute(SNAPSHOT_FILTERS, List.copyOf(r.getFiltersList()));
      }
      return null;
    }

    @Override
    void describeResponse(byte[] response, Span span, Tally tally) throws IOException {
      // counted as the pages go by; the pages themselves are never decoded
      tally.count += countField(response, 1);
    }

    @Override
    void finish(Span span, Tally tally) {
      span.setAttribute(SNAPSHOT_COUNT, tally.count);
    }
  },
  USAGE("Usage", "snapshotter.Usage", MethodType.UNARY) {
    @Override
    String describeRequest(byte[] request, SpanBuilder span) throws IOException {
      String key = UsageRequest.parseFrom(request).getKey();
      keyed(span, key);
      return key;
    }

    @Override
    void describeResponse(byte[] response, Span span, Tally tally) throws IOException {
      UsageResponse usage = UsageResponse.parseFrom(response);
      span.setAttribute(SNAPSHOT_USAGE_SIZE, usage.getSize());
      span.setAttribute(SNAPSHOT_USAGE_INODES, usage.getInodes());
    }
  },
  CLEANUP("Cleanup", "snapshotter.Cleanup", MethodType.UNARY) {
    @Override
    String describeRequest(byte[] request, SpanBuilder span) {
      return null;
    }
  };

  /** The RPC's name in the service ({@code Prepare}). */
  final String rpcName;
  /** The span name ({@code snapshotter.Prepare}). */
  final String spanName;
  final MethodType type;

  Operation(String rpcName, String spanName, MethodType type) {
    this.rpcName = rpcName;
    this.spanName = spanName;
    this.type = type;
  }

  /**
   * Puts the request's attributes on the span builder.
   *
   * @return the snapshot key the operation works on, or null
   * @throws IOException if the request does not parse (the span then gets no further attributes)
   */
  abstract String describeRequest(byte[] request, SpanBuilder span) throws IOException;

  /** Adds what one answer message says to a recording span; most answers say nothing of interest. */
  void describeResponse(byte[] response, Span span, Tally tally) throws IOException {}

  /** Adds what the answers said in sum, once, before a recording span ends. */
  void finish(Span span, Tally tally) {}

  /** What an operation accumulates over a streamed answer. */
  static final class Tally {
    long count;
  }

  private static SpanBuilder keyed(SpanBuilder span, String key) {
    if (!key.isEmpty()) {
      span.setAttribute(SNAPSHOT_KEY, key);
    }
    return span;
  }

  private static void parent(SpanBuilder span, String parent) {
    if (!parent.isEmpty()) {
      span.setAttribute(SNAPSHOT_PARENT, parent);
    }
  }

  /** The mounts an answer of Prepare, View or Mounts carries (field 1), counted without decoding them. */
  private static void describeMounts(byte[] response, Span span) throws IOException {
    span.setAttribute(SNAPSHOT_MOUNTS_COUNT, countField(response, 1));
  }

  private static void describeInfo(Info info, Span span) {
    describeKindAndParent(info, span);
    span.setAttribute(SNAPSHOT_LABELS_COUNT, info.getLabelsCount());
  }

  private static void describeKindAndParent(Info info, Span span) {
    span.setAttribute(SNAPSHOT_KIND, kind(info));
    if (!info.getParent().isEmpty()) {
      span.setAttribute(SNAPSHOT_PARENT, info.getParent());
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

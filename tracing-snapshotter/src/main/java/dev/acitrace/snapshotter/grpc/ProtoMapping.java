package dev.acitrace.snapshotter.grpc;

import com.google.protobuf.Timestamp;
import dev.acitrace.snapshotter.Kind;
import dev.acitrace.snapshotter.Mount;
import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.Usage;
import dev.acitrace.snapshotter.proto.Info;
import dev.acitrace.snapshotter.proto.UsageResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Conversions between the wire messages and the API values. */
final class ProtoMapping {

  private ProtoMapping() {}

  static Info toProto(SnapshotInfo info) {
    return Info.newBuilder()
        .setName(info.name())
        .setParent(info.parent())
        .setKind(toProto(info.kind()))
        .setCreatedAt(toProto(info.createdAt()))
        .setUpdatedAt(toProto(info.updatedAt()))
        .putAllLabels(info.labels())
        .build();
  }

  static SnapshotInfo fromProto(Info info) {
    return new SnapshotInfo(info.getName(), info.getParent(), fromProto(info.getKind()),
        fromProto(info.getCreatedAt()), fromProto(info.getUpdatedAt()), info.getLabelsMap());
  }

  static dev.acitrace.snapshotter.proto.Kind toProto(Kind kind) {
    return switch (kind) {
      case VIEW -> dev.acitrace.snapshotter.proto.Kind.VIEW;
      case ACTIVE -> dev.acitrace.snapshotter.proto.Kind.ACTIVE;
      case COMMITTED -> dev.acitrace.snapshotter.proto.Kind.COMMITTED;
      case UNKNOWN -> dev.acitrace.snapshotter.proto.Kind.UNKNOWN;
    };
  }

  static Kind fromProto(dev.acitrace.snapshotter.proto.Kind kind) {
    return switch (kind) {
      case VIEW -> Kind.VIEW;
      case ACTIVE -> Kind.ACTIVE;
      case COMMITTED -> Kind.COMMITTED;
      default -> Kind.UNKNOWN; // includes values a newer peer may send
    };
  }

  static Timestamp toProto(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  static Instant fromProto(Timestamp timestamp) {
    // containerd sends Go's zero time (0001-01-01, seconds = -62135596800) in updates; Instant holds it
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }

  static dev.acitrace.snapshotter.proto.Mount toProto(Mount mount) {
    return dev.acitrace.snapshotter.proto.Mount.newBuilder()
        .setType(mount.type())
        .setSource(mount.source())
        .setTarget(mount.target())
        .addAllOptions(mount.options())
        .build();
  }

  static List<dev.acitrace.snapshotter.proto.Mount> toProto(List<Mount> mounts) {
    List<dev.acitrace.snapshotter.proto.Mount> result = new ArrayList<>(mounts.size());
    for (Mount mount : mounts) {
      result.add(toProto(mount));
    }
    return result;
  }

  static List<Mount> fromProto(List<dev.acitrace.snapshotter.proto.Mount> mounts) {
    List<Mount> result = new ArrayList<>(mounts.size());
    for (dev.acitrace.snapshotter.proto.Mount m : mounts) {
      result.add(new Mount(m.getType(), m.getSource(), m.getTarget(), m.getOptionsList()));
    }
    return List.copyOf(result);
  }

  static UsageResponse toProto(Usage usage) {
    return UsageResponse.newBuilder().setSize(usage.size()).setInodes(usage.inodes()).build();
  }
}

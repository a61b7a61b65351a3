package dev.acitrace.snapshotter.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import dev.acitrace.snapshotter.AlreadyExistsException;
import dev.acitrace.snapshotter.FailedPreconditionException;
import dev.acitrace.snapshotter.InvalidArgumentException;
import dev.acitrace.snapshotter.Kind;
import dev.acitrace.snapshotter.Mount;
import dev.acitrace.snapshotter.NotFoundException;
import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.Snapshotter;
import dev.acitrace.snapshotter.Usage;
import dev.acitrace.snapshotter.fs.DirectorySnapshotter;
import dev.acitrace.snapshotter.proto.CommitSnapshotRequest;
import dev.acitrace.snapshotter.proto.Info;
import dev.acitrace.snapshotter.proto.ListSnapshotsRequest;
import dev.acitrace.snapshotter.proto.ListSnapshotsResponse;
import dev.acitrace.snapshotter.proto.MountsRequest;
import dev.acitrace.snapshotter.proto.PrepareSnapshotRequest;
import dev.acitrace.snapshotter.proto.RemoveSnapshotRequest;
import dev.acitrace.snapshotter.proto.StatSnapshotRequest;
import dev.acitrace.snapshotter.proto.UpdateSnapshotRequest;
import dev.acitrace.snapshotter.proto.UpdateSnapshotResponse;
import dev.acitrace.snapshotter.proto.UsageRequest;
import dev.acitrace.snapshotter.proto.ViewSnapshotRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotsServiceTest {

  /** What containerd sends as created/updated times in Update requests: Go's zero time. */
  private static final Timestamp GO_ZERO_TIME = Timestamp.newBuilder().setSeconds(-62135596800L).build();

  @TempDir
  Path temp;

  private DirectorySnapshotter directory;
  private Server server;
  private ManagedChannel channel;
  private SnapshotsClient client;

  @BeforeEach
  void start() throws IOException {
    directory = DirectorySnapshotter.open(temp.resolve("root"));
    serve(directory);
  }

  private void serve(Snapshotter snapshotter) throws IOException {
    stop();
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(SnapshotsService.bind(snapshotter)).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    client = SnapshotsClient.create(channel, "acitrace");
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.shutdownNow();
    }
  }

  @AfterEach
  void closeSnapshotter() {
    directory.close();
  }

  @Test
  void everyRpc_roundTripsThroughTheClient() throws IOException {
    List<Mount> mounts = client.prepare("k", "", Map.of("a", "1"));
    assertThat(mounts).singleElement().satisfies(m -> {
      assertThat(m.type()).isEqualTo("bind");
      assertThat(m.options()).containsExactly("rbind", "rw");
    });
    Files.writeString(Path.of(mounts.get(0).source()).resolve("f"), "hello");
    assertThat(client.mounts("k")).isEqualTo(mounts);
    client.commit("c", "k", Map.of("b", "2"));
    assertThat(client.view("v", "c", Map.of())).singleElement()
        .satisfies(m -> assertThat(m.options()).containsExactly("rbind", "ro"));

    SnapshotInfo info = client.stat("c");
    assertThat(info.kind()).isEqualTo(Kind.COMMITTED);
    assertThat(info.labels()).containsExactly(Map.entry("b", "2"));
    assertThat(info).isEqualTo(directory.stat("c"));

    assertThat(client.usage("c")).isEqualTo(directory.usage("c"));
    assertThat(client.usage("c").inodes()).isEqualTo(2);

    SnapshotInfo updated = client.update(SnapshotInfo.forUpdate("c", Map.of("x", "y")), List.of("labels.x"));
    assertThat(updated.labels()).containsOnly(Map.entry("b", "2"), Map.entry("x", "y"));

    assertThat(client.list()).extracting(SnapshotInfo::name).containsExactlyInAnyOrder("c", "v");
    assertThat(client.list("kind==view")).extracting(SnapshotInfo::name).containsExactly("v");

    Path orphan = Files.createDirectories(directory.root().resolve("snapshots/4242"));
    client.cleanup();
    assertThat(orphan).doesNotExist();

    client.remove("v");
    client.remove("c");
    assertThat(client.list()).isEmpty();
  }

  @Test
  void snapshotterErrors_mapToContainerdsStatusCodes_andBackToExceptions() {
    client.prepare("k", "", Map.of());
    client.prepare("a", "", Map.of());
    client.commit("p", "a", Map.of());
    client.prepare("child", "p", Map.of());

    assertCode(SnapshotsRpc.STAT, StatSnapshotRequest.newBuilder().setKey("nope").build(), Status.Code.NOT_FOUND);
    assertCode(SnapshotsRpc.PREPARE, PrepareSnapshotRequest.newBuilder().setKey("k").build(),
        Status.Code.ALREADY_EXISTS);
    assertCode(SnapshotsRpc.REMOVE, RemoveSnapshotRequest.newBuilder().setKey("p").build(),
        Status.Code.FAILED_PRECONDITION);
    assertCode(SnapshotsRpc.PREPARE, PrepareSnapshotRequest.newBuilder().setKey("x").setParent("k").build(),
        Status.Code.INVALID_ARGUMENT);

    assertThatThrownBy(() -> client.stat("nope")).isInstanceOf(NotFoundException.class).hasMessageContaining("nope");
    assertThatThrownBy(() -> client.prepare("k", "", Map.of())).isInstanceOf(AlreadyExistsException.class);
    assertThatThrownBy(() -> client.remove("p")).isInstanceOf(FailedPreconditionException.class);
    assertThatThrownBy(() -> client.mounts("p")).isInstanceOf(FailedPreconditionException.class);
    assertThatThrownBy(() -> client.list("name==")).isInstanceOf(InvalidArgumentException.class);
  }

  @Test
  void requestsMissingRequiredFields_areInvalidArgument_neverACrash() {
    assertInvalid(SnapshotsRpc.UPDATE, UpdateSnapshotRequest.getDefaultInstance(), "info");
    assertInvalid(SnapshotsRpc.UPDATE, UpdateSnapshotRequest.newBuilder()
        .setInfo(Info.newBuilder().putLabels("a", "b")).build(), "info.name");
    assertInvalid(SnapshotsRpc.PREPARE, PrepareSnapshotRequest.getDefaultInstance(), "key");
    assertInvalid(SnapshotsRpc.VIEW, ViewSnapshotRequest.getDefaultInstance(), "key");
    assertInvalid(SnapshotsRpc.MOUNTS, MountsRequest.getDefaultInstance(), "key");
    assertInvalid(SnapshotsRpc.REMOVE, RemoveSnapshotRequest.getDefaultInstance(), "key");
    assertInvalid(SnapshotsRpc.STAT, StatSnapshotRequest.getDefaultInstance(), "key");
    assertInvalid(SnapshotsRpc.USAGE, UsageRequest.getDefaultInstance(), "key");
    assertInvalid(SnapshotsRpc.COMMIT, CommitSnapshotRequest.newBuilder().setKey("k").build(), "name");
    assertInvalid(SnapshotsRpc.COMMIT, CommitSnapshotRequest.newBuilder().setName("n").build(), "key");
    assertInvalid(SnapshotsRpc.UPDATE, UpdateSnapshotRequest.newBuilder()
        .setInfo(Info.newBuilder().setName("k"))
        .setUpdateMask(FieldMask.newBuilder().addPaths("kind")).build(), "kind");
    // the service is still fine afterwards
    assertThat(client.list()).isEmpty();
  }

  @Test
  void update_asContainerdSendsIt_zeroTimesAndLabelPaths() {
    client.prepare("default/1/k", "", Map.of("containerd.io/snapshot/old", "x", "keep", "1"));
    UpdateSnapshotRequest request = UpdateSnapshotRequest.newBuilder()
        .setSnapshotter("acitrace")
        .setInfo(Info.newBuilder().setName("default/1/k")
            .setCreatedAt(GO_ZERO_TIME).setUpdatedAt(GO_ZERO_TIME)
            .putLabels("containerd.io/snapshot/new", "y"))
        .setUpdateMask(FieldMask.newBuilder()
            .addPaths("labels.containerd.io/snapshot/new")
            .addPaths("labels.containerd.io/snapshot/old"))
        .build();

    UpdateSnapshotResponse response =
        ClientCalls.blockingUnaryCall(channel, SnapshotsRpc.UPDATE, CallOptions.DEFAULT, request);

    assertThat(response.getInfo().getLabelsMap())
        .containsOnly(Map.entry("containerd.io/snapshot/new", "y"), Map.entry("keep", "1"));
    assertThat(response.getInfo().getKind()).isEqualTo(dev.acitrace.snapshotter.proto.Kind.ACTIVE);
    assertThat(response.getInfo().getCreatedAt().getSeconds()).isGreaterThan(0);
  }

  @Test
  void list_batchesByEncodedSize_notByCount() throws IOException {
    List<SnapshotInfo> many = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      many.add(new SnapshotInfo("s" + i, "", Kind.COMMITTED, Instant.EPOCH, Instant.EPOCH, Map.of()));
    }
    // four snapshots of ~1.2 MB each: two fit a message, three do not
    Map<String, String> big = new java.util.HashMap<>();
    for (int i = 0; i < 300; i++) {
      big.put("label-" + i, "v".repeat(4000));
    }
    for (int i = 0; i < 4; i++) {
      many.add(new SnapshotInfo("big" + i, "", Kind.COMMITTED, Instant.EPOCH, Instant.EPOCH, big));
    }
    serve(new FixedSnapshotter(many, null));

    Iterator<ListSnapshotsResponse> responses = ClientCalls.blockingServerStreamingCall(
        channel, SnapshotsRpc.LIST, CallOptions.DEFAULT, ListSnapshotsRequest.getDefaultInstance());
    List<Integer> counts = new ArrayList<>();
    List<Integer> bytes = new ArrayList<>();
    responses.forEachRemaining(r -> {
      counts.add(r.getInfoCount());
      bytes.add(r.getSerializedSize());
    });

    assertThat(counts).containsExactly(252, 2);
    assertThat(bytes).allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(SnapshotsService.LIST_BATCH_BYTES));
    assertThat(client.list()).extracting(SnapshotInfo::name).hasSize(254).startsWith("s0", "s1");
  }

  @Test
  void list_empty_completesWithNoMessage() {
    Iterator<ListSnapshotsResponse> responses = ClientCalls.blockingServerStreamingCall(
        channel, SnapshotsRpc.LIST, CallOptions.DEFAULT, ListSnapshotsRequest.getDefaultInstance());
    assertThat(responses.hasNext()).isFalse();
  }

  @Test
  void unexpectedFailure_isInternal_andClosedSnapshotterIsUnavailable() throws IOException {
    serve(new FixedSnapshotter(List.of(), new UncheckedIOException(new IOException("disk on fire"))));
    assertCode(SnapshotsRpc.STAT, StatSnapshotRequest.newBuilder().setKey("k").build(), Status.Code.INTERNAL);
    assertThatThrownBy(() -> client.list())
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
          assertThat(e.getStatus().getDescription()).contains("disk on fire");
        });

    // an IllegalStateException that is not "closed" is a bug, not a service going away
    serve(new FixedSnapshotter(List.of(), new IllegalStateException("broken invariant")));
    assertCode(SnapshotsRpc.STAT, StatSnapshotRequest.newBuilder().setKey("k").build(), Status.Code.INTERNAL);

    serve(directory);
    directory.close();
    assertCode(SnapshotsRpc.STAT, StatSnapshotRequest.newBuilder().setKey("k").build(), Status.Code.UNAVAILABLE);
  }

  @Test
  void remoteStatusFromASnapshotterThatIsAClient_isPassedOn() throws IOException {
    serve(new FixedSnapshotter(List.of(), Status.RESOURCE_EXHAUSTED.withDescription("upstream full").asRuntimeException()));
    assertCode(SnapshotsRpc.USAGE, UsageRequest.newBuilder().setKey("k").build(), Status.Code.RESOURCE_EXHAUSTED);
    assertThatThrownBy(() -> client.list())
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
          assertThat(e.getStatus().getDescription()).isEqualTo("upstream full");
        });
  }

  @Test
  void proxyChain_clientAsSnapshotterOfAnotherService_keepsErrorsTyped() throws IOException {
    // a second service whose snapshotter is a client of the first: what a proxy of a proxy does
    String name = InProcessServerBuilder.generateName();
    Server proxy = InProcessServerBuilder.forName(name).directExecutor()
        .addService(SnapshotsService.bind(client)).build().start();
    ManagedChannel proxyChannel = InProcessChannelBuilder.forName(name).directExecutor().build();
    try {
      SnapshotsClient viaProxy = SnapshotsClient.create(proxyChannel, "acitrace");
      viaProxy.prepare("k", "", Map.of());
      assertThat(directory.stat("k").kind()).isEqualTo(Kind.ACTIVE);
      assertThatThrownBy(() -> viaProxy.prepare("k", "", Map.of())).isInstanceOf(AlreadyExistsException.class);
      assertThatThrownBy(() -> viaProxy.stat("nope")).isInstanceOf(NotFoundException.class);
    } finally {
      proxyChannel.shutdownNow();
      proxy.shutdownNow();
    }
  }

  @Test
  void serviceDescriptor_hasContainerdsNameAndAllTenMethods() {
    assertThat(SnapshotsService.SERVICE_NAME).isEqualTo("containerd.services.snapshots.v1.Snapshots");
    assertThat(SnapshotsRpc.SERVICE.getMethods()).extracting(MethodDescriptor::getBareMethodName)
        .containsExactlyInAnyOrder("Prepare", "View", "Mounts", "Commit", "Remove", "Stat", "Update", "List",
            "Usage", "Cleanup");
    assertThat(SnapshotsRpc.LIST.getType()).isEqualTo(MethodDescriptor.MethodType.SERVER_STREAMING);
    // the hand-built descriptors agree with the .proto service definition
    var proto = dev.acitrace.snapshotter.proto.SnapshotsProto.getDescriptor().findServiceByName("Snapshots");
    assertThat(proto.getFullName()).isEqualTo(SnapshotsService.SERVICE_NAME);
    for (MethodDescriptor<?, ?> method : SnapshotsRpc.SERVICE.getMethods()) {
      var declared = proto.findMethodByName(method.getBareMethodName());
      assertThat(declared).as(method.getFullMethodName()).isNotNull();
      assertThat(declared.isServerStreaming()).isEqualTo(method.getType() == MethodDescriptor.MethodType.SERVER_STREAMING);
    }
  }

  @Test
  void generatedMessages_printOnTheModulePath() {
    // protobuf's toString reflects on the generated classes: the package must be exported to it
    assertThat(StatSnapshotRequest.newBuilder().setKey("k").build().toString()).contains("key: \"k\"");
  }

  private <Q> void assertCode(MethodDescriptor<Q, ?> method, Q request, Status.Code code) {
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT, request))
        .as(method.getFullMethodName())
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
  }

  private <Q> void assertInvalid(MethodDescriptor<Q, ?> method, Q request, String field) {
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT, request))
        .as(method.getFullMethodName() + " without " + field)
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains(field);
        });
  }

  /** Walks a fixed list; every other operation throws {@code failure} (or is unsupported). */
  private record FixedSnapshotter(List<SnapshotInfo> infos, RuntimeException failure) implements Snapshotter {
    private RuntimeException fail() {
      return failure != null ? failure : new UnsupportedOperationException();
    }

    @Override
    public SnapshotInfo stat(String key) {
      throw fail();
    }

    @Override
    public SnapshotInfo update(SnapshotInfo info, List<String> fieldPaths) {
      throw fail();
    }

    @Override
    public Usage usage(String key) {
      throw fail();
    }

    @Override
    public List<Mount> mounts(String key) {
      throw fail();
    }

    @Override
    public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
      throw fail();
    }

    @Override
    public List<Mount> view(String key, String parent, Map<String, String> labels) {
      throw fail();
    }

    @Override
    public void commit(String name, String key, Map<String, String> labels) {
      throw fail();
    }

    @Override
    public void remove(String key) {
      throw fail();
    }

    @Override
    public void walk(Consumer<? super SnapshotInfo> visitor, List<String> filters) {
      if (failure != null) {
        throw failure;
      }
      infos.forEach(visitor);
    }

    @Override
    public void cleanup() {
      throw fail();
    }

    @Override
    public void close() {}
  }
}

package dev.acitrace.snapshotter.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.acitrace.snapshotter.Kind;
import dev.acitrace.snapshotter.SnapshotInfo;
import dev.acitrace.snapshotter.Snapshotter;
import dev.acitrace.snapshotter.grpc.SnapshotsClient;
import io.grpc.ManagedChannel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety, proven the hard way: clients drive Prepare/Commit/Remove against the service running as
 * its own process, the process is killed with SIGKILL at a random moment, and a new process on the same
 * root must hold every acknowledged change, answer every call about every snapshot without error, and
 * have recovered its root within 2 seconds. Twenty-two kills.
 */
class KillRecoveryTest {

  private static final Logger logger = Logger.getLogger(KillRecoveryTest.class.getName());
  private static final int KILLS = 22;
  private static final long RESTART_LIMIT_MILLIS = 2_000;
  private static final Pattern OPENED = Pattern.compile("root opened in (\\d+) ms");

  @TempDir
  Path temp;

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killLeftovers() throws InterruptedException {
    for (Process process : processes) {
      if (process.isAlive()) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void sigkillAtRandomMoments_loseNoAcknowledgedChange_andLeaveNoHalfState() throws Exception {
    Path root = temp.resolve("root");
    Path socket = temp.resolve("s.sock");
    Random random = new Random();
    long seed = random.nextLong();
    random.setSeed(seed);
    logger.info("seed " + seed);
    Set<String> committed = ConcurrentHashMap.newKeySet();  // acknowledged commits, not removed since
    Set<String> removed = ConcurrentHashMap.newKeySet();    // acknowledged removes
    List<Long> restartMillis = new ArrayList<>();
    long acknowledged = 0;

    Process server = serve(root, socket, restartMillis);
    for (int kill = 0; kill < KILLS; kill++) {
      ManagedChannel channel = SnapshotsClient.unixChannel(socket).build();
      Snapshotter client = SnapshotsClient.create(channel, "acitrace");
      String base = "base-" + kill;
      client.prepare(base + "-active", "", Map.of());
      client.commit(base, base + "-active", Map.of());
      AtomicBoolean stop = new AtomicBoolean();
      long[] acks = new long[2];
      List<Thread> drivers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        int thread = t;
        String prefix = "k" + kill + "/t" + t + "/";
        Thread driver = new Thread(() -> acks[thread] = drive(client, prefix, base, committed, removed, stop));
        driver.start();
        drivers.add(driver);
      }
      Thread.sleep(50 + random.nextInt(400));
      server.destroyForcibly(); // SIGKILL, mid-operation
      assertThat(server.waitFor(10, TimeUnit.SECONDS)).isTrue();
      stop.set(true);
      for (Thread driver : drivers) {
        driver.join(TimeUnit.SECONDS.toMillis(30));
      }
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      acknowledged += acks[0] + acks[1];

      server = serve(root, socket, restartMillis);
      long verifyStart = System.nanoTime();
      verify(socket, root, committed, removed);
      long verifyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - verifyStart);
      logger.info(() -> "verified " + committed.size() + " commits in " + verifyMillis + " ms");
    }
    server.destroy();
    server.waitFor(20, TimeUnit.SECONDS);

    logger.info(() -> KILLS + " kills, restarts (ms): " + restartMillis);
    assertThat(acknowledged).as("operations acknowledged between kills").isGreaterThan(KILLS);
    assertThat(committed).isNotEmpty();
    // the restart's own work (database recovery, scanning for leftovers); the JVM's start-up around it
    // depends on the machine's load and is logged, not asserted
    assertThat(restartMillis).as("time to open the root after a SIGKILL, per restart (ms)")
        .allSatisfy(ms -> assertThat(ms).isLessThan(RESTART_LIMIT_MILLIS));
  }

  /** Prepare, write, commit, and now and then remove, until the service dies; returns the acknowledgements. */
  private static long drive(Snapshotter client, String prefix, String base, Set<String> committed,
      Set<String> removed, AtomicBoolean stop) {
    long acks = 0;
    List<String> mine = new ArrayList<>();
    for (int i = 0; !stop.get(); i++) {
      try {
        String name = prefix + i;
        String dir = client.prepare(name + "-active", i % 2 == 0 ? base : "", Map.of("i", Integer.toString(i)))
            .get(0).source();
        acks++;
        Files.writeString(Path.of(dir).resolve("data"), name);
        client.commit(name, name + "-active", Map.of("committed", "yes"));
        committed.add(name);
        mine.add(name);
        acks++;
        if (i % 3 == 2) {
          String victim = mine.remove(0);
          committed.remove(victim); // in flight, its outcome is unknown until acknowledged
          client.remove(victim);
          removed.add(victim);
          acks++;
        }
      } catch (RuntimeException e) {
        return acks; // the service is gone: whatever was in flight is unknown, not acknowledged
      } catch (IOException e) {
        return acks;
      }
    }
    return acks;
  }

  private static void verify(Path socket, Path root, Set<String> committed, Set<String> removed)
      throws Exception {
    ManagedChannel channel = SnapshotsClient.unixChannel(socket).build();
    try {
      Snapshotter client = SnapshotsClient.create(channel, "acitrace");
      Map<String, SnapshotInfo> all = new HashMap<>();
      for (SnapshotInfo info : client.list()) {
        all.put(info.name(), info);
      }
      for (String name : committed) {
        assertThat(all).as("acknowledged commit of " + name).containsKey(name);
        assertThat(all.get(name).kind()).as(name).isEqualTo(Kind.COMMITTED);
        assertThat(all.get(name).labels()).as(name).containsEntry("committed", "yes");
      }
      for (String name : removed) {
        assertThat(all).as("acknowledged remove of " + name).doesNotContainKey(name);
      }
      // no half state: an active snapshot left by a crash answers every call and has its directory
      for (SnapshotInfo info : all.values()) {
        if (info.kind() == Kind.ACTIVE) {
          assertThat(client.stat(info.name())).isEqualTo(info);
          assertThat(client.usage(info.name()).inodes()).as(info.name()).isPositive();
          assertThat(Path.of(client.mounts(info.name()).get(0).source())).isDirectory();
        }
      }
      // a crash leaves only unreferenced directories, which cleanup removes: afterwards one per snapshot
      client.cleanup();
      try (Stream<Path> directories = Files.list(root.resolve("snapshots"))) {
        assertThat(directories.count()).isEqualTo(all.size());
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private Process serve(Path root, Path socket, List<Long> restartMillis) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    String modulePath = System.getProperty("jdk.module.path");
    assertThat(modulePath).as("tests run on the module path").isNotBlank();
    Path log = temp.resolve("stderr-" + processes.size() + ".log");
    long start = System.nanoTime();
    // surefire puts the jars only automatic modules need (e.g. opentelemetry-common) on the class path
    Process process = new ProcessBuilder(java,
        "--module-path", modulePath,
        "--class-path", System.getProperty("java.class.path", ""),
        "--add-modules", "ALL-MODULE-PATH",
        // sqlite-jdbc extracts its native library per process; a SIGKILLed one leaves it behind
        "-Dorg.sqlite.tmpdir=" + temp,
        "-m", "dev.acitrace.snapshotter/dev.acitrace.snapshotter.launcher.Main",
        // the directory layout: the test reads a child snapshot's files through its bind mount's source
        "serve", "--root", root.toString(), "--backend", "directory", "--socket", socket.toString())
        .redirectError(log.toFile())
        .start();
    processes.add(process);
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine(); // blocks until the server announces itself or the process exits
    if (line == null || !line.contains("serving")) {
      process.waitFor(10, TimeUnit.SECONDS);
      fail("serve did not start: " + line + "\n" + Files.readString(log));
    }
    if (processes.size() > 1) {
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      Matcher opened = OPENED.matcher(line);
      assertThat(opened.find()).as(line).isTrue();
      long recovery = Long.parseLong(opened.group(1));
      restartMillis.add(recovery);
      logger.info(() -> "restart " + (processes.size() - 1) + ": " + line.substring(line.indexOf('('))
          + ", serving " + millis + " ms after launch");
    }
    return process;
  }
}

package dev.acitrace.snapshotter.proxy;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Builds {@code src/test/go/upstream} (containerd's snapshotters behind {@code snapshotservice}, served the
 * way stargz and overlaybd serve theirs) with Debian's {@code golang-go} and
 * {@code golang-github-containerd-containerd-dev}, in GOPATH mode: no network, about 10-20 s.
 */
final class GoUpstream {

  static final String GOCODE = "/usr/share/gocode";

  private GoUpstream() {}

  /** Builds the program into {@code directory}; fails (never skips) when the toolchain is missing. */
  static Path build(Path directory) throws IOException, InterruptedException {
    Path source = Path.of("src/test/go/upstream").toAbsolutePath();
    if (!Files.isDirectory(Path.of(GOCODE, "src/github.com/containerd/containerd/contrib/snapshotservice"))) {
      fail("ACITRACE_GO_UPSTREAM is set but containerd's Go sources are missing: "
          + "apt-get install -y golang-go golang-github-containerd-containerd-dev");
    }
    Path binary = directory.resolve("upstream");
    Path gopath = directory.resolve("gopath");
    Path log = directory.resolve("go-build.log");
    ProcessBuilder build = new ProcessBuilder("go", "build", "-o", binary.toString(), ".")
        .directory(source.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    build.environment().put("GO111MODULE", "off");
    build.environment().put("GOPATH", gopath + ":" + GOCODE);
    build.environment().put("GOCACHE", directory.resolve("gocache").toString());
    build.environment().put("GOFLAGS", "-mod=");
    Process process;
    try {
      process = build.start();
    } catch (IOException e) {
      return fail("ACITRACE_GO_UPSTREAM is set but 'go' cannot run (apt-get install -y golang-go): " + e.getMessage());
    }
    if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
      process.destroyForcibly();
      fail("go build of the upstream failed:\n" + Files.readString(log));
    }
    return binary;
  }
}

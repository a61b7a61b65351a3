package dev.acitrace.snapshotter.fs;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prepare on a committed parent copies like containerd's {@code fs.CopyDir}: special files recreated,
 * never opened; hard links kept; ownership, modes, times and xattrs preserved. Needs root (mknod of
 * devices, chown, trusted.* xattrs), which the snapshotter runs as.
 */
@Timeout(60)
class CopyFidelityTest {

  private static final int S_IFMT = 0170000;
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

  @TempDir Path temp;
  private DirectorySnapshotter snapshotter;
  private Path layer;

  @BeforeAll
  static void asRoot() throws Exception {
    assertThat(Files.getAttribute(Path.of("/proc/self"), "unix:uid")).as("these tests need root").isEqualTo(0);
  }

  @BeforeEach
  void open() throws IOException {
    snapshotter = DirectorySnapshotter.open(temp.resolve("root"));
    layer = Path.of(snapshotter.prepare("layer-active", "", Map.of()).get(0).source());
  }

  @AfterEach
  void close() {
    snapshotter.close();
  }

  /** Commits the layer and prepares a child of it; returns the child's directory. */
  private Path child() {
    snapshotter.commit("layer", "layer-active", Map.of());
    return Path.of(snapshotter.prepare("child", "layer", Map.of()).get(0).source());
  }

  @Test
  void prepare_blockDevice_isRecreatedNotRead() throws Exception {
    run("mknod", layer.resolve("loop").toString(), "b", "7", "0");
    Path child = child();
    assertThat(type(child.resolve("loop"))).as("a block device, not a copy of its data").isEqualTo(060000);
    assertThat(attribute(child.resolve("loop"), "unix:rdev")).isEqualTo(attribute(layer.resolve("loop"), "unix:rdev"));
  }

  @Test
  void prepare_charDeviceAndSocket_areRecreated() throws Exception {
    run("mknod", layer.resolve("null").toString(), "c", "1", "3");
    try (ServerSocketChannel socket = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      socket.bind(UnixDomainSocketAddress.of(layer.resolve("sock")));
    }
    Path child = child();
    assertThat(type(child.resolve("null"))).isEqualTo(020000);
    assertThat(attribute(child.resolve("null"), "unix:rdev")).isEqualTo(attribute(layer.resolve("null"), "unix:rdev"));
    assertThat(type(child.resolve("sock"))).isEqualTo(0140000);
  }

  @Test
  @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a blocked open() ignores interrupts
  void prepare_fifo_isRecreatedWithoutBlocking() throws Exception {
    run("mkfifo", "-m", "0640", layer.resolve("pipe").toString());
    Path child = child();
    assertThat(type(child.resolve("pipe"))).isEqualTo(010000);
    assertThat(mode(child.resolve("pipe"))).isEqualTo(0640);
  }

  @Test
  void prepare_hardLinks_stayLinkedWithinTheChild() throws Exception {
    Files.writeString(layer.resolve("a"), "shared");
    Files.createDirectory(layer.resolve("dir"));
    Files.createLink(layer.resolve("dir/b"), layer.resolve("a"));
    Files.createLink(layer.resolve("c"), layer.resolve("a"));
    Path child = child();
    Object inode = attribute(child.resolve("a"), "unix:ino");
    assertThat(attribute(child.resolve("dir/b"), "unix:ino")).isEqualTo(inode);
    assertThat(attribute(child.resolve("c"), "unix:ino")).isEqualTo(inode);
    assertThat(attribute(child.resolve("a"), "unix:nlink")).isEqualTo(3);
    assertThat(inode).as("a new inode, not the parent's").isNotEqualTo(attribute(layer.resolve("a"), "unix:ino"));
    assertThat(child.resolve("c")).hasContent("shared");
  }

  @Test
  void prepare_times_arePreservedIncludingSymlinksAndDirectories() throws Exception {
    Files.writeString(layer.resolve("file"), "x");
    Files.createDirectory(layer.resolve("dir"));
    Files.createSymbolicLink(layer.resolve("link"), Path.of("file"));
    run("touch", "-h", "-d", "@1000000000.123456789", layer.resolve("link").toString());
    run("touch", "-d", "@1100000000.5", layer.resolve("file").toString());
    run("touch", "-d", "@1200000000", layer.resolve("dir").toString());
    Path child = child();
    assertThat(Files.getLastModifiedTime(child.resolve("link"), NOFOLLOW))
        .isEqualTo(FileTime.from(Instant.ofEpochSecond(1000000000, 123456789)));
    assertThat(Files.getLastModifiedTime(child.resolve("file"), NOFOLLOW))
        .isEqualTo(FileTime.from(Instant.ofEpochSecond(1100000000, 500000000)));
    assertThat(Files.getLastModifiedTime(child.resolve("dir"), NOFOLLOW))
        .isEqualTo(FileTime.from(Instant.ofEpochSecond(1200000000)));
    assertThat(Files.readSymbolicLink(child.resolve("link"))).isEqualTo(Path.of("file"));
  }

  @Test
  void prepare_ownership_isPreservedIncludingSymlinks() throws Exception {
    Files.writeString(layer.resolve("file"), "x");
    Files.createDirectory(layer.resolve("dir"));
    Files.createSymbolicLink(layer.resolve("link"), Path.of("/etc/passwd"));
    run("chown", "1234:5678", layer.resolve("file").toString(), layer.resolve("dir").toString());
    run("chown", "-h", "4321:8765", layer.resolve("link").toString());
    Path child = child();
    assertThat(owner(child.resolve("file"))).containsExactly(1234, 5678);
    assertThat(owner(child.resolve("dir"))).containsExactly(1234, 5678);
    assertThat(owner(child.resolve("link"))).containsExactly(4321, 8765);
    assertThat(owner(Path.of("/etc/passwd"))).as("the link's target untouched").containsExactly(0, 0);
  }

  @Test
  void prepare_modes_arePreservedIncludingSetuidSetgidAndSticky() throws Exception {
    Files.writeString(layer.resolve("setuid"), "x");
    Files.writeString(layer.resolve("setgid"), "x");
    Files.createDirectory(layer.resolve("sticky"));
    Files.writeString(layer.resolve("private"), "x");
    run("chown", "1000:1000", layer.resolve("setuid").toString()); // chown clears setuid: copied before chmod
    run("chmod", "4755", layer.resolve("setuid").toString());
    run("chmod", "2750", layer.resolve("setgid").toString());
    run("chmod", "1777", layer.resolve("sticky").toString());
    run("chmod", "0400", layer.resolve("private").toString());
    run("chmod", "0751", layer.toString());
    Path child = child();
    assertThat(mode(child.resolve("setuid"))).isEqualTo(04755);
    assertThat(mode(child.resolve("setgid"))).isEqualTo(02750);
    assertThat(mode(child.resolve("sticky"))).isEqualTo(01777);
    assertThat(mode(child.resolve("private"))).isEqualTo(0400);
    assertThat(mode(child)).as("the snapshot root takes the parent root's mode").isEqualTo(0751);
  }

  @Test
  void prepare_xattrs_arePreservedUserAndTrusted() throws Exception {
    Files.writeString(layer.resolve("file"), "x");
    Files.createDirectory(layer.resolve("dir"));
    Files.createSymbolicLink(layer.resolve("link"), Path.of("file"));
    setxattr(layer.resolve("file"), "user.color", "blue");
    setxattr(layer.resolve("file"), "trusted.overlay.opaque", "y");
    setxattr(layer.resolve("dir"), "user.dir", "d");
    setxattr(layer.resolve("dir"), "trusted.overlay.opaque", "y");
    setxattr(layer.resolve("link"), "trusted.link", "l"); // user.* is not allowed on symlinks
    Path child = child();
    assertThat(getxattr(child.resolve("file"), "user.color")).isEqualTo("blue");
    assertThat(getxattr(child.resolve("file"), "trusted.overlay.opaque")).isEqualTo("y");
    assertThat(getxattr(child.resolve("dir"), "user.dir")).isEqualTo("d");
    assertThat(getxattr(child.resolve("dir"), "trusted.overlay.opaque")).isEqualTo("y");
    assertThat(getxattr(child.resolve("link"), "trusted.link")).isEqualTo("l");
  }

  @Test
  void prepare_withoutParent_isTraversableWhateverTheUmask() throws Exception {
    assertThat(mode(layer)).isEqualTo(0755);
  }

  // ------------------------------------------------------------------------------------------ helpers

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as("%s: %s", List.of(command), output).isZero();
  }

  private static Object attribute(Path path, String name) throws IOException {
    return Files.getAttribute(path, name, NOFOLLOW);
  }

  private static int type(Path path) throws IOException {
    return (Integer) attribute(path, "unix:mode") & S_IFMT;
  }

  private static int mode(Path path) throws IOException {
    return (Integer) attribute(path, "unix:mode") & 07777;
  }

  private static List<Object> owner(Path path) throws IOException {
    return List.of(attribute(path, "unix:uid"), attribute(path, "unix:gid"));
  }

  /** The xattr calls, not otherwise reachable from Java (user.* only, and never on a symlink itself). */
  interface XattrLib extends Library {
    XattrLib C = Native.load(com.sun.jna.Platform.C_LIBRARY_NAME, XattrLib.class);

    int lsetxattr(byte[] path, byte[] name, byte[] value, long size, int flags) throws LastErrorException;

    long lgetxattr(byte[] path, byte[] name, byte[] value, long size) throws LastErrorException;
  }

  private static void setxattr(Path path, String name, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    XattrLib.C.lsetxattr(NativeFs.cString(path.toString()), NativeFs.cString(name), bytes, bytes.length, 0);
  }

  private static String getxattr(Path path, String name) {
    byte[] value = new byte[256];
    long n = XattrLib.C.lgetxattr(NativeFs.cString(path.toString()), NativeFs.cString(name), value, value.length);
    return new String(Arrays.copyOf(value, (int) n), StandardCharsets.UTF_8);
  }
}

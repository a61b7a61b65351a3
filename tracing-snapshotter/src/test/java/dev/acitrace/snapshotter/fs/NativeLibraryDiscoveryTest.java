package dev.acitrace.snapshotter.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.snapshotter.Usage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JNA finds libc and its own dispatch library wherever the jar is: this runs in both of the build's
 * test runs, on the module path and (named *DiscoveryTest) on the class path.
 */
class NativeLibraryDiscoveryTest {

  @TempDir Path temp;

  @Test
  void treeOperations_workOnThisPath() throws IOException {
    boolean classPath = Boolean.getBoolean("acitrace.test.classpath");
    assertThat(getClass().getModule().isNamed()).as("module path unless the class-path run").isEqualTo(!classPath);
    Path source = Files.createDirectory(temp.resolve("source"));
    Files.writeString(source.resolve("file"), "content");
    Files.createSymbolicLink(source.resolve("link"), Path.of("file"));
    Path target = Files.createDirectory(temp.resolve("target"));

    Trees.copyContent(source, target);
    Usage usage = Trees.measure(target);
    Trees.deleteRecursively(target);

    assertThat(usage.inodes()).isEqualTo(3);
    assertThat(target).doesNotExist();
  }
}

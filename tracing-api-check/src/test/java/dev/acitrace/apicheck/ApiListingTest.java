package dev.acitrace.apicheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The public API of every published module equals its committed listing, {@code api/<module>.txt}. An API
 * change without the listing fails the build; after an intended change, regenerate with
 * {@code ./mvnw -B verify -pl tracing-api-check -am -Dacitrace.api.update=true} and commit the diff.
 */
class ApiListingTest {

  private static final List<String> PUBLISHED =
      List.of(
          "dev.acitrace.api",
          "dev.acitrace.baggage",
          "dev.acitrace.grpc",
          "dev.acitrace.grpc.client",
          "dev.acitrace.grpc.server",
          "dev.acitrace.bundle",
          "dev.acitrace.snapshotter");

  @Test
  void everyPublishedModule_apiEqualsCommittedListing() throws IOException {
    Map<String, String> listings =
        ApiListing.listModules(ApiListing.launchPaths(), getClass().getClassLoader());
    assertThat(listings.keySet()).containsExactlyInAnyOrderElementsOf(PUBLISHED);

    Path dir = Path.of(System.getProperty("acitrace.api.dir", "../api"));
    boolean update = Boolean.parseBoolean(System.getProperty("acitrace.api.update", "false"));
    List<String> changed = new ArrayList<>();
    for (Map.Entry<String, String> listing : listings.entrySet()) {
      Path file = dir.resolve(listing.getKey() + ".txt");
      String committed = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
      if (committed.equals(listing.getValue())) {
        continue;
      }
      if (update) {
        Files.createDirectories(dir);
        Files.writeString(file, listing.getValue(), StandardCharsets.UTF_8);
      } else {
        changed.add(file.getFileName() + ":\n" + diff(committed, listing.getValue()));
      }
    }
    if (!changed.isEmpty()) {
      fail(
          "The public API changed without its listing. Review, then regenerate with"
              + " ./mvnw -B verify -pl tracing-api-check -am -Dacitrace.api.update=true and commit api/:\n"
              + String.join("\n", changed));
    }
  }

  @Test
  void listing_ofOneModule_namesItsTypesAndSkipsQualifiedExports() {
    Map<String, String> listings =
        ApiListing.listModules(ApiListing.launchPaths(), getClass().getClassLoader());
    String grpc = listings.get("dev.acitrace.grpc");
    assertThat(grpc).doesNotContain("dev.acitrace.grpc.internal."); // exported only to client and server
    assertThat(listings.get("dev.acitrace.api")).contains("interface dev.acitrace.api.spi.");
  }

  @Test
  void runsOnTheModulePath_withEveryPublishedModuleResolved() {
    // the root pom's classpath execution (which runs this too when -Dtest names it) sets acitrace.test.classpath
    if (Boolean.getBoolean("acitrace.test.classpath")) {
      assertThat(getClass().getModule().isNamed()).isFalse();
      return;
    }
    assertThat(getClass().getModule().getName()).isEqualTo(ApiListing.SELF);
    for (String name : PUBLISHED) {
      assertThat(ModuleLayer.boot().findModule(name)).as(name).hasValueSatisfying(m -> assertThat(
          m.getDescriptor().isAutomatic()).isFalse());
    }
  }

  /** Lines only in the committed listing (-) and only in the build (+). */
  static String diff(String committed, String built) {
    Set<String> before = new LinkedHashSet<>(committed.lines().toList());
    Set<String> after = new LinkedHashSet<>(built.lines().toList());
    StringBuilder d = new StringBuilder();
    before.stream().filter(l -> !after.contains(l)).limit(40).forEach(l -> d.append("  - ").append(l).append('\n'));
    after.stream().filter(l -> !before.contains(l)).limit(40).forEach(l -> d.append("  + ").append(l).append('\n'));
    return d.toString();
  }
}

package dev.acitrace.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gate and the glue of the Node peer, without Node: these run everywhere. */
class NodePeerTest {

  @Test
  void locate_noPeerInTheDirectory_failsNamingItInsteadOfSkipping(@TempDir Path empty) {
    String previous = System.setProperty("acitrace.interop.node.dir", empty.toString());
    try {
      assertThatThrownBy(NodePeer::locate)
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining(NodePeer.ENV)
          .hasMessageContaining(empty.toString());
    } finally {
      if (previous == null) {
        System.clearProperty("acitrace.interop.node.dir");
      } else {
        System.setProperty("acitrace.interop.node.dir", previous);
      }
    }
  }

  @Test
  void defaultPeerDirectory_holdsThePeerAndItsLockFile() {
    Path directory = Path.of("..", "interop", "node");
    assertThat(directory.resolve("peer.js")).isRegularFile();
    assertThat(directory.resolve("package-lock.json")).isRegularFile();
    assertThat(directory.resolve("proto/acitrace/interop/v1/interop.proto")).isRegularFile();
  }

  @Test
  void object_readsWhatJsonStringifyWrites() {
    Map<String, Object> object = NodePeer.object(
        "{\"type\":\"span\",\"n\":-1.5e2,\"ok\":true,\"none\":null,\"list\":[1,\"two\",{}],"
            + "\"text\":\"h\\u00e9llo \\\"w\\\"\\n\\ud83d\\ude80 日本\"}");

    assertThat(object).containsEntry("type", "span").containsEntry("n", -150.0).containsEntry("ok", true)
        .containsEntry("none", null).containsEntry("text", "héllo \"w\"\n🚀 日本");
    assertThat(object.get("list")).asList().containsExactly(1.0, "two", Map.of());
    assertThat(object.keySet()).containsExactly("type", "n", "ok", "none", "list", "text");
    assertThatThrownBy(() -> NodePeer.object("{\"a\":1} x")).isInstanceOf(JsonParseException.class);
  }
}

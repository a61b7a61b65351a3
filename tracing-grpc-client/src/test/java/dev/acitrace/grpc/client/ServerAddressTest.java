package dev.acitrace.grpc.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.grpc.internal.RpcSemconv;
import io.opentelemetry.api.common.Attributes;
import org.junit.jupiter.api.Test;

class ServerAddressTest {

  private static String describe(Attributes attributes) {
    return attributes.get(RpcSemconv.SERVER_ADDRESS) + "|" + attributes.get(RpcSemconv.SERVER_PORT);
  }

  @Test
  void fromTarget_unixForms_giveThePath() {
    assertThat(describe(ServerAddress.fromTarget("unix:///run/x.sock"))).isEqualTo("/run/x.sock|null");
    assertThat(describe(ServerAddress.fromTarget("unix:/run/x.sock"))).isEqualTo("/run/x.sock|null");
    assertThat(describe(ServerAddress.fromTarget("unix:relative.sock"))).isEqualTo("relative.sock|null");
  }

  @Test
  void fromTarget_uriAndHostPort_giveHostAndPort() {
    assertThat(describe(ServerAddress.fromTarget("dns:///example.com:443"))).isEqualTo("example.com|443");
    assertThat(describe(ServerAddress.fromTarget("dns://8.8.8.8/example.com"))).isEqualTo("example.com|null");
    assertThat(describe(ServerAddress.fromTarget("localhost:50051"))).isEqualTo("localhost|50051");
  }

  @Test
  void fromAuthority_ipv6PathAndJunk_handled() {
    assertThat(describe(ServerAddress.fromAuthority("[::1]:8443"))).isEqualTo("::1|8443");
    assertThat(describe(ServerAddress.fromAuthority("::1"))).isEqualTo("::1|null");
    assertThat(describe(ServerAddress.fromAuthority("/tmp/s.sock"))).isEqualTo("/tmp/s.sock|null");
    assertThat(describe(ServerAddress.fromAuthority("host:notaport"))).isEqualTo("host|null");
    assertThat(describe(ServerAddress.fromAuthority("host:70000"))).isEqualTo("host|null");
    assertThat(ServerAddress.fromAuthority("")).isEqualTo(Attributes.empty());
    assertThat(ServerAddress.fromAuthority(null)).isEqualTo(Attributes.empty());
  }
}

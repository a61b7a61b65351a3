package dev.acitrace.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BareGrpcGuardTest {

  @Test
  void testClasspath_carriesOpenTelemetrysOverride() {
    assertThat(BareGrpcGuard.contextStorageOverridden(getClass().getClassLoader())).isTrue();
    assertThatThrownBy(() -> BareGrpcGuard.requireBareGrpc(getClass().getClassLoader()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("io.grpc.override.ContextStorageOverride is on the classpath");
  }

  @Test
  void loaderWithoutTheInstrumentationJar_isBareGrpc() {
    ClassLoader platform = ClassLoader.getPlatformClassLoader();
    assertThat(BareGrpcGuard.contextStorageOverridden(platform)).isFalse();
    assertThatCode(() -> BareGrpcGuard.requireBareGrpc(platform)).doesNotThrowAnyException();
  }
}

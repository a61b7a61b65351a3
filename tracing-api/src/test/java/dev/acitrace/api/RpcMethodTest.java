package dev.acitrace.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.acitrace.api.spi.SpanNamer;
import org.junit.jupiter.api.Test;

class RpcMethodTest {

  @Test
  void parse_dropsLeadingSlashAndSplitsServiceAndMethod() {
    RpcMethod m = RpcMethod.parse("/containerd.services.snapshots.v1.Snapshots/Prepare", CallType.UNARY);
    assertThat(m.fullName()).isEqualTo("containerd.services.snapshots.v1.Snapshots/Prepare");
    assertThat(m.service()).isEqualTo("containerd.services.snapshots.v1.Snapshots");
    assertThat(m.method()).isEqualTo("Prepare");
    assertThat(SpanNamer.DEFAULT.spanName(m, RpcSide.CLIENT)).isEqualTo(m.fullName());
  }

  @Test
  void parse_noSlash_isAMethodOfAnUnnamedService() {
    RpcMethod m = RpcMethod.parse("weird", CallType.UNKNOWN);
    assertThat(m.service()).isEmpty();
    assertThat(m.method()).isEqualTo("weird");
  }

  @Test
  void parse_null_namesTheArgument() {
    assertThatThrownBy(() -> RpcMethod.parse(null, CallType.UNARY)).hasMessage("fullMethodName");
  }

  @Test
  void callType_messageCounts() {
    assertThat(CallType.UNARY.clientSendsOne()).isTrue();
    assertThat(CallType.SERVER_STREAMING.serverSendsOne()).isFalse();
    assertThat(CallType.CLIENT_STREAMING.serverSendsOne()).isTrue();
    assertThat(CallType.BIDI_STREAMING.clientSendsOne()).isFalse();
  }
}

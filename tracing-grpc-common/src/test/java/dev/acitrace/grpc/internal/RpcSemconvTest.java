package dev.acitrace.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.grpc.StatusRule;
import io.grpc.Status;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RpcSemconvTest {

  private static RpcSemconv.Mode mode(String optIn) {
    return RpcSemconv.Mode.fromConfig(TracingConfig.of(optIn == null ? Map.of() : Map.of(RpcSemconv.OPT_IN_KEY, optIn)));
  }

  @Test
  void mode_fromOptInList() {
    assertThat(mode(null)).isEqualTo(RpcSemconv.Mode.OLD);
    assertThat(mode("http")).isEqualTo(RpcSemconv.Mode.OLD);
    assertThat(mode("http, rpc")).isEqualTo(RpcSemconv.Mode.NEW);
    assertThat(mode("RPC/dup")).isEqualTo(RpcSemconv.Mode.DUP);
    assertThat(mode("rpc,rpc/dup")).isEqualTo(RpcSemconv.Mode.DUP);
    assertThat(RpcSemconv.Mode.DUP.emitOld() && RpcSemconv.Mode.DUP.emitNew()).isTrue();
    assertThat(RpcSemconv.Mode.NEW.emitOld()).isFalse();
    assertThat(RpcSemconv.Mode.OLD.emitNew()).isFalse();
  }

  @Test
  void statusRules_serverFaultsAreTheSixSemconvCodes() {
    Set<Status.Code> faults = EnumSet.noneOf(Status.Code.class);
    for (Status.Code code : Status.Code.values()) {
      if (StatusRule.SERVER_FAULTS.isError(code)) {
        faults.add(code);
      }
      assertThat(StatusRule.ALL_NON_OK.isError(code)).isEqualTo(code != Status.Code.OK);
    }
    assertThat(faults).containsExactlyInAnyOrder(Status.Code.UNKNOWN, Status.Code.DEADLINE_EXCEEDED,
        Status.Code.UNIMPLEMENTED, Status.Code.INTERNAL, Status.Code.UNAVAILABLE, Status.Code.DATA_LOSS);
  }
}

package dev.acitrace.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.acitrace.reliability.ReliabilitySuite;
import org.junit.jupiter.api.Test;

/** The interop tests and the reliability suite run in the named module, as reliability/run launches it. */
class NamedModuleTest {

  @Test
  void testsSuiteAndGeneratedMessages_runInTheNamedModule() {
    // on the module path, patched into dev.acitrace.interop with the generated messages; the root pom's
    // classpath execution (which runs these too when -Dtest names them) sets acitrace.test.classpath
    if (Boolean.getBoolean("acitrace.test.classpath")) {
      assertThat(getClass().getModule().isNamed()).isFalse();
      return;
    }
    assertThat(getClass().getModule().getName()).isEqualTo("dev.acitrace.interop");
    assertThat(dev.acitrace.interop.proto.HopRequest.class.getModule()).isSameAs(getClass().getModule());
    assertThat(ReliabilitySuite.class.getModule()).isSameAs(getClass().getModule());
    assertThat(dev.acitrace.testing.EndCounting.class.getModule().getName()).isEqualTo("dev.acitrace.testing");
  }
}

package dev.acitrace.grpc.server;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.spi.SpanNamer;
import dev.acitrace.api.spi.SpanNamerProvider;

/** Test-only span namer, registered in test resources: names spans {@code <side>:<full name>}. */
public final class ServerTestSpanNamerProvider implements SpanNamerProvider {

  /** The ServiceLoader constructor. */
  public ServerTestSpanNamerProvider() {}

  @Override
  public String name() {
    return "test-namer";
  }

  @Override
  public SpanNamer create(TracingConfig config) {
    return (method, side) -> side.name().toLowerCase(java.util.Locale.ROOT) + ":" + method.fullName();
  }
}

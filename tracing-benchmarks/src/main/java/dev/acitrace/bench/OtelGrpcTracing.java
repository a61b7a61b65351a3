package dev.acitrace.bench;

import io.grpc.ManagedChannelBuilder;
import io.grpc.ServerBuilder;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;

/**
 * OpenTelemetry's own gRPC library instrumentation, with its defaults (message events on, no metadata
 * capture): what a user who picks OpenTelemetry instead of acitrace gets. Only loaded in the OpenTelemetry
 * launch, whose classpath carries the instrumentation jar.
 */
final class OtelGrpcTracing implements GrpcTracingVariant {

  @Override
  public void instrumentServer(ServerBuilder<?> server, OpenTelemetry openTelemetry) {
    server.intercept(GrpcTelemetry.create(openTelemetry).createServerInterceptor());
  }

  @Override
  public void instrumentChannel(ManagedChannelBuilder<?> channel, OpenTelemetry openTelemetry) {
    channel.intercept(GrpcTelemetry.create(openTelemetry).createClientInterceptor());
  }
}

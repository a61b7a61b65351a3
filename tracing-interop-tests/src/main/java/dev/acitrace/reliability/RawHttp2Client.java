package dev.acitrace.reliability;

import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.SimpleChannelInboundHandler;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2HeadersFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2ResetFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2StreamChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2StreamFrame;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A bare HTTP/2 client that sends gRPC requests with header values taken byte for byte: grpc-java's (and
 * grpc-go's, and grpc-js's) client drop a header value that is not printable ASCII before it leaves, but a
 * hostile caller need not use one, and grpc-java's server passes such bytes on to the interceptors.
 */
final class RawHttp2Client implements AutoCloseable {
  /** The outcome of one call: the grpc-status, or -1 when the stream was reset or the connection failed. */
  record Outcome(int grpcStatus, String detail) {}

  private final NioEventLoopGroup group = new NioEventLoopGroup(1);
  private final Channel connection;
  private final AsciiString authority;

  RawHttp2Client(String host, int port) throws InterruptedException {
    authority = new AsciiString(host + ":" + port);
    connection = new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel channel) {
            channel.pipeline().addLast(Http2FrameCodecBuilder.forClient().build());
            channel.pipeline().addLast(new Http2MultiplexHandler(new SimpleChannelInboundHandler<Object>() {
              @Override
              protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                // the server opens no streams
              }
            }));
          }
        })
        .connect(host, port).sync().channel();
  }

  /** Sends one unary call to {@code path} with {@code extra} headers as raw bytes (name, value, ...). */
  CompletableFuture<Outcome> call(String path, byte[] message, List<Object[]> extra) {
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    DefaultHttp2Headers headers = new DefaultHttp2Headers(false);
    headers.method("POST").scheme("http").path(path).authority(authority);
    headers.add("content-type", "application/grpc");
    headers.add("te", "trailers");
    for (Object[] header : extra) {
      headers.add(new AsciiString((String) header[0]), new AsciiString((byte[]) header[1], false));
    }
    byte[] framed = new byte[5 + message.length];
    framed[1] = (byte) (message.length >>> 24);
    framed[2] = (byte) (message.length >>> 16);
    framed[3] = (byte) (message.length >>> 8);
    framed[4] = (byte) message.length;
    System.arraycopy(message, 0, framed, 5, message.length);

    new Http2StreamChannelBootstrap(connection)
        .handler(new SimpleChannelInboundHandler<Http2StreamFrame>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
            if (frame instanceof Http2HeadersFrame h) {
              CharSequence status = h.headers().get("grpc-status");
              if (status != null) {
                CharSequence message = h.headers().get("grpc-message");
                outcome.complete(new Outcome(Integer.parseInt(status.toString()),
                    message == null ? "" : message.toString()));
                ctx.close();
              } else if (h.isEndStream()) {
                outcome.complete(new Outcome(-1, "ended without grpc-status: " + h.headers().status()));
                ctx.close();
              }
            } else if (frame instanceof Http2ResetFrame reset) {
              outcome.complete(new Outcome(-1, "stream reset, HTTP/2 error " + reset.errorCode()));
              ctx.close();
            }
          }

          @Override
          public void channelInactive(ChannelHandlerContext ctx) {
            outcome.complete(new Outcome(-1, "stream closed without an answer"));
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            outcome.complete(new Outcome(-1, "stream failed: " + cause));
            ctx.close();
          }
        })
        .open()
        .addListener(opened -> {
          if (!opened.isSuccess()) {
            outcome.complete(new Outcome(-1, "cannot open a stream: " + opened.cause()));
            return;
          }
          Http2StreamChannel stream = (Http2StreamChannel) opened.getNow();
          stream.write(new DefaultHttp2HeadersFrame(headers, false));
          stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(framed), true))
              .addListener(written -> {
                if (!written.isSuccess()) {
                  outcome.complete(new Outcome(-1, "cannot write: " + written.cause()));
                }
              });
        });
    return outcome;
  }

  boolean isOpen() {
    return connection.isActive();
  }

  @Override
  public void close() throws InterruptedException {
    connection.close().await(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
  }
}

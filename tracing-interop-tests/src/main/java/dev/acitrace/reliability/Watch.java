package dev.acitrace.reliability;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Counts what escapes the code under test while a part of the suite runs: SEVERE log records from gRPC or
 * acitrace (grpc-java logs an exception thrown out of a listener or interceptor at SEVERE), WARNING records
 * (acitrace logs caught failures rate-limited), and uncaught exceptions on any thread.
 */
final class Watch implements AutoCloseable {
  private static final int KEPT = 5;

  final AtomicLong severe = new AtomicLong();
  final AtomicLong warnings = new AtomicLong();
  final AtomicLong uncaught = new AtomicLong();
  /** gRPC's transport dropping a header value that is not printable ASCII (it logs a WARNING each time). */
  final AtomicLong droppedHeaders = new AtomicLong();
  final List<String> severeExamples = new CopyOnWriteArrayList<>();
  final List<String> warningExamples = new CopyOnWriteArrayList<>();
  final List<String> uncaughtExamples = new CopyOnWriteArrayList<>();

  private final Logger root = Logger.getLogger("");
  private final Handler handler;
  private final Thread.UncaughtExceptionHandler previous;
  private final Handler[] quieted;
  private final Level[] levels;

  Watch() {
    handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        String logger = record.getLoggerName() == null ? "" : record.getLoggerName();
        if (!logger.startsWith("io.grpc") && !logger.startsWith("dev.acitrace")) {
          return;
        }
        if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
          severe.incrementAndGet();
          keep(severeExamples, logger + ": " + record.getMessage() + " " + record.getThrown());
        } else if (logger.equals("io.grpc.internal.TransportFrameUtil")) {
          droppedHeaders.incrementAndGet();
        } else if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
          warnings.incrementAndGet();
          keep(warningExamples, logger + ": " + record.getMessage());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    handler.setLevel(Level.WARNING);
    // the records are counted and a few kept for the results file; thousands of expected stack traces
    // (handlers that throw on purpose, a collector that is down on purpose) would only bury the summary
    quieted = root.getHandlers();
    levels = new Level[quieted.length];
    for (int i = 0; i < quieted.length; i++) {
      levels[i] = quieted[i].getLevel();
      quieted[i].setLevel(Level.OFF);
    }
    root.addHandler(handler);
    previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
      uncaught.incrementAndGet();
      StringBuilder where = new StringBuilder();
      StackTraceElement[] stack = e.getStackTrace();
      for (int i = 0; i < Math.min(6, stack.length); i++) {
        where.append(" at ").append(stack[i]);
      }
      keep(uncaughtExamples, "on " + thread.getName() + ": " + e + where);
    });
  }

  static void keep(List<String> examples, String example) {
    if (examples.size() < KEPT) {
      String text = example.length() > 900 ? example.substring(0, 900) + "..." : example;
      examples.add(text.replaceAll("\\p{Cntrl}", "?"));
    }
  }

  @Override
  public void close() {
    root.removeHandler(handler);
    for (int i = 0; i < quieted.length; i++) {
      quieted[i].setLevel(levels[i]);
    }
    Thread.setDefaultUncaughtExceptionHandler(previous);
  }
}

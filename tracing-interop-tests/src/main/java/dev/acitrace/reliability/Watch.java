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
  final List<String> examples = new CopyOnWriteArrayList<>();

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
          keep("SEVERE " + logger + ": " + record.getMessage() + " " + record.getThrown());
        } else if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
          warnings.incrementAndGet();
          keep("WARNING " + logger + ": " + record.getMessage());
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
      keep("uncaught on " + thread.getName() + ": " + e);
    });
  }

  void keep(String example) {
    if (examples.size() < KEPT) {
      String text = example.length() > 300 ? example.substring(0, 300) + "..." : example;
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

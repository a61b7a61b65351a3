package dev.acitrace.bundle;

/**
 * Tracing could not be initialized because of a configuration value; the message names the setting
 * (system property and environment variable) and the value.
 */
public final class TracingConfigurationException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** An exception with {@code message} and the failure that revealed the problem. */
  public TracingConfigurationException(String message, Throwable cause) {
    super(message, cause);
  }

  /** An exception with {@code message}. */
  public TracingConfigurationException(String message) {
    super(message);
  }
}

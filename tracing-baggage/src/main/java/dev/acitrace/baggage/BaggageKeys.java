package dev.acitrace.baggage;

/**
 * The standard baggage keys acitrace sets and reads. They follow the keys of the Go original, so that
 * Go and Java services of one system agree on them.
 */
public final class BaggageKeys {

  /** Correlates every span and log line of one request; reused from upstream or generated. */
  public static final String REQUEST_ID = "request.id";
  /** The user on whose behalf the request runs. */
  public static final String USER_ID = "user.id";
  /** The user's session. */
  public static final String SESSION_ID = "session.id";
  /** The high-level operation the request belongs to (e.g. {@code pull}). */
  public static final String OPERATION = "operation";
  /** The container image name. */
  public static final String IMAGE_NAME = "image.name";
  /** The container image tag. */
  public static final String IMAGE_TAG = "image.tag";
  /** The snapshot key a snapshotter operation works on. */
  public static final String SNAPSHOT_KEY = "snapshot.key";
  /** The container id. */
  public static final String CONTAINER_ID = "container.id";
  /** The containerd namespace. */
  public static final String NAMESPACE = "namespace";
  /** The deployment environment (e.g. {@code production}). */
  public static final String ENVIRONMENT = "environment";

  private static final java.util.Set<String> STANDARD = java.util.Set.of(
      REQUEST_ID, USER_ID, SESSION_ID, OPERATION, IMAGE_NAME, IMAGE_TAG, SNAPSHOT_KEY, CONTAINER_ID,
      NAMESPACE, ENVIRONMENT);

  private BaggageKeys() {}

  /** Whether {@code key} is one of the standard keys above. */
  public static boolean isStandard(String key) {
    return key != null && STANDARD.contains(key);
  }
}

package dev.acitrace.baggage;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.context.Context;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Baggage helpers on OpenTelemetry's {@link Context}, for the {@linkplain BaggageKeys standard keys} and
 * for any other key. Contexts are immutable: every {@code with...} method returns a new context and leaves
 * its argument untouched.
 *
 * <p>Every method comes in two forms:
 *
 * <ul>
 *   <li>with an explicit {@code Context} first argument ({@code withRequestId(ctx, id)},
 *       {@code requestId(ctx)});
 *   <li>without it, working on {@link Context#current()} ({@code withRequestId(id)}, {@code requestId()}).
 *       The setters return the new context; make it current to use it:
 *       {@code try (Scope s = BaggageContext.withRequestId(id).makeCurrent()) { ... }}.
 * </ul>
 *
 * <p>Input rules, checked before anything is set: a key must be a W3C baggage key (an RFC 7230 token:
 * letters, digits and {@code !#$%&'*+-.^_`|~}); a value may be any Unicode text (including commas,
 * semicolons, {@code %}, {@code =}, spaces, emoji) but must be well-formed UTF-16 and small enough that
 * {@code key=encoded-value} fits the W3C 8192-byte limit. Violations throw {@link NullPointerException}
 * (null) or {@link IllegalArgumentException}, naming the key. {@link #withAll(Context, Map)} checks every
 * entry first and applies nothing if one is bad. Getters return {@code null} for an absent key.
 *
 * <p>Setting a key replaces its value and drops the metadata (W3C properties) the old entry had.
 */
public final class BaggageContext {

  private BaggageContext() {}

  // ---- any key ---------------------------------------------------------------------------------------

  /** {@code context} with baggage entry {@code key=value}. */
  public static Context with(Context context, String key, String value) {
    requireNonNull(context, "context");
    checkEntry(key, value);
    return context.with(Baggage.fromContext(context).toBuilder().put(key, value).build());
  }

  /** The current context with baggage entry {@code key=value}. */
  public static Context with(String key, String value) {
    return with(Context.current(), key, value);
  }

  /**
   * {@code context} with every entry of {@code entries}, in the map's iteration order. All entries are checked first: if one is invalid, none is applied.
   */
  public static Context withAll(Context context, Map<String, String> entries) {
    requireNonNull(context, "context");
    requireNonNull(entries, "entries");
    for (Map.Entry<String, String> entry : entries.entrySet()) {
      checkEntry(entry.getKey(), entry.getValue());
    }
    if (entries.isEmpty()) {
      return context;
    }
    BaggageBuilder builder = Baggage.fromContext(context).toBuilder();
    entries.forEach(builder::put);
    return context.with(builder.build());
  }

  /** The current context with every entry of {@code entries}; see {@link #withAll(Context, Map)}. */
  public static Context withAll(Map<String, String> entries) {
    return withAll(Context.current(), entries);
  }

  /** {@code context} without baggage entry {@code key} (the same context if there is none). */
  public static Context without(Context context, String key) {
    requireNonNull(context, "context");
    requireNonNull(key, "key");
    Baggage baggage = Baggage.fromContext(context);
    if (baggage.getEntryValue(key) == null) {
      return context;
    }
    return context.with(baggage.toBuilder().remove(key).build());
  }

  /** The current context without baggage entry {@code key}. */
  public static Context without(String key) {
    return without(Context.current(), key);
  }

  /** The value of baggage entry {@code key} in {@code context}, or {@code null}. */
  public static String get(Context context, String key) {
    requireNonNull(context, "context");
    requireNonNull(key, "key");
    return Baggage.fromContext(context).getEntryValue(key);
  }

  /** The value of baggage entry {@code key} in the current context, or {@code null}. */
  public static String get(String key) {
    return get(Context.current(), key);
  }

  /** Every baggage entry of {@code context} as an unmodifiable map, in key order. */
  public static Map<String, String> all(Context context) {
    requireNonNull(context, "context");
    Baggage baggage = Baggage.fromContext(context);
    if (baggage.isEmpty()) {
      return Collections.emptyMap();
    }
    Map<String, String> all = new LinkedHashMap<>(baggage.size() * 2);
    baggage.forEach((key, entry) -> all.put(key, entry.getValue()));
    return Collections.unmodifiableMap(all);
  }

  /** Every baggage entry of the current context; see {@link #all(Context)}. */
  public static Map<String, String> all() {
    return all(Context.current());
  }

  // ---- standard keys -----------------------------------------------------------------------------------

  /** {@code context} with the {@linkplain BaggageKeys#REQUEST_ID request id}. */
  public static Context withRequestId(Context context, String requestId) {
    return with(context, BaggageKeys.REQUEST_ID, requestId);
  }

  /** The current context with the request id. */
  public static Context withRequestId(String requestId) {
    return withRequestId(Context.current(), requestId);
  }

  /** The request id in {@code context}, or {@code null}. */
  public static String requestId(Context context) {
    return get(context, BaggageKeys.REQUEST_ID);
  }

  /** The request id in the current context, or {@code null}. */
  public static String requestId() {
    return requestId(Context.current());
  }

  /** {@code context} with the {@linkplain BaggageKeys#USER_ID user id}. */
  public static Context withUserId(Context context, String userId) {
    return with(context, BaggageKeys.USER_ID, userId);
  }

  /** The current context with the user id. */
  public static Context withUserId(String userId) {
    return withUserId(Context.current(), userId);
  }

  /** The user id in {@code context}, or {@code null}. */
  public static String userId(Context context) {
    return get(context, BaggageKeys.USER_ID);
  }

  /** The user id in the current context, or {@code null}. */
  public static String userId() {
    return userId(Context.current());
  }

  /** {@code context} with the {@linkplain BaggageKeys#SESSION_ID session id}. */
  public static Context withSessionId(Context context, String sessionId) {
    return with(context, BaggageKeys.SESSION_ID, sessionId);
  }

  /** The current context with the session id. */
  public static Context withSessionId(String sessionId) {
    return withSessionId(Context.current(), sessionId);
  }

  /** The session id in {@code context}, or {@code null}. */
  public static String sessionId(Context context) {
    return get(context, BaggageKeys.SESSION_ID);
  }

  /** The session id in the current context, or {@code null}. */
  public static String sessionId() {
    return sessionId(Context.current());
  }

  /** {@code context} with the {@linkplain BaggageKeys#OPERATION operation}. */
  public static Context withOperation(Context context, String operation) {
    return with(context, BaggageKeys.OPERATION, operation);
  }

  /** The current context with the operation. */
  public static Context withOperation(String operation) {
    return withOperation(Context.current(), operation);
  }

  /** The operation in {@code context}, or {@code null}. */
  public static String operation(Context context) {
    return get(context, BaggageKeys.OPERATION);
  }

  /** The operation in the current context, or {@code null}. */
  public static String operation() {
    return operation(Context.current());
  }

  /**
   * {@code context} with the {@linkplain BaggageKeys#IMAGE_NAME image name} and
   * {@linkplain BaggageKeys#IMAGE_TAG tag}, set together (both checked before either is set).
   */
  public static Context withImageInfo(Context context, String name, String tag) {
    requireNonNull(context, "context");
    checkEntry(BaggageKeys.IMAGE_NAME, name);
    checkEntry(BaggageKeys.IMAGE_TAG, tag);
    return context.with(
        Baggage.fromContext(context).toBuilder()
            .put(BaggageKeys.IMAGE_NAME, name)
            .put(BaggageKeys.IMAGE_TAG, tag)
            .build());
  }

  /** The current context with the image name and tag. */
  public static Context withImageInfo(String name, String tag) {
    return withImageInfo(Context.current(), name, tag);
  }

  /**
   * The image name and tag in {@code context}; {@code null} when there is no image name. A name without
   * a tag (set by a peer that sent only the name) reads back with an empty tag.
   */
  public static ImageInfo imageInfo(Context context) {
    requireNonNull(context, "context");
    Baggage baggage = Baggage.fromContext(context);
    String name = baggage.getEntryValue(BaggageKeys.IMAGE_NAME);
    if (name == null) {
      return null;
    }
    String tag = baggage.getEntryValue(BaggageKeys.IMAGE_TAG);
    return new ImageInfo(name, tag == null ? "" : tag);
  }

  /** The image name and tag in the current context; see {@link #imageInfo(Context)}. */
  public static ImageInfo imageInfo() {
    return imageInfo(Context.current());
  }

  /** {@code context} with the {@linkplain BaggageKeys#SNAPSHOT_KEY snapshot key}. */
  public static Context withSnapshotKey(Context context, String snapshotKey) {
    return with(context, BaggageKeys.SNAPSHOT_KEY, snapshotKey);
  }

  /** The current context with the snapshot key. */
  public static Context withSnapshotKey(String snapshotKey) {
    return withSnapshotKey(Context.current(), snapshotKey);
  }

  /** The snapshot key in {@code context}, or {@code null}. */
  public static String snapshotKey(Context context) {
    return get(context, BaggageKeys.SNAPSHOT_KEY);
  }

  /** The snapshot key in the current context, or {@code null}. */
  public static String snapshotKey() {
    return snapshotKey(Context.current());
  }

  /** {@code context} with the {@linkplain BaggageKeys#CONTAINER_ID container id}. */
  public static Context withContainerId(Context context, String containerId) {
    return with(context, BaggageKeys.CONTAINER_ID, containerId);
  }

  /** The current context with the container id. */
  public static Context withContainerId(String containerId) {
    return withContainerId(Context.current(), containerId);
  }

  /** The container id in {@code context}, or {@code null}. */
  public static String containerId(Context context) {
    return get(context, BaggageKeys.CONTAINER_ID);
  }

  /** The container id in the current context, or {@code null}. */
  public static String containerId() {
    return containerId(Context.current());
  }

  /** {@code context} with the {@linkplain BaggageKeys#NAMESPACE namespace}. */
  public static Context withNamespace(Context context, String namespace) {
    return with(context, BaggageKeys.NAMESPACE, namespace);
  }

  /** The current context with the namespace. */
  public static Context withNamespace(String namespace) {
    return withNamespace(Context.current(), namespace);
  }

  /** The namespace in {@code context}, or {@code null}. */
  public static String namespace(Context context) {
    return get(context, BaggageKeys.NAMESPACE);
  }

  /** The namespace in the current context, or {@code null}. */
  public static String namespace() {
    return namespace(Context.current());
  }

  /** {@code context} with the {@linkplain BaggageKeys#ENVIRONMENT environment}. */
  public static Context withEnvironment(Context context, String environment) {
    return with(context, BaggageKeys.ENVIRONMENT, environment);
  }

  /** The current context with the environment. */
  public static Context withEnvironment(String environment) {
    return withEnvironment(Context.current(), environment);
  }

  /** The environment in {@code context}, or {@code null}. */
  public static String environment(Context context) {
    return get(context, BaggageKeys.ENVIRONMENT);
  }

  /** The environment in the current context, or {@code null}. */
  public static String environment() {
    return environment(Context.current());
  }

  // ---- input rules -------------------------------------------------------------------------------------

  /**
   * Checks an entry against the input rules.
   *
   * @throws NullPointerException when the key or value is null
   * @throws IllegalArgumentException naming the key when the key is not a W3C key, the value is not
   *     well-formed UTF-16, or the entry can never fit the W3C byte limit
   */
  static void checkEntry(String key, String value) {
    if (key == null) {
      throw new NullPointerException("baggage key is null" + (value == null ? "" : " (value '" + abbreviate(value) + "')"));
    }
    if (!BaggageWire.isValidKey(key)) {
      throw new IllegalArgumentException(
          "baggage key '" + key + "' is not a valid W3C baggage key (a non-empty token of letters, digits "
              + "and !#$%&'*+-.^_`|~)");
    }
    if (value == null) {
      throw new NullPointerException("value of baggage key '" + key + "' is null");
    }
    int bad = BaggageWire.unpairedSurrogate(value);
    if (bad >= 0) {
      throw new IllegalArgumentException(
          "value of baggage key '" + key + "' has an unpaired surrogate at index " + bad
              + " and could not come back unchanged");
    }
    // cheap bound first: each char encodes to at most 9 bytes
    if (key.length() + 1 + (long) value.length() * 9 > BaggageWire.W3C_MAX_BYTES) {
      int size = key.length() + 1 + BaggageWire.encodedValueLength(value);
      if (size > BaggageWire.W3C_MAX_BYTES) {
        throw new IllegalArgumentException(
            "baggage key '" + key + "': the encoded entry takes " + size + " bytes, more than the "
                + BaggageWire.W3C_MAX_BYTES + " any W3C baggage may carry");
      }
    }
  }

  private static String abbreviate(String value) {
    return value.length() <= 32 ? value : value.substring(0, 32) + "...";
  }
}

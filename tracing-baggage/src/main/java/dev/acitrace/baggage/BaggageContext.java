package dev.acitrace.baggage;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.context.Context;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Baggage helpers on OpenTelemetry's {@link Context}, for the {@linkplain BaggageKeys standard keys} (one
 * {@link Key} constant each, e.g. {@link #REQUEST_ID}, plus {@link #withImageInfo} for the image name and
 * tag together) and for any other key. Contexts are immutable: every {@code with...} method returns a new context and leaves
 * its argument untouched.
 *
 * <p>Every method comes in two forms:
 *
 * <ul>
 *   <li>with an explicit {@code Context} first argument ({@code REQUEST_ID.with(ctx, id)},
 *       {@code REQUEST_ID.get(ctx)}, {@code with(ctx, key, value)});
 *   <li>without it, working on {@link Context#current()} ({@code REQUEST_ID.with(id)},
 *       {@code REQUEST_ID.get()}). The setters return the new context; make it current to use it:
 *       {@code try (Scope s = BaggageContext.REQUEST_ID.with(id).makeCurrent()) { ... }}.
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

  /** The {@linkplain BaggageKeys#REQUEST_ID request id}. */
  public static final Key REQUEST_ID = new Key(BaggageKeys.REQUEST_ID);

  /** The {@linkplain BaggageKeys#USER_ID user id}. */
  public static final Key USER_ID = new Key(BaggageKeys.USER_ID);

  /** The {@linkplain BaggageKeys#SESSION_ID session id}. */
  public static final Key SESSION_ID = new Key(BaggageKeys.SESSION_ID);

  /** The {@linkplain BaggageKeys#OPERATION operation}. */
  public static final Key OPERATION = new Key(BaggageKeys.OPERATION);

  /** The {@linkplain BaggageKeys#SNAPSHOT_KEY snapshot key}. */
  public static final Key SNAPSHOT_KEY = new Key(BaggageKeys.SNAPSHOT_KEY);

  /** The {@linkplain BaggageKeys#CONTAINER_ID container id}. */
  public static final Key CONTAINER_ID = new Key(BaggageKeys.CONTAINER_ID);

  /** The {@linkplain BaggageKeys#NAMESPACE namespace}. */
  public static final Key NAMESPACE = new Key(BaggageKeys.NAMESPACE);

  /** The {@linkplain BaggageKeys#ENVIRONMENT environment}. */
  public static final Key ENVIRONMENT = new Key(BaggageKeys.ENVIRONMENT);

  /**
   * One baggage key, with the setter and getter of {@link BaggageContext} bound to it:
   * {@code BaggageContext.REQUEST_ID.with(ctx, id)} is {@code BaggageContext.with(ctx, "request.id", id)}.
   * The standard keys are its constants; for any other key use {@link BaggageContext#with(Context, String,
   * String)} and {@link BaggageContext#get(Context, String)}.
   */
  public static final class Key {

    private final String name;

    private Key(String name) {
      this.name = name;
    }

    /** The key as it goes on the wire, e.g. {@code request.id}. */
    public String name() {
      return name;
    }

    /** {@code context} with this key set to {@code value}; see {@link BaggageContext#with(Context, String, String)}. */
    public Context with(Context context, String value) {
      return BaggageContext.with(context, name, value);
    }

    /** The current context with this key set to {@code value}. */
    public Context with(String value) {
      return with(Context.current(), value);
    }

    /** The value of this key in {@code context}, or {@code null}. */
    public String get(Context context) {
      return BaggageContext.get(context, name);
    }

    /** The value of this key in the current context, or {@code null}. */
    public String get() {
      return get(Context.current());
    }

    @Override
    public String toString() {
      return name;
    }
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

package dev.acitrace.grpc.internal;

import static java.util.Objects.requireNonNull;

import io.grpc.Metadata;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Copies allowlisted metadata entries to span attributes ({@code rpc.grpc.request.metadata.<key>} and/or
 * {@code rpc.request.metadata.<key>}, string arrays). Keys and attribute keys are built once; per call
 * this is a lookup per allowlisted key, done only for recording spans.
 */
public final class MetadataCapture {

  private static final Logger logger = Logger.getLogger(MetadataCapture.class.getName());
  private static final MetadataCapture NONE =
      new MetadataCapture(List.of(), List.of(), List.of());

  private final Metadata.Key<?>[] keys;
  private final AttributeKey<List<String>>[] oldAttributes;
  private final AttributeKey<List<String>>[] newAttributes;

  @SuppressWarnings({"unchecked", "rawtypes"})
  private MetadataCapture(List<Metadata.Key<String>> keys, List<AttributeKey<List<String>>> oldAttributes,
      List<AttributeKey<List<String>>> newAttributes) {
    this.keys = keys.toArray(new Metadata.Key<?>[0]);
    this.oldAttributes = oldAttributes.toArray(new AttributeKey[0]);
    this.newAttributes = newAttributes.toArray(new AttributeKey[0]);
  }

  /** Captures nothing. */
  public static MetadataCapture none() {
    return NONE;
  }

  /**
   * A capture of {@code names} (case-insensitive; binary keys are skipped with a log line, as their values
   * are not text).
   *
   * @param request true for request metadata, false for response metadata
   */
  public static MetadataCapture of(Collection<String> names, boolean request, RpcSemconv.Mode mode) {
    requireNonNull(names, "names");
    requireNonNull(mode, "mode");
    Set<String> unique = new LinkedHashSet<>();
    for (String name : names) {
      String key = normalize(name, "metadata key");
      if (GrpcMetadata.isBinary(key)) {
        logger.fine(() -> "not capturing binary metadata key " + key);
        continue;
      }
      unique.add(key);
    }
    if (unique.isEmpty()) {
      return NONE;
    }
    List<Metadata.Key<String>> keys = new ArrayList<>();
    List<AttributeKey<List<String>>> oldAttributes = new ArrayList<>();
    List<AttributeKey<List<String>>> newAttributes = new ArrayList<>();
    String oldPrefix = request
        ? RpcSemconv.RPC_GRPC_REQUEST_METADATA_PREFIX : RpcSemconv.RPC_GRPC_RESPONSE_METADATA_PREFIX;
    String newPrefix = request
        ? RpcSemconv.RPC_REQUEST_METADATA_PREFIX : RpcSemconv.RPC_RESPONSE_METADATA_PREFIX;
    for (String key : unique) {
      keys.add(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
      oldAttributes.add(mode.emitOld() ? AttributeKey.stringArrayKey(oldPrefix + key) : null);
      newAttributes.add(mode.emitNew() ? AttributeKey.stringArrayKey(newPrefix + key) : null);
    }
    return new MetadataCapture(keys, oldAttributes, newAttributes);
  }

  /**
   * Validates {@code names} as {@link #of} will, failing fast with a message naming {@code argument} (the
   * builder method), and returns an immutable copy.
   */
  public static List<String> validate(Collection<String> names, String argument) {
    requireNonNull(names, argument);
    List<String> copy = new ArrayList<>(names.size());
    for (String name : names) {
      normalize(name, argument + ": metadata key");
      copy.add(name);
    }
    return List.copyOf(copy);
  }

  /** The lower-cased, trimmed key; fails naming {@code what} when it is null, blank or not a header name. */
  private static String normalize(String name, String what) {
    requireNonNull(name, () -> what + ": must not be null");
    String key = name.trim().toLowerCase(Locale.ROOT);
    if (key.isEmpty()) {
      throw new IllegalArgumentException(what + ": must not be blank");
    }
    if (!GrpcMetadata.isBinary(key)) {
      try {
        Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(what + ": '" + key + "' is not a valid header name", e);
      }
    }
    return key;
  }

  /** Whether this captures nothing. */
  public boolean isEmpty() {
    return keys.length == 0;
  }

  /** Sets the attributes for the allowlisted keys present in {@code metadata}. */
  @SuppressWarnings("unchecked")
  public void capture(Metadata metadata, Span span) {
    if (metadata == null) {
      return;
    }
    for (int i = 0; i < keys.length; i++) {
      Iterable<String> values = metadata.getAll((Metadata.Key<String>) keys[i]);
      if (values == null) {
        continue;
      }
      List<String> list = toList(values);
      if (oldAttributes[i] != null) {
        span.setAttribute(oldAttributes[i], list);
      }
      if (newAttributes[i] != null) {
        span.setAttribute(newAttributes[i], list);
      }
    }
  }

  private static List<String> toList(Iterable<String> values) {
    Iterator<String> it = values.iterator();
    String first = it.next();
    if (!it.hasNext()) {
      return List.of(first);
    }
    List<String> list = new ArrayList<>();
    list.add(first);
    it.forEachRemaining(list::add);
    return List.copyOf(list);
  }
}

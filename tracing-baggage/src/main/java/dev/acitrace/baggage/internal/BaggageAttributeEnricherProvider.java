package dev.acitrace.baggage.internal;

import dev.acitrace.api.TracingConfig;
import dev.acitrace.api.internal.ProviderBase;
import dev.acitrace.api.spi.AttributeEnricher;
import dev.acitrace.api.spi.AttributeEnricherProvider;
import dev.acitrace.baggage.BaggageKeys;
import java.util.List;

/**
 * Provides the enricher that copies baggage entries onto RPC spans, when they start, as attributes named
 * {@code baggage.<key>}. It reads the baggage of {@link dev.acitrace.api.spi.RpcRequestInfo#parentContext()}:
 * on a server, what the caller sent; on a client, what the caller's context holds.
 *
 * <table>
 *   <caption>Configuration</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@value #INCLUDE_KEY}</td><td>the {@linkplain BaggageKeys standard keys}</td>
 *       <td>comma-separated key patterns to copy; {@code *} matches any characters, {@code *} alone
 *       copies every entry</td></tr>
 *   <tr><td>{@value #EXCLUDE_KEY}</td><td>none</td>
 *       <td>comma-separated key patterns never to copy; wins over include</td></tr>
 *   <tr><td>{@value #MAX_VALUE_LENGTH_KEY}</td><td>{@value #DEFAULT_MAX_VALUE_LENGTH}</td>
 *       <td>the most characters of a value copied; longer values are cut (never inside a surrogate
 *       pair)</td></tr>
 * </table>
 *
 * <p>Why an allowlist by default: baggage comes from callers, and a server that copied every entry would
 * let any caller choose its span attributes, with unbounded cardinality and whatever personal data the
 * caller put there. To disable the enricher, list {@value #NAME} in {@code acitrace.enrichers.disabled}.
 */
public final class BaggageAttributeEnricherProvider extends ProviderBase<AttributeEnricher> implements AttributeEnricherProvider {

  /** The provider name. */
  public static final String NAME = "baggage";

  /** Key patterns to copy. */
  public static final String INCLUDE_KEY = "acitrace.baggage.attributes.include";

  /** Key patterns never to copy. */
  public static final String EXCLUDE_KEY = "acitrace.baggage.attributes.exclude";

  /** The most characters of one value copied. */
  public static final String MAX_VALUE_LENGTH_KEY = "acitrace.baggage.attributes.max-value-length";

  /**
   * The default value cap: long enough for ids, image references and snapshot keys, short enough that a
   * caller cannot blow up span size through baggage.
   */
  public static final int DEFAULT_MAX_VALUE_LENGTH = 256;

  /** The attribute name prefix. */
  public static final String ATTRIBUTE_PREFIX = "baggage.";

  static final List<String> STANDARD_KEYS = List.of(
      BaggageKeys.REQUEST_ID,
      BaggageKeys.USER_ID,
      BaggageKeys.SESSION_ID,
      BaggageKeys.OPERATION,
      BaggageKeys.IMAGE_NAME,
      BaggageKeys.IMAGE_TAG,
      BaggageKeys.SNAPSHOT_KEY,
      BaggageKeys.CONTAINER_ID,
      BaggageKeys.NAMESPACE,
      BaggageKeys.ENVIRONMENT);

  /** For {@link java.util.ServiceLoader}. */
  public BaggageAttributeEnricherProvider() {
    super(NAME, 100, BaggageAttributeEnricherProvider::createEnricher);
  }

  /**
   * Builds the enricher; all patterns are compiled here, once.
   *
   * @throws IllegalArgumentException naming the key when {@value #MAX_VALUE_LENGTH_KEY} is not a positive
   *     integer
   */
  private static AttributeEnricher createEnricher(TracingConfig config) {
    List<String> include = config.getList(INCLUDE_KEY);
    List<String> exclude = config.getList(EXCLUDE_KEY);
    int maxValueLength = config.getInt(MAX_VALUE_LENGTH_KEY, DEFAULT_MAX_VALUE_LENGTH);
    if (maxValueLength < 1) {
      throw new IllegalArgumentException(
          MAX_VALUE_LENGTH_KEY + ": must be at least 1, got " + maxValueLength);
    }
    return new BaggageAttributeEnricher(
        KeyFilter.of(include.isEmpty() ? STANDARD_KEYS : include), KeyFilter.of(exclude), maxValueLength);
  }
}

package dev.acitrace.baggage;

import static java.util.Objects.requireNonNull;

/**
 * A container image as baggage carries it: {@link BaggageKeys#IMAGE_NAME} and {@link BaggageKeys#IMAGE_TAG},
 * set and read together through {@link BaggageContext#withImageInfo} and {@link BaggageContext#imageInfo}.
 *
 * @param name the image name, e.g. {@code registry.example.com/app}; never null
 * @param tag the image tag, e.g. {@code 1.2}; never null, empty when the context carries only a name
 */
public record ImageInfo(String name, String tag) {

  /**
   * Checks the components.
   *
   * @throws NullPointerException naming the component that is null
   */
  public ImageInfo {
    requireNonNull(name, "name");
    requireNonNull(tag, "tag");
  }
}

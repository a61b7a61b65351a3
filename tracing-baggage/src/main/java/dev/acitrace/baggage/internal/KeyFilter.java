package dev.acitrace.baggage.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A set of baggage-key patterns where {@code *} matches any run of characters (possibly empty) and every
 * other character matches itself. Compiled once; matching uses no regular expressions and allocates
 * nothing.
 */
final class KeyFilter {

  private final boolean matchesAll;
  private final Set<String> exact;
  private final String[][] globs;

  private KeyFilter(boolean matchesAll, Set<String> exact, String[][] globs) {
    this.matchesAll = matchesAll;
    this.exact = exact;
    this.globs = globs;
  }

  static KeyFilter of(List<String> patterns) {
    boolean all = false;
    Set<String> exact = new HashSet<>();
    List<String[]> globs = new ArrayList<>();
    for (String pattern : patterns) {
      if (pattern.indexOf('*') < 0) {
        exact.add(pattern);
      } else if (pattern.chars().allMatch(c -> c == '*')) {
        all = true;
      } else {
        // "a*b*c" -> ["a", "b", "c"]; a leading or trailing '*' leaves an empty first or last segment
        globs.add(pattern.split("\\*", -1));
      }
    }
    return new KeyFilter(all, Set.copyOf(exact), globs.toArray(new String[0][]));
  }

  boolean isEmpty() {
    return !matchesAll && exact.isEmpty() && globs.length == 0;
  }

  boolean matches(String key) {
    if (matchesAll || exact.contains(key)) {
      return true;
    }
    for (String[] glob : globs) {
      if (globMatches(glob, key)) {
        return true;
      }
    }
    return false;
  }

  private static boolean globMatches(String[] segments, String key) {
    String first = segments[0];
    String last = segments[segments.length - 1];
    if (key.length() < first.length() + last.length()
        || !key.startsWith(first)
        || !key.endsWith(last)) {
      return false;
    }
    // the middle segments must appear in order between the fixed prefix and suffix; taking the
    // leftmost occurrence of each is optimal for '*'-only patterns
    int from = first.length();
    int limit = key.length() - last.length();
    for (int i = 1; i < segments.length - 1; i++) {
      String segment = segments[i];
      if (segment.isEmpty()) {
        continue;
      }
      int at = key.indexOf(segment, from);
      if (at < 0 || at + segment.length() > limit) {
        return false;
      }
      from = at + segment.length();
    }
    return true;
  }
}

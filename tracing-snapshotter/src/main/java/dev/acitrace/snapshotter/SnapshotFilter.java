package dev.acitrace.snapshotter;

import static java.util.Objects.requireNonNull;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * containerd's filter syntax for snapshots, for implementations of {@link Snapshotter#walk}.
 *
 * <p>A filter is a comma-separated list of selectors that must all match. A selector is a field path,
 * optionally followed by an operator and a value: {@code name==base}, {@code kind!=view},
 * {@code parent~=^layer-}, {@code labels."containerd.io/gc.root"} (present),
 * {@code labels.env==prod}. Fields are {@code name}, {@code parent}, {@code kind} ({@code active},
 * {@code view}, {@code committed}) and {@code labels.<key>}; field names and values may be
 * double-quoted with backslash escapes. As in containerd, {@code ==} needs the field to be present,
 * {@code !=} matches an absent field, and {@code ~=} is an unanchored regular expression.
 *
 * <p>Regular expressions are RE2's, as in containerd (Go's {@code regexp}), matched by RE2/J: the
 * syntax containerd accepts, and matching in time linear in the field's length whatever the pattern, so
 * a pattern like {@code (a|a){1,64}$} cannot keep a core busy (backtracking engines such as
 * {@code java.util.regex} take exponential time on it). Error messages repeat at most
 * {@value SnapshotLimits#ECHO_LIMIT} characters of a filter.
 */
public final class SnapshotFilter {

  private SnapshotFilter() {}

  /**
   * Parses filters into one predicate that matches when any filter matches (all when there are none).
   *
   * @param filters the filters
   * @return the predicate
   * @throws InvalidArgumentException naming the filter when one is malformed
   */
  public static Predicate<SnapshotInfo> parseAll(List<String> filters) {
    requireNonNull(filters, "filters");
    Predicate<SnapshotInfo> any = null;
    long regexChars = 0;
    for (String filter : filters) {
      requireNonNull(filter, "filter");
      Parser parser = new Parser(filter);
      Predicate<SnapshotInfo> one = parser.parse();
      regexChars += parser.regexChars;
      if (regexChars > SnapshotLimits.MAX_REGEX_TOTAL_SIZE) {
        throw new InvalidArgumentException("the regular expressions of " + filters.size() + " filters take "
            + regexChars + " characters, more than " + SnapshotLimits.MAX_REGEX_TOTAL_SIZE);
      }
      any = any == null ? one : any.or(one);
    }
    return any == null ? info -> true : any;
  }

  /**
   * Parses one filter: selectors that must all match. An empty filter matches everything.
   *
   * @param filter the filter
   * @return the predicate
   * @throws InvalidArgumentException naming the filter when it is malformed
   */
  public static Predicate<SnapshotInfo> parse(String filter) {
    requireNonNull(filter, "filter");
    return new Parser(filter).parse();
  }

  /**
   * The answers of one {@code ~=} selector for the values it saw last: RE2 matches in time linear in the value
   * but with a large constant for patterns like {@code (a|a){1,64}$}, and the labels a walk tests repeat
   * (containerd's gc and snapshot labels carry the same few values over thousands of snapshots), so a value
   * seen before is answered without matching again. Direct-mapped, 256 slots, values up to 256 characters
   * (bounded memory); entries are immutable, so sharing a predicate between threads only costs misses.
   */
  private static final class Memo {
    private static final int SLOTS = 256;
    private static final int MAX_LENGTH = 256;
    private final Answer[] slots = new Answer[SLOTS];

    private record Answer(String value, boolean found) {}

    boolean find(Pattern pattern, String value) {
      if (value.length() > MAX_LENGTH) {
        return pattern.matcher(value).find();
      }
      int slot = (value.hashCode() * 0x9E3779B9 >>> 24) & (SLOTS - 1);
      Answer answer = slots[slot];
      if (answer != null && answer.value().equals(value)) {
        return answer.found();
      }
      boolean found = pattern.matcher(value).find();
      slots[slot] = new Answer(value, found);
      return found;
    }
  }

  private enum Operator { PRESENT, EQUAL, NOT_EQUAL, MATCHES }

  private record Selector(List<String> path, Operator operator, String value, Pattern pattern, Memo memo)
      implements Predicate<SnapshotInfo> {

    Selector(List<String> path, Operator operator, String value, Pattern pattern) {
      this(path, operator, value, pattern, pattern == null ? null : new Memo());
    }

    @Override
    public boolean test(SnapshotInfo info) {
      String field = field(info);
      switch (operator) {
        case PRESENT:
          return field != null;
        case EQUAL:
          return field != null && field.equals(value);
        case NOT_EQUAL:
          return !value.equals(field);
        case MATCHES:
          return field != null && memo.find(pattern, field);
        default:
          throw new AssertionError(operator);
      }
    }

    /** The field's value, or null when absent (as containerd's adaptor reports it). */
    private String field(SnapshotInfo info) {
      String head = path.get(0);
      if (path.size() == 1) {
        switch (head) {
          case "name":
            return info.name().isEmpty() ? null : info.name();
          case "parent":
            return info.parent().isEmpty() ? null : info.parent();
          case "kind":
            return info.kind().label();
          default:
            return null;
        }
      }
      if (head.equals("labels")) {
        // containerd joins the rest of the path with dots: labels.a.b is the label "a.b"
        return info.labels().get(String.join(".", path.subList(1, path.size())));
      }
      return null;
    }
  }

  private static final class Parser {
    private final String input;
    private int pos;
    long regexChars;

    Parser(String input) {
      this.input = input;
    }

    Predicate<SnapshotInfo> parse() {
      skipSpaces();
      if (pos == input.length()) {
        return info -> true;
      }
      List<Selector> selectors = new ArrayList<>();
      while (true) {
        selectors.add(selector());
        skipSpaces();
        if (pos == input.length()) {
          break;
        }
        expect(',');
        skipSpaces();
      }
      List<Selector> all = List.copyOf(selectors);
      return info -> {
        for (Selector s : all) {
          if (!s.test(info)) {
            return false;
          }
        }
        return true;
      };
    }

    private Selector selector() {
      List<String> path = new ArrayList<>();
      path.add(field());
      while (pos < input.length() && input.charAt(pos) == '.') {
        pos++;
        path.add(field());
      }
      skipSpaces();
      Operator operator = operator();
      if (operator == Operator.PRESENT) {
        return new Selector(List.copyOf(path), operator, "", null);
      }
      skipSpaces();
      String value = value();
      Pattern pattern = null;
      if (operator == Operator.MATCHES) {
        // RE2/J matches in linear time, but compiling takes more than linear time in the pattern's length
        if (value.length() > SnapshotLimits.MAX_REGEX_SIZE) {
          throw error("regular expression of " + value.length() + " characters, more than "
              + SnapshotLimits.MAX_REGEX_SIZE, null);
        }
        regexChars += value.length();
        try {
          pattern = Pattern.compile(value);
        } catch (PatternSyntaxException e) {
          throw error("bad regular expression " + SnapshotLimits.quote(value) + ": "
              + SnapshotLimits.quote(e.getDescription()), null);
        }
      }
      return new Selector(List.copyOf(path), operator, value, pattern);
    }

    private Operator operator() {
      if (input.startsWith("==", pos)) {
        pos += 2;
        return Operator.EQUAL;
      }
      if (input.startsWith("!=", pos)) {
        pos += 2;
        return Operator.NOT_EQUAL;
      }
      if (input.startsWith("~=", pos)) {
        pos += 2;
        return Operator.MATCHES;
      }
      if (pos == input.length() || input.charAt(pos) == ',') {
        return Operator.PRESENT;
      }
      throw error("expected an operator (==, !=, ~=) or ','", null);
    }

    private String field() {
      if (pos < input.length() && input.charAt(pos) == '"') {
        return quoted();
      }
      int start = pos;
      while (pos < input.length() && isFieldChar(input.charAt(pos))) {
        pos++;
      }
      if (start == pos) {
        throw error("expected a field name", null);
      }
      return input.substring(start, pos);
    }

    private String value() {
      if (pos < input.length() && input.charAt(pos) == '"') {
        return quoted();
      }
      int start = pos;
      while (pos < input.length() && input.charAt(pos) != ',' && !Character.isWhitespace(input.charAt(pos))) {
        pos++;
      }
      if (start == pos) {
        throw error("expected a value", null);
      }
      return input.substring(start, pos);
    }

    private String quoted() {
      pos++; // opening quote
      StringBuilder out = new StringBuilder();
      while (pos < input.length()) {
        char c = input.charAt(pos++);
        if (c == '"') {
          return out.toString();
        }
        if (c == '\\') {
          if (pos == input.length()) {
            break;
          }
          char e = input.charAt(pos++);
          switch (e) {
            case 'n' -> out.append('\n');
            case 't' -> out.append('\t');
            default -> out.append(e);
          }
        } else {
          out.append(c);
        }
      }
      throw error("unterminated quoted string", null);
    }

    private static boolean isFieldChar(char c) {
      return c == '_' || c == '-' || c == '/' || Character.isLetterOrDigit(c);
    }

    private void expect(char c) {
      if (pos >= input.length() || input.charAt(pos) != c) {
        throw error("expected '" + c + "'", null);
      }
      pos++;
    }

    private void skipSpaces() {
      while (pos < input.length() && Character.isWhitespace(input.charAt(pos))) {
        pos++;
      }
    }

    private InvalidArgumentException error(String what, Throwable cause) {
      String message = "malformed filter " + SnapshotLimits.quote(input) + " at " + pos + ": " + what;
      return cause == null ? new InvalidArgumentException(message) : new InvalidArgumentException(message, cause);
    }
  }
}

package dev.acitrace.reliability;

import java.util.ArrayList;
import java.util.List;

/** The properties checked and the figures measured by one part of the suite, for the results file. */
final class Report {
  /** One checked property: what it says, whether it held, what was seen. */
  record Check(String property, boolean held, String seen) {}

  final String title;
  final List<Check> checks = new ArrayList<>();
  final List<String[]> figures = new ArrayList<>();
  final List<String> notes = new ArrayList<>();

  Report(String title) {
    this.title = title;
  }

  void check(String property, boolean held, String seen) {
    checks.add(new Check(property, held, seen));
    System.out.printf("reliability: [%s] %s: %s (%s)%n", title, held ? "PASS" : "FAIL", property, seen);
  }

  void figure(String name, Object value) {
    figures.add(new String[] {name, String.valueOf(value)});
  }

  void note(String text) {
    notes.add(text);
  }

  boolean held() {
    return checks.stream().allMatch(Check::held);
  }

  long failed() {
    return checks.stream().filter(c -> !c.held()).count();
  }
}

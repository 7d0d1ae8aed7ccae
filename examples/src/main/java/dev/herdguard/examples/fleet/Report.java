package dev.herdguard.examples.fleet;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a scenario prints: a title, the parameters it ran with, one table row per policy (and cache
 * state), the targets with the measured figure and whether it is met, and where its chart
 * is. Text only; {@link #print} writes it.
 *
 * <p>Not thread-safe: build it on one thread.
 */
public final class Report {

  private final String title;
  private final String parameters;
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();
  private final List<String> targets = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private Path chart;

  Report(String title, String parameters, List<String> header) {
    this.title = title;
    this.parameters = parameters;
    this.header = List.copyOf(header);
  }

  Report row(String... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException("row has " + cells.length + " cells, header " + header.size());
    }
    rows.add(List.of(cells));
    return this;
  }

  /** A target line: what the issue asks, the figure measured, and whether it is met. */
  Report target(String what, String measured, boolean met) {
    targets.add(String.format("  %s %s: %s", met ? "[met]   " : "[MISSED]", what, measured));
    return this;
  }

  Report note(String text) {
    notes.add(text);
    return this;
  }

  Report chart(Path file) {
    this.chart = file;
    return this;
  }

  /** The table's rows, cells as printed; for tests. */
  public List<List<String>> rows() {
    return Collections.unmodifiableList(rows);
  }

  /** The chart's file, or null. */
  public Path chart() {
    return chart;
  }

  /** Prints the report. */
  public void print(PrintStream out) {
    out.println(title);
    out.println(parameters);
    out.println();
    int[] widths = new int[header.size()];
    for (int c = 0; c < widths.length; c++) {
      widths[c] = header.get(c).length();
      for (List<String> r : rows) {
        widths[c] = Math.max(widths[c], r.get(c).length());
      }
    }
    printRow(out, header, widths);
    StringBuilder rule = new StringBuilder();
    for (int c = 0; c < widths.length; c++) {
      rule.append(c == 0 ? "" : "  ").append("-".repeat(widths[c]));
    }
    out.println(rule);
    for (List<String> r : rows) {
      printRow(out, r, widths);
    }
    if (!targets.isEmpty()) {
      out.println();
      out.println("targets:");
      targets.forEach(out::println);
    }
    for (String n : notes) {
      out.println(n);
    }
    if (chart != null) {
      out.println();
      out.println("chart: " + chart.toAbsolutePath().normalize());
    }
    out.println();
  }

  private static void printRow(PrintStream out, List<String> cells, int[] widths) {
    StringBuilder b = new StringBuilder();
    for (int c = 0; c < cells.size(); c++) {
      String cell = cells.get(c);
      String pad = " ".repeat(widths[c] - cell.length());
      // Words left, figures right.
      boolean left = c == 0 || cell.isEmpty() || !Character.isDigit(cell.charAt(0)) && !cell.startsWith("-");
      b.append(c == 0 ? "" : "  ").append(left ? cell + pad : pad + cell);
    }
    out.println(b.toString().stripTrailing());
  }
}

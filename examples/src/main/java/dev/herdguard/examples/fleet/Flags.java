package dev.herdguard.examples.fleet;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scenario's command-line flags: {@code --name value} or {@code --name=value}, each declared with
 * its default and one line of help. Every problem is reported at once, naming the flag and its
 * value, as herdguard's configuration does.
 *
 * <p>Durations read like herdguard's properties: {@code 250ms}, {@code 30s}, {@code 5m},
 * {@code 1h}, {@code 2d}, combinations such as {@code 2m30s}, or ISO-8601 ({@code PT30S}).
 *
 * <p>Not thread-safe; immutable once parsed.
 */
public final class Flags {

  /** One flag: its name without dashes, its default as text, and what it sets. */
  public record Option(String name, String defaultValue, String help) {}

  private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");

  private final Map<String, String> values = new LinkedHashMap<>();
  private final List<String> errors = new ArrayList<>();

  private Flags(List<Option> options) {
    for (Option o : options) {
      values.put(o.name(), o.defaultValue());
    }
  }

  /**
   * Parses {@code args} against {@code options}.
   *
   * @throws IllegalArgumentException naming every unknown flag and every flag without a value
   */
  public static Flags parse(List<String> args, List<Option> options) {
    Flags flags = new Flags(options);
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("--") || arg.length() == 2) {
        flags.errors.add("unexpected argument '" + arg + "' (flags look like --clients 10000)");
        continue;
      }
      String name = arg.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (!flags.values.containsKey(name)) {
        flags.errors.add("unknown flag --" + name + " (known: " + known(options) + ")");
        if (value == null && i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
          i++;
        }
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
          flags.errors.add("flag --" + name + " needs a value");
          continue;
        }
        value = args.get(++i);
      }
      flags.values.put(name, value);
    }
    flags.throwIfErrors();
    return flags;
  }

  private static String known(List<Option> options) {
    StringBuilder b = new StringBuilder();
    for (Option o : options) {
      b.append(b.length() == 0 ? "--" : ", --").append(o.name());
    }
    return b.toString();
  }

  /** Throws one exception listing every problem met so far, if any. */
  public void throwIfErrors() {
    if (!errors.isEmpty()) {
      String all = String.join("; ", errors);
      errors.clear();
      throw new IllegalArgumentException(all);
    }
  }

  /** The raw text of a flag, or null when it has no value and no default. */
  public String text(String name) {
    if (!values.containsKey(name)) {
      throw new IllegalArgumentException("no flag --" + name);
    }
    String v = values.get(name);
    return v == null || v.isEmpty() ? null : v.trim();
  }

  /** A whole number; records an error and answers {@code fallback} if it is not one or is below {@code min}. */
  public int intValue(String name, int min) {
    String v = text(name);
    try {
      int n = Integer.parseInt(v.replace("_", "").replace(",", ""));
      if (n < min) {
        errors.add("--" + name + " (" + v + ") must be >= " + min);
      }
      return n;
    } catch (RuntimeException e) {
      errors.add("--" + name + " (" + v + ") must be a whole number");
      return min;
    }
  }

  /** A number; records an error if it is not one or is outside {@code [min, max]}. */
  public double doubleValue(String name, double min, double max) {
    String v = text(name);
    try {
      double d = Double.parseDouble(v);
      if (!(d >= min && d <= max)) {
        errors.add("--" + name + " (" + v + ") must be in [" + number(min) + ", " + number(max) + "]");
      }
      return d;
    } catch (RuntimeException e) {
      errors.add("--" + name + " (" + v + ") must be a number");
      return min;
    }
  }

  /** A number, or {@code fallback} when the flag is empty. */
  public double doubleOr(String name, double fallback, double min, double max) {
    return text(name) == null ? fallback : doubleValue(name, min, max);
  }

  /** A duration, or null when the flag is empty or {@code none}; records an error if unreadable. */
  public Duration duration(String name) {
    String v = text(name);
    if (v == null || v.equals("none")) {
      return null;
    }
    Duration d = parseDuration(v);
    if (d == null) {
      errors.add("--" + name + " (" + v + ") must be a duration such as 250ms, 30s, 5m, 2m30s, 1h, 2d or PT30S");
      return Duration.ofSeconds(1);
    }
    return d;
  }

  /** A duration that must be given and be {@code > 0}. */
  public Duration positiveDuration(String name) {
    Duration d = duration(name);
    if (d == null || d.isZero()) {
      errors.add("--" + name + " (" + text(name) + ") must be a duration > 0");
      return Duration.ofSeconds(1);
    }
    return d;
  }

  /**
   * Reads {@code 250ms}, {@code 30s}, {@code 2m30s}, {@code 1.5h}, {@code 0} or ISO-8601.
   *
   * @return the duration, or null if {@code text} is none of those
   */
  public static Duration parseDuration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("0")) {
      return Duration.ZERO;
    }
    if (t.startsWith("p")) {
      try {
        Duration d = Duration.parse(text.trim());
        return d.isNegative() ? null : d;
      } catch (RuntimeException e) {
        return null;
      }
    }
    Matcher m = DURATION_PART.matcher(t);
    int at = 0;
    double millis = 0;
    while (at < t.length() && m.find(at) && m.start() == at) {
      double n = Double.parseDouble(m.group(1));
      switch (m.group(2)) {
        case "ms" -> millis += n;
        case "s" -> millis += n * 1_000;
        case "m" -> millis += n * 60_000;
        case "h" -> millis += n * 3_600_000;
        default -> millis += n * 86_400_000;
      }
      at = m.end();
    }
    return at == t.length() && at > 0 ? Duration.ofMillis(Math.round(millis)) : null;
  }

  /** A duration the way a person writes it: {@code 250ms}, {@code 30s}, {@code 2m30s}, {@code 1h}. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms == 0) {
      return "0s";
    }
    if (ms < 1000) {
      return ms + "ms";
    }
    if (ms % 1000 != 0 && ms < 60_000) {
      return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
    }
    long s = Math.round(ms / 1000.0);
    StringBuilder b = new StringBuilder();
    if (s >= 86_400) {
      b.append(s / 86_400).append('d');
      s %= 86_400;
    }
    if (s >= 3600) {
      b.append(s / 3600).append('h');
      s %= 3600;
    }
    if (s >= 60) {
      b.append(s / 60).append('m');
      s %= 60;
    }
    if (s > 0) {
      b.append(s).append('s');
    }
    return b.toString();
  }

  /** A number without needless decimals: {@code 500}, {@code 0.01}, {@code 1.25}. */
  public static String number(double d) {
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return String.format(Locale.ROOT, "%,d", (long) d);
    }
    String s = String.format(Locale.ROOT, "%.4f", d);
    return s.replaceAll("0+$", "").replaceAll("\\.$", "");
  }
}

package dev.herdguard.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes durations the way herdguard's configuration spells them. Not part of the
 * public API.
 *
 * <p>Two forms are read:
 * <ul>
 *   <li>the short form: a whole number and one unit, {@code ms}, {@code s}, {@code m}, {@code h} or
 *       {@code d} (lower case, no space), such as {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h},
 *       {@code 2d}; a leading {@code -} is read so that a negative value meets the range rule of its
 *       key rather than a parse error. {@code 0} alone needs no unit. A bare number such as
 *       {@code 30} is rejected: seconds or milliseconds is exactly the guess a fleet must not make.
 *       Fractions such as {@code 1.5s} are rejected too, with the whole-number spelling in the
 *       message ({@code write 1500ms}): one way to write a value keeps configuration greppable.
 *   <li>ISO-8601 as {@link Duration#parse} reads it, such as {@code PT30S} or {@code P2D}; that
 *       standard allows a fraction of the seconds ({@code PT1.5S}) and so does herdguard.
 * </ul>
 *
 * <p>{@link #format} writes the short form with the largest unit that divides the value exactly,
 * and ISO-8601 when nothing shorter than a millisecond fits; {@code parse(format(d))} equals
 * {@code d} for every duration. Stateless and thread-safe.
 */
public final class Durations {

  /** The rule a value that cannot be read breaks, completing "key (value) ...". */
  public static final String RULE = "must be a duration such as 250ms, 30s, 5m, 1h, 2d or PT30S";

  private static final Pattern SHORT = Pattern.compile("(-?)([0-9]+)(?:\\.([0-9]+))?(ms|s|m|h|d)?");
  private static final long NANOS_PER_MILLI = 1_000_000L;
  private static final long SECONDS_PER_DAY = 86_400L;

  private Durations() {}

  /**
   * Reads a duration in the short form or ISO-8601; surrounding white space is ignored.
   *
   * @param text the value as written
   * @return the duration
   * @throws IllegalArgumentException if {@code text} is not a duration; the message is the rule it
   *     breaks, worded to follow the value, such as {@code must have a unit: ms, s, m, h or d}
   * @throws NullPointerException if {@code text} is null
   */
  public static Duration parse(String text) {
    String s = text.strip();
    if (s.startsWith("P") || s.startsWith("p") || s.startsWith("-P") || s.startsWith("-p")) {
      try {
        return Duration.parse(s);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(RULE);
      }
    }
    Matcher m = SHORT.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException(RULE);
    }
    boolean negative = !m.group(1).isEmpty();
    String whole = m.group(2);
    String fraction = m.group(3);
    String unit = m.group(4);
    if (unit == null) {
      if (fraction == null && whole.chars().allMatch(c -> c == '0')) {
        return Duration.ZERO;
      }
      throw new IllegalArgumentException("must have a unit: ms, s, m, h or d, such as " + whole + "s");
    }
    if (fraction != null) {
      throw new IllegalArgumentException(fractionRule(negative, whole, fraction, unit));
    }
    try {
      long n = Long.parseLong(whole);
      Duration d = of(n, unit);
      return negative ? d.negated() : d;
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("is too large for a duration");
    }
  }

  /**
   * Writes a duration in the short form, such as {@code 250ms}, {@code 30s}, {@code 5m},
   * {@code 1h}, {@code 2d} or {@code 0}, or in ISO-8601 when it has a part smaller than a
   * millisecond. {@link #parse} reads it back to the same duration.
   *
   * @param d the duration
   * @return its shortest exact spelling
   * @throws NullPointerException if {@code d} is null
   */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0";
    }
    if (d.isNegative()) {
      // Both forms read a leading minus ("-5s", "-PT0.0000015S"); the one duration without a
      // positive counterpart keeps ISO's per-field signs.
      return d.getSeconds() == Long.MIN_VALUE ? d.toString() : "-" + format(d.negated());
    }
    long seconds = d.getSeconds();
    int nanos = d.getNano();
    if (nanos == 0) {
      if (seconds % SECONDS_PER_DAY == 0) {
        return seconds / SECONDS_PER_DAY + "d";
      }
      if (seconds % 3600 == 0) {
        return seconds / 3600 + "h";
      }
      if (seconds % 60 == 0) {
        return seconds / 60 + "m";
      }
      return seconds + "s";
    }
    if (nanos % NANOS_PER_MILLI == 0) {
      try {
        return Math.addExact(Math.multiplyExact(seconds, 1000L), nanos / NANOS_PER_MILLI) + "ms";
      } catch (ArithmeticException e) {
        return d.toString();
      }
    }
    return d.toString();
  }

  /**
   * Writes a duration for a person to read in a log line or a message: its two largest units,
   * truncated, as people write them: {@code 59m59s} for 59 minutes 59.9998 seconds, {@code 1h30m},
   * {@code 2d3h}, {@code 1s250ms}, {@code 250ms}; under a millisecond {@code 0.4ms} or
   * {@code 0.001ms}, and {@code 0} for zero. Not exact and not meant to be read back: configuration
   * values are written with {@link #format}, which is.
   *
   * @param d the duration
   * @return its readable form
   * @throws NullPointerException if {@code d} is null
   */
  public static String human(Duration d) {
    if (d.isZero()) {
      return "0";
    }
    if (d.isNegative()) {
      return d.getSeconds() == Long.MIN_VALUE ? "-" + human(Duration.ofSeconds(Long.MAX_VALUE)) : "-" + human(d.negated());
    }
    long seconds = d.getSeconds();
    int nanos = d.getNano();
    if (seconds == 0) {
      if (nanos >= NANOS_PER_MILLI) {
        return nanos / NANOS_PER_MILLI + "ms";
      }
      // A microsecond delay is rare but real (a backoff base of PT0.0005S): keep three decimals.
      long micros = Math.max(1, nanos / 1000);
      String digits = String.format(java.util.Locale.ROOT, "%03d", micros).replaceAll("0+$", "");
      return "0." + digits + "ms";
    }
    long[] amounts = {seconds / SECONDS_PER_DAY, seconds / 3600 % 24, seconds / 60 % 60, seconds % 60,
        nanos / NANOS_PER_MILLI};
    String[] units = {"d", "h", "m", "s", "ms"};
    int first = 0;
    while (amounts[first] == 0) {
      first++;
    }
    StringBuilder sb = new StringBuilder().append(amounts[first]).append(units[first]);
    if (first + 1 < amounts.length && amounts[first + 1] != 0) {
      sb.append(amounts[first + 1]).append(units[first + 1]);
    }
    return sb.toString();
  }

  private static Duration of(long n, String unit) {
    switch (unit) {
      case "ms":
        return Duration.ofMillis(n);
      case "s":
        return Duration.ofSeconds(n);
      case "m":
        return Duration.ofMinutes(n);
      case "h":
        return Duration.ofHours(n);
      case "d":
        return Duration.ofDays(n);
      default:
        throw new AssertionError(unit);
    }
  }

  /** Tells the user the exact whole-number spelling of a fraction, when there is one. */
  private static String fractionRule(boolean negative, String whole, String fraction, String unit) {
    String rule = "must be a whole number of ms, s, m, h or d (no fractions)";
    try {
      BigDecimal nanos = new BigDecimal(whole + "." + fraction)
          .multiply(BigDecimal.valueOf(of(1, unit).toNanos()))
          .stripTrailingZeros();
      if (nanos.scale() > 0) {
        return rule;
      }
      BigInteger exact = nanos.toBigIntegerExact();
      if (exact.bitLength() >= 63) {
        return rule;
      }
      Duration d = Duration.ofNanos(exact.longValueExact());
      return rule + ": write " + format(negative ? d.negated() : d);
    } catch (ArithmeticException e) {
      return rule;
    }
  }
}

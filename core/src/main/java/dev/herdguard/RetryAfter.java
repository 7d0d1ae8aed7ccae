package dev.herdguard;

import dev.herdguard.internal.Durations;
import dev.herdguard.internal.HttpDates;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.random.RandomGenerator;

/**
 * What to do with a server's {@code Retry-After} hint: wait it out (spread), ignore it, or give up.
 *
 * <p>A server that sheds load with "come back in 30 s" tells every client the same thing. If all of
 * them came back at second 30, the server would face the same herd again, 30 s later. So a hint
 * {@code h} is honoured but spread: the wait is drawn uniformly in {@code [h, h * (1 + spread)]},
 * never shorter than what the server asked. A hint longer than {@link #max()} ends the retries
 * ({@link Decision.GiveUp}): a client should not sit for an hour on one call, and a server asking
 * for that is saying "not now".
 *
 * <p>{@link #parse} reads the header; {@link #decide(Duration, double)} turns a hint and one uniform
 * draw into a {@link Decision}, a pure function so a test can assert the exact delay for a draw.
 * Settings correspond to {@code herdguard.retry.retry-after.max} (default 10 minutes) and
 * {@code herdguard.retry.retry-after.spread} (default 0.2).
 *
 * <p>A {@code RetryAfter} is immutable and thread-safe.
 */
public final class RetryAfter {

  /** Header values longer than this are ignored: the longest valid form has 33 characters. */
  static final int MAX_LENGTH = 64;

  /** The upper bound of {@link #max()}: keeps every delay, spread included, well inside a long of nanoseconds. */
  static final Duration MAX_MAX = Duration.ofDays(365);

  /** The upper bound of {@link #spread()}. */
  static final double MAX_SPREAD = 10.0;

  private static final RetryAfter DEFAULTS = new RetryAfter(Duration.ofMinutes(10), 0.2);

  private final Duration max;
  private final double spread;

  private RetryAfter(Duration max, double spread) {
    Objects.requireNonNull(max, "max");
    if (max.isNegative() || max.isZero()) {
      throw new IllegalArgumentException("retry-after max (" + Durations.format(max) + ") must be > 0");
    }
    if (max.compareTo(MAX_MAX) > 0) {
      throw new IllegalArgumentException("retry-after max (" + Durations.format(max) + ") must be <= " + Durations.format(MAX_MAX));
    }
    if (!(spread >= 0.0 && spread <= MAX_SPREAD)) {
      throw new IllegalArgumentException("retry-after spread (" + spread + ") must be in [0, 10]");
    }
    this.max = max;
    this.spread = spread;
  }

  /**
   * A policy that honours hints up to {@code max} and spreads each over {@code [h, h * (1 + spread)]}.
   *
   * @param max the longest hint honoured ({@code herdguard.retry.retry-after.max}); a longer one
   *     gives {@link Decision.GiveUp}
   * @param spread how far past the hint a wait may go, as a fraction of it
   *     ({@code herdguard.retry.retry-after.spread}); 0 waits exactly the hint
   * @return the policy
   * @throws NullPointerException if {@code max} is null
   * @throws IllegalArgumentException if {@code max} is not in (0, 365 days] or {@code spread} is
   *     not in [0, 10]
   */
  public static RetryAfter of(Duration max, double spread) {
    return new RetryAfter(max, spread);
  }

  /**
   * The policy with the documented defaults: max 10 minutes, spread 0.2.
   *
   * @return the default policy
   */
  public static RetryAfter ofDefaults() {
    return DEFAULTS;
  }

  /**
   * The longest hint honoured.
   *
   * @return the longest hint honoured
   */
  public Duration max() {
    return max;
  }

  /**
   * How far past the hint a wait may go, as a fraction of the hint.
   *
   * @return the spread
   */
  public double spread() {
    return spread;
  }

  /**
   * Reads a {@code Retry-After} header value (RFC 9110, section 10.2.3) as a wait from {@code now}.
   *
   * <p>Accepted: delay-seconds ({@code 1*DIGIT}, ASCII digits only) and the three HTTP-date forms
   * recipients must accept: IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT}), RFC 850
   * ({@code Sunday, 06-Nov-94 08:49:37 GMT}, the two-digit year read as the year with those
   * digits within 50 years of {@code now}) and asctime ({@code Sun Nov  6 08:49:37 1994}, read as
   * UTC). Spaces and tabs around the value are ignored. A date in the past gives
   * {@link Duration#ZERO}.
   *
   * <p>Anything else is no hint and gives an empty result, never an exception: null, empty, signs
   * ({@code -1}, {@code +5}), fractions ({@code 1.5}), units, lists, a number of seconds too large
   * for a {@code long}, a date with an impossible field ({@code 32 Oct}, {@code 25:00:00}), a date
   * whose weekday does not match it (which half is wrong cannot be known), lower-case names (the
   * grammar is case-sensitive), and any value longer than 64 characters. Cost is linear in a length
   * bounded by 64: no regex, nothing to backtrack.
   *
   * @param headerValue the header's value, may be null
   * @param now the current time, the origin of a date's wait
   * @return the wait the server asked for, or empty when the value is not a usable hint
   * @throws NullPointerException if {@code now} is null
   */
  public static Optional<Duration> parse(String headerValue, Instant now) {
    Objects.requireNonNull(now, "now");
    if (headerValue == null || headerValue.length() > MAX_LENGTH) {
      return Optional.empty();
    }
    int from = 0;
    int to = headerValue.length();
    // RFC 9110 field values lose their optional whitespace (SP / HTAB) at both ends.
    while (from < to && isOptionalWhitespace(headerValue.charAt(from))) {
      from++;
    }
    while (to > from && isOptionalWhitespace(headerValue.charAt(to - 1))) {
      to--;
    }
    if (from == to) {
      return Optional.empty();
    }
    char first = headerValue.charAt(from);
    if (first >= '0' && first <= '9') {
      return delaySeconds(headerValue, from, to);
    }
    OptionalLong epochSecond = HttpDates.parseEpochSecond(headerValue, from, to, yearOf(now));
    if (epochSecond.isEmpty()) {
      return Optional.empty();
    }
    Duration wait = Duration.between(now, Instant.ofEpochSecond(epochSecond.getAsLong()));
    return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
  }

  /**
   * What to do for a hint {@code hint}, given one uniform draw {@code u}.
   *
   * <ul>
   *   <li>{@code hint > max}: {@link Decision.GiveUp}. A hint exactly {@code max} is honoured.
   *   <li>otherwise {@link Decision.Wait} with delay {@code hint + u * spread * hint}, rounded to
   *       the nanosecond: within {@code [hint, hint * (1 + spread)]}. A zero hint (or a date in the
   *       past) gives a zero delay: the server said "now", and there is nothing to scale a spread
   *       from. The caller's {@link RetryBudget} still applies to that retry.
   * </ul>
   *
   * @param hint the wait the server asked for, as from {@link #parse}
   * @param u a uniform draw in {@code [0, 1)}
   * @return the decision: never {@link Decision.NoHint}
   * @throws NullPointerException if {@code hint} is null
   * @throws IllegalArgumentException if {@code hint} is negative or {@code u} is outside [0, 1)
   */
  public Decision decide(Duration hint, double u) {
    Objects.requireNonNull(hint, "hint");
    if (hint.isNegative()) {
      throw new IllegalArgumentException("retry-after hint (" + Durations.format(hint) + ") must be >= 0");
    }
    if (!(u >= 0.0 && u < 1.0)) {
      throw new IllegalArgumentException("u (" + u + ") must be in [0, 1)");
    }
    if (hint.compareTo(max) > 0) {
      return new Decision.GiveUp(hint);
    }
    // hint <= max <= 365 days, so hint * (1 + spread) <= 11 years: no overflow in nanoseconds.
    long hintNanos = hint.toNanos();
    long delayNanos = hintNanos + Math.round(u * spread * hintNanos);
    return new Decision.Wait(Duration.ofNanos(delayNanos), hint);
  }

  /**
   * What to do for a {@code Retry-After} header value: {@link #parse} it against {@code now}, then
   * {@link #decide(Duration, double) decide} with one draw from {@code random}. Draws only when the
   * value is a usable hint.
   *
   * @param headerValue the header's value, may be null (no header)
   * @param now the current time
   * @param random the source of the draw
   * @return {@link Decision.NoHint} when the value is not a usable hint, otherwise as
   *     {@link #decide(Duration, double)}
   * @throws NullPointerException if {@code now} or {@code random} is null
   * @throws IllegalArgumentException if {@code random} draws a double outside [0, 1)
   */
  public Decision decide(String headerValue, Instant now, RandomGenerator random) {
    Objects.requireNonNull(random, "random");
    Optional<Duration> hint = parse(headerValue, now);
    if (hint.isEmpty()) {
      return Decision.NoHint.INSTANCE;
    }
    return decide(hint.get(), random.nextDouble());
  }

  /**
   * The outcome for one response: {@link NoHint}, {@link Wait} or {@link GiveUp}. Immutable,
   * thread-safe.
   */
  public sealed interface Decision {

    /**
     * The response carried no usable hint (none, or one that could not be read): the caller falls
     * back to its own backoff.
     */
    record NoHint() implements Decision {
      /** The one instance a {@link RetryAfter} returns; any other equals it. */
      public static final NoHint INSTANCE = new NoHint();
    }

    /**
     * Retry after {@code delay}, drawn at or after the server's {@code hint}.
     *
     * @param delay how long to wait before the retry, {@code >= hint}
     * @param hint the wait the server asked for
     */
    record Wait(Duration delay, Duration hint) implements Decision {
      /**
       * Checks the components.
       *
       * @throws NullPointerException if either is null
       * @throws IllegalArgumentException if {@code hint} is negative or {@code delay < hint}
       */
      public Wait {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(hint, "hint");
        if (hint.isNegative()) {
          throw new IllegalArgumentException("retry-after hint (" + Durations.format(hint) + ") must be >= 0");
        }
        if (delay.compareTo(hint) < 0) {
          throw new IllegalArgumentException(
              "retry-after delay (" + Durations.format(delay) + ") must be >= hint (" + Durations.format(hint) + ")");
        }
      }
    }

    /**
     * The server asked for a wait longer than {@link RetryAfter#max()}: stop retrying this call (and
     * tell {@link HerdGuardListener#onRetryAfterTooLong}).
     *
     * @param hint the wait the server asked for
     */
    record GiveUp(Duration hint) implements Decision {
      /**
       * Checks the component.
       *
       * @throws NullPointerException if {@code hint} is null
       */
      public GiveUp {
        Objects.requireNonNull(hint, "hint");
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RetryAfter
        && ((RetryAfter) o).max.equals(max)
        && Double.compare(((RetryAfter) o).spread, spread) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(max, spread);
  }

  @Override
  public String toString() {
    return "RetryAfter[max=" + Durations.format(max) + ", spread=" + spread + "]";
  }

  private static Optional<Duration> delaySeconds(String s, int from, int to) {
    long seconds = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return Optional.empty();
      }
      int digit = c - '0';
      if (seconds > (Long.MAX_VALUE - digit) / 10) {
        // More seconds than a long holds is not a delay anyone meant: no hint, not an exception.
        return Optional.empty();
      }
      seconds = seconds * 10 + digit;
    }
    return Optional.of(Duration.ofSeconds(seconds));
  }

  private static boolean isOptionalWhitespace(char c) {
    return c == ' ' || c == '\t';
  }

  /** The UTC year of {@code now}, clamped to what {@link LocalDate} holds so no instant can throw. */
  private static int yearOf(Instant now) {
    long day = Math.floorDiv(now.getEpochSecond(), 86_400L);
    day = Math.max(LocalDate.MIN.toEpochDay(), Math.min(LocalDate.MAX.toEpochDay(), day));
    return LocalDate.ofEpochDay(day).getYear();
  }
}

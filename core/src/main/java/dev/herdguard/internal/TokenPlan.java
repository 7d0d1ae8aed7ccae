package dev.herdguard.internal;

import java.time.Duration;
import java.time.Instant;

/**
 * The instants of one token's life in a token cache: when to refresh it, when to stop handing it
 * out, when to warn that it is about to expire. Not part of the public API.
 *
 * <p>A pure function of the token's instants, the moment the cache takes it, the settings and one
 * uniform draw {@code u}, so that a test can assert the exact instants for a draw. The one idea:
 * every margin is a part of the token's lifetime {@code L} as well as a fixed duration, whichever is
 * shorter, so that a 60-second token and a 24-hour token both behave:
 * <ul>
 *   <li>stale from {@code expiresAt - min(minRemaining, L / 10)};
 *   <li>warn from {@code expiresAt - min(expiryWarning, L / 4)};
 *   <li>refresh at {@code issuedAt + L * (from + u * (until - from))}, never after the stale instant.
 * </ul>
 * {@code L} runs from the issue instant (or now, if the issue instant lies in the future: a skewed
 * server clock) to the expiry. A token taken late in its life (loaded from a store after a restart)
 * draws its refresh over what is left of its window, and, if the window has passed, over the first
 * half of the time left before it turns stale: a fleet that restarts together then spreads its
 * refreshes instead of sending them all at start.
 *
 * @param issuedAt the start of the lifetime
 * @param expiresAt the token's expiry
 * @param refreshAt when the proactive refresh starts
 * @param staleAt from when the token is no longer handed out
 * @param warnAt from when a failing refresh raises the expiry warning
 */
public record TokenPlan(
    Instant issuedAt, Instant expiresAt, Instant refreshAt, Instant staleAt, Instant warnAt) {

  /** min-remaining is at most this part of the lifetime (1/10). */
  public static final long MARGIN_DIVISOR = 10;

  /** expiry-warning is at most this part of the lifetime (1/4): the default 15 min fits a 1 h token. */
  public static final long WARNING_DIVISOR = 4;

  /**
   * The plan for a token.
   *
   * @param issuedAt the token's issue instant
   * @param expiresAt the token's expiry, after {@code now}
   * @param now when the cache takes the token
   * @param from start of the refresh window, a part of the lifetime in (0, 1)
   * @param until end of the refresh window, in (from, 1]
   * @param minRemaining the configured min-remaining
   * @param expiryWarning the configured expiry-warning
   * @param u a uniform draw in [0, 1)
   * @return the plan; its refresh instant is never before {@code now} nor after its stale instant
   */
  public static TokenPlan of(
      Instant issuedAt,
      Instant expiresAt,
      Instant now,
      double from,
      double until,
      Duration minRemaining,
      Duration expiryWarning,
      double u) {
    Instant start = issuedAt.isAfter(now) ? now : issuedAt;
    long life = nanosBetween(start, expiresAt);
    Instant staleAt = expiresAt.minusNanos(margin(life, minRemaining));
    Instant warnAt = expiresAt.minusNanos(Math.min(saturatedNanos(expiryWarning), life / WARNING_DIVISOR));

    Instant windowStart = start.plusNanos((long) (from * life));
    Instant windowEnd = min(start.plusNanos((long) (until * life)), staleAt);
    if (windowStart.isBefore(now)) {
      windowStart = now;
    }
    if (!windowEnd.isAfter(windowStart)) {
      windowStart = now;
      windowEnd = now.plusNanos(Math.max(0, nanosBetween(now, staleAt) / 2));
    }
    Instant refreshAt = windowStart.plusNanos((long) (u * nanosBetween(windowStart, windowEnd)));
    return new TokenPlan(start, expiresAt, refreshAt, staleAt, warnAt);
  }

  /**
   * The stale instant alone, to decide whether a token is usable at all before planning it.
   *
   * @return {@code expiresAt - min(minRemaining, L / 10)}
   */
  public static Instant staleAt(Instant issuedAt, Instant expiresAt, Instant now, Duration minRemaining) {
    Instant start = issuedAt.isAfter(now) ? now : issuedAt;
    return expiresAt.minusNanos(margin(nanosBetween(start, expiresAt), minRemaining));
  }

  /** The lifetime from {@link #issuedAt()} to {@link #expiresAt()}. */
  public Duration lifetime() {
    return Duration.between(issuedAt, expiresAt);
  }

  private static long margin(long lifeNanos, Duration minRemaining) {
    return Math.min(saturatedNanos(minRemaining), Math.max(0, lifeNanos) / MARGIN_DIVISOR);
  }

  /** Nanoseconds from a to b, saturated: a token valid for centuries is planned as one for 292 years. */
  static long nanosBetween(Instant a, Instant b) {
    return saturatedNanos(Duration.between(a, b));
  }

  static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}

package dev.herdguard;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Why a {@link GuardedOperation} stopped without a result of its own. The {@link #reason()} tells
 * which of herdguard's limits ended the call; the {@linkplain #getCause() cause}, when there is
 * one, is the last failure of the guarded code. A failure that herdguard does not retry (anything
 * but an {@code IOException}, a timeout or a busy server, by default) is rethrown as it is, not
 * wrapped in this exception.
 */
public final class HerdGuardException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Which limit ended the call. */
  public enum Reason {
    /** The circuit breaker was open: the call was not made (fail fast). */
    BREAKER_OPEN,
    /**
     * {@code retry.max-attempts} attempts failed, another would start after {@code
     * retry.max-duration}, or the caller's {@link GuardedOperation.RetryControl} refused the retry.
     */
    RETRIES_EXHAUSTED,
    /** The host's retry budget had no retry left: the server is already failing many calls. */
    BUDGET_EXHAUSTED,
    /** The server asked for a wait longer than {@code retry.retry-after.max}. */
    RETRY_AFTER_TOO_LONG,
    /**
     * The host is backing off (its attempts failed in a row, or its server asked for a wait), and
     * the wait would end after {@code retry.max-duration} or after the caller's deadline:
     * {@link #retryAfter()} is the time left. See {@link HostState}.
     */
    HOST_WAIT,
    /** The {@link HerdGuard} was closed while the call waited, or before it started. */
    CLOSED
  }

  private final Reason reason;
  private final String operation;
  private final int attempts;
  private final Duration elapsed;
  private final Duration retryAfter;

  HerdGuardException(Reason reason, String operation, int attempts, Duration elapsed,
      Duration retryAfter, String message, Throwable cause) {
    super(message, cause, true, false);
    this.reason = Objects.requireNonNull(reason);
    this.operation = operation;
    this.attempts = attempts;
    this.elapsed = elapsed;
    this.retryAfter = retryAfter;
  }

  /** Which limit ended the call. */
  public Reason reason() {
    return reason;
  }

  /** The guarded operation's name, with its host when it has one ({@code login@auth.example.com}). */
  public String operation() {
    return operation;
  }

  /** How many times the guarded code ran; 0 when the breaker refused the first attempt. */
  public int attempts() {
    return attempts;
  }

  /** Time from the call's start to its end, on the guard's clock. */
  public Duration elapsed() {
    return elapsed;
  }

  /**
   * For {@link Reason#RETRY_AFTER_TOO_LONG}: the wait the server asked for; for {@link
   * Reason#HOST_WAIT}: the time left until the host's next attempt may start.
   */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}

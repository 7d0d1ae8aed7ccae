package dev.herdguard;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;

/**
 * Receives herdguard's events, for metrics and alerts. Every method has an empty default, so an
 * implementation overrides only what it counts.
 *
 * <p>Methods are called on the thread where the event happens (a caller's thread, a scheduler's
 * thread); they must be thread-safe and quick, and must not throw: an exception from a listener is
 * logged and otherwise ignored. No event carries a token's value.
 */
public interface HerdGuardListener {

  /** A listener that ignores every event. */
  HerdGuardListener NONE = new HerdGuardListener() {};

  /** A guarded operation will retry after {@code delay}; {@code attempt} is the attempt that failed (1 = first). */
  default void onRetry(String operation, int attempt, Duration delay, Throwable cause) {}

  /** A guarded operation gave up after {@code attempts} attempts. */
  default void onRetriesExhausted(String operation, int attempts, Duration elapsed, Throwable lastCause) {}

  /** A breaker changed state. */
  default void onBreakerStateChange(String breaker, CircuitBreaker.State from, CircuitBreaker.State to) {}

  /** A breaker refused a call without making it. */
  default void onBreakerRejected(String breaker) {}

  /** The retry budget for {@code host} refused a retry. */
  default void onBudgetExhausted(String host) {}

  /**
   * Attempts to {@code host} failed {@code failures} times in a row (or its server asked for a
   * wait), and no attempt to it starts for {@code wait}. See {@link HostState}.
   */
  default void onHostWait(String host, int failures, Duration wait) {}

  /** A server asked for a wait longer than {@code herdguard.retry.retry-after.max}. */
  default void onRetryAfterTooLong(String operation, Duration asked) {}

  /** A login (or refresh) succeeded and gave a token valid for {@code lifetime}. */
  default void onLogin(Duration lifetime) {}

  /** A login (or refresh) failed; the next attempt comes no sooner than {@code retryIn}. */
  default void onLoginFailed(Throwable cause, Duration retryIn) {}

  /** The current token has only {@code left} and its refresh keeps failing. Sent once per token. */
  default void onTokenExpiryWarning(Duration left) {}

  /** The token store could not be read or written; the token is kept in memory. */
  default void onTokenStoreFailure(Throwable cause) {}
}

package dev.herdguard;

import dev.herdguard.internal.LogLimiter;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports a guarded operation's breaker state changes (a WARN and {@link
 * HerdGuardListener#onBreakerStateChange}) without a Resilience4j event consumer.
 *
 * <p>Why not {@code breaker.getEventPublisher().onStateTransition(...)}: once any consumer is
 * registered, Resilience4j's state machine builds an event object, with a {@code ZonedDateTime.now()},
 * on every success and every error, whether anyone wants that event type or not. That was most of
 * the cost, and all the allocation, of a guarded call that succeeds.
 *
 * <p>The one idea: a breaker only changes state inside a call on it (Resilience4j runs no timer for
 * herdguard's breakers: automatic open-to-half-open is off), so the operation {@linkplain #check()
 * checks} the state after each of its own calls that can change it — a permission asked for, a
 * success or an error recorded. A check is two volatile reads when nothing changed. When the state
 * differs from the last one reported, the change is reported under a lock, in order, once. A change
 * made from outside herdguard ({@code circuitBreaker().transitionToOpenState()}, {@code reset()}) is
 * reported by the operation's next call. Two changes can only merge into one report if a thread
 * stalls between recording an outcome and its check for longer than the open state's wait.
 */
final class BreakerStateWatch {

  /** The facade's logger, as when the events came from Resilience4j's publisher. */
  private static final Logger log = LoggerFactory.getLogger(HerdGuard.class);

  private final String name;
  private final CircuitBreaker breaker;
  private final HerdGuardListener listener;
  /** A breaker that flaps (a short open wait, a server half up) logs each transition once a minute. */
  private final LogLimiter warnings;
  /** Held while a change is reported, never while anything waits; reentrant for a listener that calls in. */
  private final ReentrantLock reporting = new ReentrantLock();
  private volatile CircuitBreaker.State reported;

  BreakerStateWatch(String name, CircuitBreaker breaker, HerdGuardListener listener, LogLimiter warnings) {
    this.name = name;
    this.warnings = warnings;
    this.breaker = breaker;
    this.listener = listener;
    this.reported = breaker.getState();
  }

  /** Reports the breaker's state if it changed since the last report. */
  void check() {
    if (breaker.getState() != reported) {
      report();
    }
  }

  private void report() {
    reporting.lock();
    try {
      CircuitBreaker.State from = reported;
      CircuitBreaker.State to = breaker.getState();
      if (to == from) {
        return; // another thread reported it first
      }
      reported = to;
      warnings.warn(log, "breaker " + from + " " + to, "{}: circuit breaker {} -> {}", name, from, to);
      try {
        listener.onBreakerStateChange(name, from, to);
      } catch (RuntimeException failure) {
        warnings.warn(log, "listener", "herdguard listener failed", failure);
      }
    } finally {
      reporting.unlock();
    }
  }
}

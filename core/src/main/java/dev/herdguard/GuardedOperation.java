package dev.herdguard;

import dev.herdguard.internal.Durations;
import dev.herdguard.internal.LogLimiter;
import dev.herdguard.internal.Sleeper;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One guarded operation, such as a login or an update check: each call runs under the operation's
 * circuit breaker, retries its failures with the operation's {@link Backoff}, spends the host's
 * {@link RetryBudget} on each retry, honours (capped and spread) the wait a busy server asks for,
 * and stops at {@code retry.max-attempts} or {@code retry.max-duration}.
 *
 * <p>Get one from {@link HerdGuard#operation(String)}; it is reusable and thread-safe, and meant to
 * be shared: the breaker and the budget only protect the server if every call to it goes through
 * the same operation.
 *
 * <p>What is retried: {@link java.io.IOException} (including {@link ServerBusyException} and socket
 * timeouts) and {@link TimeoutException}. Anything else fails at once and is rethrown unchanged. A
 * call that is interrupted or cancelled stops at once, during a backoff too, and gives its breaker
 * permission back instead of counting a failure: a cancelled call says nothing about the server.
 */
public final class GuardedOperation {

  private static final Logger log = LoggerFactory.getLogger(GuardedOperation.class);
  /** A listener that throws on every call must not flood the log either. */
  private static final LogLimiter LISTENER_WARNINGS = LogLimiter.ofDefaults();
  /** A blocking call held this long or longer is logged at INFO with why. */
  static final long LONG_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final String name;
  private final CircuitBreaker breaker;
  private final Backoff backoff;
  private final int maxAttempts;
  private final long maxDurationNanos;
  private final RetryAfter retryAfter;
  private final RetryBudget.Host budget;
  private final String budgetKey;
  private final LongSupplier ticker;
  private final HostState host;
  private final RandomGenerator random;
  private final Supplier<ScheduledExecutorService> scheduler;
  private final Sleeper sleeper;
  private final Lifecycle lifecycle;
  private final RetryControl sleeping;
  private final HerdGuardListener listener;
  private final BreakerStateWatch watch;
  /** Repeated warnings (a budget exhausted call after call) are logged once a minute with a count. */
  private final LogLimiter warnings;

  GuardedOperation(String name, CircuitBreaker breaker, HerdGuardConfig config, RetryBudget.Host budget,
      String budgetKey, HostState host, LongSupplier ticker, RandomGenerator random,
      Supplier<ScheduledExecutorService> scheduler, Sleeper sleeper, HerdGuardListener listener,
      Lifecycle lifecycle) {
    this.name = name;
    this.breaker = breaker;
    this.backoff = config.backoff();
    this.maxAttempts = config.retryMaxAttempts();
    this.maxDurationNanos = saturatedNanos(config.retryMaxDuration());
    this.retryAfter = RetryAfter.of(config.retryAfterMax(), config.retryAfterSpread());
    this.budget = budget;
    this.budgetKey = budgetKey;
    this.host = host;
    this.ticker = ticker;
    this.random = random;
    this.scheduler = scheduler;
    this.lifecycle = lifecycle;
    this.sleeper = lifecycle.sleeper(sleeper, name);
    this.sleeping = this.sleeper::sleep;
    this.listener = listener;
    this.warnings = new LogLimiter(LogLimiter.DEFAULT_INTERVAL, ticker);
    this.watch = new BreakerStateWatch(name, breaker, listener, warnings);
  }

  /** The operation's name, with its host when it has one ({@code login@auth.example.com}). */
  public String name() {
    return name;
  }

  /**
   * The state of the host this operation calls, shared by every operation towards it: the wait its
   * failures have set, and the timeout to give the next attempt ({@link
   * HostState#attemptTimeout(Duration)}). An operation without a host has one of its own name.
   */
  public HostState host() {
    return host;
  }

  /**
   * The operation's circuit breaker, for metrics and for tests. Do not reset it from production code.
   * A state change made through it directly is logged and reported to the listener by the
   * operation's next call.
   */
  public CircuitBreaker circuitBreaker() {
    return breaker;
  }

  /**
   * Runs {@code work} under this operation's breaker, retrying its retryable failures, and throws
   * only what {@code work} throws: {@code guard.operation("login").call(() -> client.login(user))}
   * with a {@code login} declared {@code throws IOException} throws {@code IOException}, the
   * caller's own type, unwrapped. The calling thread waits out each backoff (interruptibly, holding
   * no monitor).
   *
   * <p>How this compares: Failsafe's {@code get(CheckedSupplier)} wraps a checked failure in its
   * unchecked {@code FailsafeException}, so the caller catches herdguard's type and unwraps its
   * own; Resilience4j's {@code decorateCheckedSupplier} throws {@code Throwable}. herdguard infers
   * the exception type from the lambda instead (see {@link CheckedCallable}); what herdguard adds
   * is unchecked ({@link HerdGuardException}) or is the wait's {@link InterruptedException}.
   *
   * @param work the guarded code; it may run several times
   * @param <T> the result type
   * @param <X> what {@code work} may throw, inferred from it
   * @return the first successful result
   * @throws X {@code work}'s own failure: one that is not retried, at once
   * @throws HerdGuardException if the breaker is open, the retries or the retry budget are spent, or
   *     the server asked for a wait longer than allowed; its cause is the last failure
   * @throws InterruptedException if the thread is interrupted while the call waits between attempts
   */
  public <T, X extends Exception> T call(CheckedCallable<T, X> work) throws X, InterruptedException {
    return call(work, sleeping);
  }

  /**
   * Runs {@code work}, which returns nothing, like {@link #call(CheckedCallable)}:
   * {@code guard.operation("sync").run(store::upload)}.
   *
   * @param work the guarded code; it may run several times
   * @param <X> what {@code work} may throw, inferred from it
   * @throws X {@code work}'s own failure when it is not retried
   * @throws HerdGuardException as {@link #call(CheckedCallable)}
   * @throws InterruptedException if the thread is interrupted while the call waits between attempts
   */
  public <X extends Exception> void run(CheckedRunnable<X> work) throws X, InterruptedException {
    Objects.requireNonNull(work, "work");
    call(() -> {
      work.run();
      return null;
    });
  }

  /**
   * Runs a {@link Callable} you already hold like {@link #call(CheckedCallable)}; it throws
   * {@code Exception} because {@code Callable.call()} does. A lambda picks the
   * {@link CheckedCallable} overload, which throws only what the lambda throws.
   *
   * @param callable the guarded code; it may run several times
   * @param <T> the result type
   * @return the callable's first successful result
   * @throws HerdGuardException if the breaker is open, the retries or the retry budget are spent, or
   *     the server asked for a wait longer than allowed
   * @throws InterruptedException if the thread is interrupted while the call waits or runs
   * @throws Exception the callable's own failure when it is not retried
   */
  public <T> T call(Callable<T> callable) throws Exception {
    return call(callable, sleeping);
  }

  /**
   * Runs {@code work} like {@link #call(Callable, RetryControl)}, throwing only what {@code work}
   * throws (see {@link #call(CheckedCallable)}).
   *
   * @param work the guarded code; it may run several times
   * @param control asked before each retry whether it may happen, then waits for it
   * @param <T> the result type
   * @param <X> what {@code work} may throw, inferred from it
   * @return the first successful result
   * @throws X {@code work}'s own failure when it is not retried
   * @throws HerdGuardException as {@link #call(Callable, RetryControl)}
   * @throws InterruptedException if the thread is interrupted while the call runs, or
   *     {@code control}'s wait throws it
   */
  @SuppressWarnings("unchecked")
  public <T, X extends Exception> T call(CheckedCallable<T, X> work, RetryControl control)
      throws X, InterruptedException {
    try {
      return call((Callable<T>) work, control);
    } catch (RuntimeException | InterruptedException e) {
      throw e;
    } catch (Exception e) {
      // Only work's own failures reach here (herdguard's are unchecked or the wait's interrupt),
      // and work can only throw X.
      throw (X) e;
    }
  }

  /**
   * Runs {@code callable} like {@link #call(Callable)}, but lets {@code control} refuse a retry and
   * do the waiting between attempts. For a caller that must end a wait early or knows a retry is
   * useless: an HTTP call that can be cancelled, has a deadline of its own, or carries a request
   * that must not be sent twice.
   *
   * @param callable the guarded code; it may run several times
   * @param control asked before each retry whether it may happen, then waits for it
   * @param <T> the result type
   * @return the callable's first successful result
   * @throws HerdGuardException if the breaker is open, the retries or the retry budget are spent, the
   *     server asked for a wait longer than allowed, or {@code control} refused a retry
   * @throws InterruptedException if the thread is interrupted while the call runs, or
   *     {@code control}'s wait throws it
   * @throws Exception the callable's own failure when it is not retried
   */
  public <T> T call(Callable<T> callable, RetryControl control) throws Exception {
    Objects.requireNonNull(callable, "callable");
    Objects.requireNonNull(control, "control");
    if (lifecycle.isClosed()) {
      throw lifecycle.closedException(name);
    }
    // The success path allocates nothing: the attempts' record is made at the first failure.
    long startNanos = ticker.getAsLong();
    budget.recordFirstAttempt();
    Attempts attempts = null;
    boolean waited = false;
    while (true) {
      // The host's wait gates every attempt, a new call's first one included; healthy, it is one
      // read. Waited once per attempt: a retry's wait already covers it (see retryDelayNanos).
      HostState.Streak seen = host.current();
      long wait = waited ? 0 : host.waitNanos(seen);
      if (wait > 0) {
        if (attempts == null) {
          attempts = new Attempts(startNanos);
        }
        long hold = hostWaitNanos(attempts, wait, control);
        announceLongWait(hold);
        control.await(hold);
        seen = host.current();
      }
      waited = false;
      if (!breaker.tryAcquirePermission()) {
        watch.check();
        throw breakerOpen(attempts != null ? attempts : new Attempts(startNanos));
      }
      watch.check();
      if (attempts != null) {
        attempts.count++;
      }
      T result;
      try {
        result = callable.call();
      } catch (Exception failure) {
        if (isCancellation(failure)) {
          breaker.releasePermission();
          throw failure;
        }
        breaker.onError(0, TimeUnit.NANOSECONDS, failure);
        watch.check();
        if (!isRetryable(failure)) {
          throw failure;
        }
        if (attempts == null) {
          attempts = new Attempts(startNanos);
        }
        if (attempts.count == 0) {
          attempts.count = 1;
        }
        hostFailed(seen, failure);
        long delay = retryDelayNanos(attempts, failure, control);
        announceLongWait(delay);
        control.await(delay);
        waited = true;
        continue;
      } catch (Error error) {
        breaker.releasePermission();
        throw error;
      }
      recordSuccess();
      host.onSuccess();
      watch.check();
      return result;
    }
  }

  /**
   * Runs an asynchronous call under this operation's breaker, retrying its retryable failures.
   * Backoff waits are scheduled, never slept: no caller's thread blocks. Cancelling the returned
   * future stops the call at once, during a backoff too; the call in flight, if any, is cancelled
   * when its stage is a {@link CompletableFuture}.
   *
   * @param call starts one attempt; it may be invoked several times, on a scheduler thread for retries
   * @param <T> the result type
   * @return the first successful result, or the failure that ended the call: a
   *     {@link HerdGuardException} or the call's own failure when it is not retried
   */
  public <T> CompletableFuture<T> callAsync(Supplier<? extends CompletionStage<T>> call) {
    Objects.requireNonNull(call, "call");
    if (lifecycle.isClosed()) {
      return CompletableFuture.failedFuture(lifecycle.closedException(name));
    }
    AsyncCall<T> async = new AsyncCall<>(call, null);
    async.attempt();
    return async.result;
  }

  /**
   * Runs an asynchronous call like {@link #callAsync(Supplier)}, but lets {@code control} refuse a
   * retry: for an HTTP adapter whose request must not be sent twice, or whose deadline a retry would
   * pass. Only {@link RetryControl#refuseRetry} is used, on the thread that completed the failed
   * attempt; the waits are still scheduled, never slept, so {@link RetryControl#await} is not called.
   *
   * @param call starts one attempt; it may be invoked several times, on a scheduler thread for retries
   * @param control asked before each retry whether it may happen
   * @param <T> the result type
   * @return the first successful result, or the failure that ended the call: a
   *     {@link HerdGuardException} (with reason {@code RETRIES_EXHAUSTED} when {@code control}
   *     refused a retry) or the call's own failure when it is not retried
   */
  public <T> CompletableFuture<T> callAsync(Supplier<? extends CompletionStage<T>> call, RetryControl control) {
    Objects.requireNonNull(call, "call");
    Objects.requireNonNull(control, "control");
    if (lifecycle.isClosed()) {
      return CompletableFuture.failedFuture(lifecycle.closedException(name));
    }
    AsyncCall<T> async = new AsyncCall<>(call, control);
    async.attempt();
    return async.result;
  }

  /**
   * After a retryable failure: the wait before the retry, the longer of the call's own (backoff or
   * hint) and what is left of the host's wait, or the reason there is no retry.
   */
  private long retryDelayNanos(Attempts attempts, Throwable failure, RetryControl control) {
    long delay = nextDelayNanos(attempts, failure, control);
    long gate = host.waitNanos(host.current());
    return gate > delay ? hostWaitNanos(attempts, gate, control) : delay;
  }

  /**
   * A blocking call held for long looks like a hang: say why at INFO, at most once a minute per
   * operation (a fleet's worth of held calls must not flood the log).
   */
  private void announceLongWait(long waitNanos) {
    if (waitNanos < LONG_WAIT_NANOS || !log.isInfoEnabled() || warnings.permit("long-wait") == LogLimiter.SUPPRESS) {
      return;
    }
    int failures = host.consecutiveFailures();
    log.info("{}: holding this call {} before its next attempt: {} failed {} time{} in a row, and herdguard spaces "
            + "attempts to a failing server (herdguard.host.*, herdguard.backoff.*, a Retry-After) so that a fleet "
            + "does not pile onto it; logged at most once a minute",
        name, Durations.human(Duration.ofNanos(waitNanos)), host.host(), failures, failures == 1 ? "" : "s");
  }

  /** Records a retryable failure in the host's state, and reports the wait it set. */
  private void hostFailed(HostState.Streak seen, Throwable failure) {
    Duration hint = failure instanceof ServerBusyException
        ? ((ServerBusyException) failure).retryAfter().orElse(null) : null;
    long wait = host.onFailure(seen, failure, hint);
    if (wait > 0) {
      int failures = host.consecutiveFailures();
      Duration d = Duration.ofNanos(wait);
      if (log.isDebugEnabled()) {
        log.debug("{}: {} attempts to {} failed in a row; no attempt to it for {}",
            name, failures, host.host(), Durations.human(d));
      }
      safely(() -> listener.onHostWait(host.host(), failures, d));
    }
  }

  /**
   * Before an attempt that the host's wait holds back: the wait, or why the call ends instead. A
   * wait that would end after {@code retry.max-duration}, or that the caller refuses, ends the call
   * with {@link HerdGuardException.Reason#HOST_WAIT} and the time left.
   */
  private long hostWaitNanos(Attempts attempts, long wait, RetryControl control) {
    Duration left = Duration.ofNanos(wait);
    String why = null;
    if (attempts.elapsedNanos() + wait > maxDurationNanos) {
      why = "the host's wait ends after retry.max-duration ("
          + Durations.format(Duration.ofNanos(maxDurationNanos)) + ")";
    } else if (control != null) {
      why = control.refuseWait(wait).orElse(null);
    }
    if (why != null) {
      throw new HerdGuardException(HerdGuardException.Reason.HOST_WAIT, name, attempts.count,
          attempts.elapsed(), left,
          name + ": " + host.host() + (host.consecutiveFailures() == 0 ? " asked for a wait"
              : " is backing off after " + host.consecutiveFailures() + " failures in a row")
              + "; next attempt in " + Durations.format(left.truncatedTo(ChronoUnit.MILLIS)) + ", and " + why,
          attempts.last);
    }
    return wait;
  }

  private void acquirePermission(Attempts attempts) {
    if (!breaker.tryAcquirePermission()) {
      watch.check();
      throw breakerOpen(attempts);
    }
    watch.check();
    attempts.count++;
  }

  /**
   * Records a success in the breaker, on the calling thread, at once (issue 11, item 7).
   *
   * <p>Successes used to be handed over to whichever thread was recording, to spare Resilience4j's
   * window lock a second core. That delayed successes while failures went in at once, so under load
   * the window held more failures than the calls had: 20,000 virtual-thread calls with 5% failing
   * opened a 50% breaker in 3 runs of 15. Recording every outcome where it happens keeps the
   * breaker's decisions exactly those of Resilience4j's own under any concurrency; correctness
   * comes before the nanoseconds the hand-over saved.
   */
  private void recordSuccess() {
    breaker.onSuccess(0, TimeUnit.NANOSECONDS);
  }

  private HerdGuardException breakerOpen(Attempts attempts) {
    safely(() -> listener.onBreakerRejected(name));
    return new HerdGuardException(HerdGuardException.Reason.BREAKER_OPEN, name, attempts.count,
        attempts.elapsed(), null,
        name + ": circuit breaker is " + breaker.getState() + ", call not made"
            + (attempts.count > 0 ? " (after " + attempts.count + " attempts)" : ""),
        attempts.last);
  }

  /**
   * After a retryable failure: the wait before the next attempt, or the reason there is none. This
   * is the one place where a call decides to retry, shared by the blocking and the async forms.
   */
  private long nextDelayNanos(Attempts attempts, Throwable failure, RetryControl control) {
    attempts.last = failure;
    if (attempts.count >= maxAttempts) {
      throw exhausted(attempts, "retry.max-attempts=" + maxAttempts);
    }
    long delay;
    Duration hint = failure instanceof ServerBusyException
        ? ((ServerBusyException) failure).retryAfter().orElse(null) : null;
    RetryAfter.Decision decision = hint == null ? null : retryAfter.decide(hint, random.nextDouble());
    if (decision instanceof RetryAfter.Decision.GiveUp) {
      safely(() -> listener.onRetryAfterTooLong(name, hint));
      throw new HerdGuardException(HerdGuardException.Reason.RETRY_AFTER_TOO_LONG, name, attempts.count,
          attempts.elapsed(), hint,
          name + ": server asked to retry after " + Durations.format(hint)
              + ", longer than retry.retry-after.max (" + Durations.format(retryAfter.max()) + ")",
          failure);
    } else if (decision instanceof RetryAfter.Decision.Wait) {
      delay = ((RetryAfter.Decision.Wait) decision).delay().toNanos();
    } else {
      if (attempts.backoffs == null) {
        attempts.backoffs = backoff.sequence(random);
      }
      delay = attempts.backoffs.nextDelayNanos();
    }
    if (attempts.elapsedNanos() + delay > maxDurationNanos) {
      throw exhausted(attempts, "the next attempt would start after retry.max-duration ("
          + Durations.format(Duration.ofNanos(maxDurationNanos)) + ")");
    }
    // Asked before the budget, so that a retry the caller refuses costs the host no retry.
    Optional<String> refused = control == null ? Optional.empty() : control.refuseRetry(delay);
    if (refused.isPresent()) {
      throw exhausted(attempts, refused.get());
    }
    if (!budget.tryAcquireRetry()) {
      warnings.warn(log, "budget-exhausted", "{}: retry budget for {} exhausted, not retrying (last failure: {})",
          name, budgetKey, describe(failure));
      safely(() -> listener.onBudgetExhausted(budgetKey));
      throw new HerdGuardException(HerdGuardException.Reason.BUDGET_EXHAUSTED, name, attempts.count,
          attempts.elapsed(), null,
          name + ": retry budget for " + budgetKey + " exhausted after " + attempts.count
              + " attempts; last failure: " + describe(failure),
          failure);
    }
    Duration wait = Duration.ofNanos(delay);
    if (log.isDebugEnabled()) {
      log.debug("{}: attempt {} failed ({}), retrying in {}",
          name, attempts.count, describe(failure), Durations.human(wait));
    }
    int attempt = attempts.count;
    safely(() -> listener.onRetry(name, attempt, wait, failure));
    return delay;
  }

  private HerdGuardException exhausted(Attempts attempts, String limit) {
    Duration elapsed = attempts.elapsed();
    safely(() -> listener.onRetriesExhausted(name, attempts.count, elapsed, attempts.last));
    return new HerdGuardException(HerdGuardException.Reason.RETRIES_EXHAUSTED, name, attempts.count,
        elapsed, null,
        name + ": gave up after " + attempts.count + " attempts in " + Durations.format(elapsed.truncatedTo(ChronoUnit.MILLIS))
            + " (" + limit + "); last failure: " + describe(attempts.last),
        attempts.last);
  }

  /**
   * A blocking call's say over its own retries, for {@link GuardedOperation#call(Callable,
   * RetryControl)}: whether it allows the next one, and how it waits for it. One is made per call
   * by the code that knows the call (an HTTP adapter that can see a cancel or a deadline); it is
   * used on the calling thread only.
   */
  @FunctionalInterface
  public interface RetryControl {

    /**
     * Whether the retry due after {@code delayNanos} may happen. Asked after a retryable failure,
     * once the operation's own limits (attempts, duration, server hint) allow the retry and before
     * the host's retry budget is spent, so a refused retry costs the budget nothing. A reason ends
     * the call with {@link HerdGuardException.Reason#RETRIES_EXHAUSTED}, the failure as its cause and
     * the reason in its message.
     *
     * @param delayNanos the wait before the retry
     * @return empty to allow the retry, or why it must not happen (such as "POST is not safe to
     *     repeat"); by default empty
     */
    default Optional<String> refuseRetry(long delayNanos) {
      return Optional.empty();
    }

    /**
     * Whether the call may wait {@code delayNanos} for the host's wait to end before its next
     * attempt, the first one included. Asked when the host is backing off after a streak of
     * failures or a server's hint; a reason ends the call with {@link
     * HerdGuardException.Reason#HOST_WAIT}, the time left in {@link HerdGuardException#retryAfter()}
     * and the reason in its message.
     *
     * @param delayNanos the wait until the host's next attempt may start
     * @return empty to wait, or why the call must not (such as "the call's timeout ends first");
     *     by default empty
     */
    default Optional<String> refuseWait(long delayNanos) {
      return Optional.empty();
    }

    /**
     * Waits {@code delayNanos} before the next attempt, holding no monitor. Returning starts the
     * attempt; throwing ends the call at once without one. The failed attempt has already been
     * counted by the breaker, and no permission is held during the wait.
     *
     * @param delayNanos the wait, {@code >= 0}
     * @throws InterruptedException to end the call: the thread was interrupted, or the caller
     *     cancelled it
     */
    void await(long delayNanos) throws InterruptedException;
  }

  /** Retried by default: I/O failures (busy servers and socket timeouts included) and timeouts. */
  static boolean isRetryable(Throwable failure) {
    return (failure instanceof java.io.IOException && !isCancellation(failure))
        || failure instanceof TimeoutException;
  }

  /**
   * A failure that says the caller stopped waiting, not that the server failed. OkHttp's call
   * timeout is an {@link InterruptedIOException} too, and ends the call as the caller asked.
   */
  static boolean isCancellation(Throwable failure) {
    return failure instanceof InterruptedException
        || failure instanceof CancellationException
        || (failure instanceof InterruptedIOException && !(failure instanceof SocketTimeoutException));
  }

  private static String describe(Throwable failure) {
    if (failure == null) {
      return "none";
    }
    String message = failure.getMessage();
    return message == null ? failure.getClass().getName() : failure.getClass().getName() + ": " + message;
  }

  private static void safely(Runnable event) {
    try {
      event.run();
    } catch (RuntimeException e) {
      LISTENER_WARNINGS.warn(log, "listener " + e.getClass().getName(), "herdguard listener failed", e);
    }
  }

  @Override
  public String toString() {
    return "GuardedOperation[" + name + ", " + backoff + ", max-attempts=" + maxAttempts
        + ", breaker=" + breaker.getState() + "]";
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE;
    }
  }

  /** The state of one call's attempts. Confined to one thread at a time. */
  private final class Attempts {
    final long startNanos;
    int count;
    Throwable last;
    BackoffSequence backoffs;

    Attempts(long startNanos) {
      this.startNanos = startNanos;
    }

    long elapsedNanos() {
      return Math.max(0, ticker.getAsLong() - startNanos);
    }

    Duration elapsed() {
      return Duration.ofMillis(TimeUnit.NANOSECONDS.toMillis(elapsedNanos()));
    }
  }

  /** One asynchronous call: each attempt starts on the caller's thread or the scheduler's. */
  private final class AsyncCall<T> {
    final Supplier<? extends CompletionStage<T>> call;
    /** Asked before each retry; null when the caller has no say. */
    final RetryControl control;
    final CompletableFuture<T> result = new CompletableFuture<>();
    final Attempts attempts = new Attempts(ticker.getAsLong());
    volatile CompletableFuture<T> inFlight;
    volatile ScheduledFuture<?> pending;
    /** Whether the next attempt's start already accounts for the host's wait. */
    boolean waited;

    AsyncCall(Supplier<? extends CompletionStage<T>> call, RetryControl control) {
      this.call = call;
      this.control = control;
      budget.recordFirstAttempt();
      // handle, not whenComplete: a whenComplete stage of a failed future completes with a new
      // CompletionException, a stack trace filled per failed call, for a stage nobody reads.
      result.handle((value, failure) -> {
        if (pending != null) {
          lifecycle.untrack(result);
        }
        if (result.isCancelled()) {
          ScheduledFuture<?> p = pending;
          if (p != null) {
            p.cancel(false);
          }
          CompletableFuture<T> f = inFlight;
          if (f != null) {
            f.cancel(true);
          }
        }
        return null;
      });
    }

    void attempt() {
      if (result.isDone()) {
        return;
      }
      HostState.Streak seen = host.current();
      long wait = waited ? 0 : host.waitNanos(seen);
      if (wait > 0) {
        try {
          schedule(hostWaitNanos(attempts, wait, control));
        } catch (HerdGuardException stop) {
          result.completeExceptionally(stop);
        }
        return;
      }
      waited = false;
      try {
        acquirePermission(attempts);
      } catch (HerdGuardException open) {
        result.completeExceptionally(open);
        return;
      }
      // Exactly one of success, failure or release settles the permission of this attempt.
      AtomicBoolean settled = new AtomicBoolean();
      CompletableFuture<T> stage;
      try {
        stage = Objects.requireNonNull(call.get(), "call returned null").toCompletableFuture();
      } catch (RuntimeException | Error e) {
        stage = CompletableFuture.failedFuture(e);
      }
      inFlight = stage;
      if (result.isCancelled() && settled.compareAndSet(false, true)) {
        breaker.releasePermission();
        stage.cancel(true);
        return;
      }
      stage.handle((value, error) -> {
        if (!settled.compareAndSet(false, true)) {
          return null;
        }
        inFlight = null;
        Throwable failure = unwrap(error);
        if (failure == null) {
          recordSuccess();
          host.onSuccess();
          watch.check();
          result.complete(value);
        } else if (result.isCancelled() || isCancellation(failure)) {
          breaker.releasePermission();
          result.completeExceptionally(failure);
        } else {
          breaker.onError(0, TimeUnit.NANOSECONDS, failure);
          watch.check();
          if (isRetryable(failure)) {
            hostFailed(seen, failure);
          }
          retryOrFail(failure);
        }
        return null;
      });
    }

    private void retryOrFail(Throwable failure) {
      if (!isRetryable(failure)) {
        result.completeExceptionally(failure);
        return;
      }
      long delay;
      try {
        delay = retryDelayNanos(attempts, failure, control);
      } catch (HerdGuardException stop) {
        result.completeExceptionally(stop);
        return;
      }
      schedule(delay);
    }

    private void schedule(long delayNanos) {
      waited = true;
      // Tracked from its first scheduled attempt until it completes, so that close() can end it.
      if (pending == null && !lifecycle.track(result, name)) {
        return;
      }
      try {
        pending = scheduler.get().schedule(this::attempt, delayNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException stopped) {
        // The scheduler was shut down (the guard's own, by close(), or one given to it): the retry
        // can never run, so the call ends now rather than never.
        lifecycle.untrack(result);
        result.completeExceptionally(lifecycle.isClosed() ? lifecycle.closedException(name)
            : new HerdGuardException(HerdGuardException.Reason.CLOSED, name, attempts.count, attempts.elapsed(),
                null, name + ": the scheduler refused the retry (" + stopped.getMessage() + "); the call was ended",
                attempts.last));
        return;
      }
      if (result.isCancelled()) {
        pending.cancel(false);
      }
    }
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}

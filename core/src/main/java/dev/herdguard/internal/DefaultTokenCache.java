package dev.herdguard.internal;

import dev.herdguard.BackoffSequence;
import dev.herdguard.HerdGuardListener;
import dev.herdguard.LoginFailedException;
import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import dev.herdguard.TokenStore;
import dev.herdguard.TokenWaitTimeoutException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TokenCache} behind {@link TokenCache#builder}. Not part of the public API.
 *
 * <p>The one idea: the hit path is a single read of the volatile field {@link #hot}, which holds
 * the token while it may be handed out and null otherwise. Everything else (which token is
 * current, the running login, the last failure, the timers) is guarded by {@link #lock}, which is
 * held only for short bookkeeping, never while a login runs or anyone waits. Time is compared in
 * one place, {@link #checkClock}, called by a timer at the next instant that matters, by a watchdog
 * every second (a timer on a monotonic clock that stood still while the machine slept would be
 * late), and by every call that misses. Listeners and the completion of futures run after the lock
 * is released, so that no user code runs under it.
 */
public final class DefaultTokenCache implements TokenCache {

  private static final Logger log = LoggerFactory.getLogger(TokenCache.class);
  /** Failing logins, a store that cannot be written: each kind is logged once a minute with a count. */
  private final LogLimiter warnings;

  /** How often the wall clock is compared with the token's instants, whatever the timers do. */
  static final Duration WATCHDOG_PERIOD = Duration.ofSeconds(1);

  /** Timers further out are set to this and set again: a wall clock may jump, and nanos overflow. */
  private static final long MAX_TIMER_NANOS = Duration.ofDays(1).toNanos();

  private static final AtomicInteger THREADS = new AtomicInteger();

  private final TokenCache.Login login;
  private final InstantSource clock;
  private final LongSupplier ticker;
  private final RandomGenerator random;
  private final ScheduledExecutorService executor;
  private final boolean ownsExecutor;
  private final TokenStore store;
  private final double refreshFrom;
  private final double refreshUntil;
  private final Duration minRemaining;
  private final Duration defaultLifetime;
  private final Duration expiryWarning;
  private final Duration maxWait;
  private final HerdGuardListener listener;

  /** The token callers may have now, or null. Written under {@link #lock}; read without it. */
  private volatile Token hot;

  /** The value of the last invalidated token: never adopted from the store again. */
  private volatile String rejected;

  private final ReentrantLock lock = new ReentrantLock();
  // Guarded by lock:
  private final BackoffSequence failures;
  private Entry entry;
  private Token previous;
  private CompletableFuture<Token> inflight;
  private Failure failure;
  private ScheduledFuture<?> timer;
  private Instant timerAt;
  private long timerGeneration;
  private ScheduledFuture<?> watchdog;
  /** Written under the lock; volatile so that a queued login can see it without the lock. */
  private volatile boolean closed;

  /** The current token and its plan. */
  private static final class Entry {
    final Token token;
    final TokenPlan plan;
    boolean warned;

    Entry(Token token, TokenPlan plan) {
      this.token = token;
      this.plan = plan;
    }
  }

  /** A failed login: {@code retryAt} for messages, {@code retryAtNanos} on the ticker for the wait. */
  private record Failure(LoginFailedException error, Instant retryAt, long retryAtNanos) {}

  /** Whether the last failure's wait is still running, on the ticker: a wall clock step changes nothing. */
  private boolean failureWaiting() {
    return failure != null && ticker.getAsLong() - failure.retryAtNanos < 0;
  }

  private record Outcome(Token token, boolean adopted) {}

  /** Builds the cache and loads the stored token. */
  public DefaultTokenCache(TokenCacheSettings s) {
    this.login = s.login();
    this.clock = s.clock();
    this.ticker = s.ticker();
    this.warnings = new LogLimiter(LogLimiter.DEFAULT_INTERVAL, ticker);
    this.random = s.random();
    this.ownsExecutor = s.executor() == null;
    this.executor = ownsExecutor ? newExecutor() : s.executor();
    this.store = s.store();
    this.refreshFrom = s.refreshFrom();
    this.refreshUntil = s.refreshUntil();
    this.minRemaining = s.minRemaining();
    this.defaultLifetime = s.defaultLifetime();
    this.expiryWarning = s.expiryWarning();
    this.maxWait = s.maxWait();
    this.listener = s.listener();
    this.failures = s.backoff().sequence(random);

    List<Runnable> after = new ArrayList<>();
    lock.lock();
    try {
      loadAtStart(after);
    } finally {
      lock.unlock();
    }
    fire(after);
  }

  private static ScheduledExecutorService newExecutor() {
    ThreadFactory threads = r -> {
      Thread t = new Thread(r, "herdguard-token-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    // Two threads: a login that hangs on one must not delay the timer that withdraws a stale token.
    ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(2, threads);
    e.setRemoveOnCancelPolicy(true);
    return e;
  }

  // ---------------------------------------------------------------- callers

  @Override
  public Token get() throws InterruptedException {
    Token t = hot;
    return t != null ? t : await(maxWait);
  }

  @Override
  public Token get(Duration maxWait) throws InterruptedException {
    Objects.requireNonNull(maxWait, "maxWait");
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("maxWait (" + Durations.format(maxWait) + ") must be >= 0");
    }
    Token t = hot;
    return t != null ? t : await(maxWait);
  }

  private Token await(Duration maxWait) throws InterruptedException {
    CompletableFuture<Token> f = acquire();
    try {
      return f.get(TokenPlan.saturatedNanos(maxWait), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new TokenWaitTimeoutException(maxWait);
    } catch (ExecutionException e) {
      throw forThisCaller(e.getCause());
    }
  }

  @Override
  public CompletableFuture<Token> getAsync() {
    Token t = hot;
    if (t != null) {
      return CompletableFuture.completedFuture(t);
    }
    CompletableFuture<Token> shared = acquire();
    // A future of its own for each caller: cancelling or completing it must not touch the others.
    CompletableFuture<Token> mine = new CompletableFuture<>();
    // handle, not whenComplete, which would fill a new CompletionException's stack on each failure.
    shared.handle((token, error) -> {
      if (error != null) {
        mine.completeExceptionally(error instanceof CompletionException && error.getCause() != null
            ? error.getCause() : error);
      } else {
        mine.complete(token);
      }
      return null;
    });
    return mine;
  }

  @Override
  public Optional<Token> peek() {
    return Optional.ofNullable(hot);
  }

  @Override
  public boolean invalidate(Token token) {
    Objects.requireNonNull(token, "token");
    lock.lock();
    try {
      if (closed || entry == null || !entry.token.value().equals(token.value())) {
        return false;
      }
      rejected = token.value();
      previous = entry.token;
      drop();
      log.info("token invalidated (it would have expired at {}); the next call logs in",
          previous.expiresAt().orElse(null));
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    CompletableFuture<Token> pending;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      drop();
      pending = inflight;
      inflight = null;
    } finally {
      lock.unlock();
    }
    if (pending != null) {
      pending.completeExceptionally(closedException());
    }
    if (ownsExecutor) {
      executor.shutdownNow();
    }
  }

  @Override
  public String toString() {
    Token t = hot;
    return "TokenCache[" + store + ", token "
        + (t == null ? "none or stale" : "valid until " + t.expiresAt().orElse(null)) + "]";
  }

  // ---------------------------------------------------------------- the slow path

  /** The future a caller that missed waits on: done at once, the running login, or a new login. */
  private CompletableFuture<Token> acquire() {
    List<Runnable> after = new ArrayList<>();
    CompletableFuture<Token> f;
    lock.lock();
    try {
      f = acquireLocked(after);
    } finally {
      lock.unlock();
    }
    fire(after);
    return f;
  }

  private CompletableFuture<Token> acquireLocked(List<Runnable> after) {
    if (closed) {
      return CompletableFuture.failedFuture(closedException());
    }
    Instant now = clock.instant();
    checkClock(now, after);
    if (entry != null && now.isBefore(entry.plan.staleAt())) {
      // Usable by the wall clock: either hot already, or the clock went back after we withdrew it.
      hot = entry.token;
      return CompletableFuture.completedFuture(entry.token);
    }
    if (inflight != null) {
      return inflight;
    }
    if (failureWaiting()) {
      return CompletableFuture.failedFuture(failure.error);
    }
    return startLogin(after);
  }

  /**
   * Brings the state up to the wall clock: withdraws a stale token, drops an expired one, warns,
   * starts a due refresh, and sets the timer for the next instant that matters. Idempotent.
   */
  private void checkClock(Instant now, List<Runnable> after) {
    if (closed || entry == null) {
      return;
    }
    Entry e = entry;
    if (!now.isBefore(e.plan.expiresAt())) {
      previous = e.token;
      drop();
      if (failure != null) {
        warnings.warn(log, "expired", "token expired at {} while its refresh kept failing; the next call logs in",
            e.plan.expiresAt());
      } else {
        log.info("token expired at {} before a refresh replaced it; the next call waits for a login",
            e.plan.expiresAt());
      }
      return;
    }
    if (hot != null && !now.isBefore(e.plan.staleAt())) {
      hot = null;
      log.debug("token stale from {} (expires at {}); calls now wait for its refresh",
          e.plan.staleAt(), e.plan.expiresAt());
    }
    if (keepsFailing(e) && !e.warned && !now.isBefore(e.plan.warnAt()) && !expiryWarning.isZero()) {
      e.warned = true;
      Duration left = Duration.between(now, e.plan.expiresAt());
      warnings.warn(log, "expiry-warning",
          "token expires in {} (at {}) and its refresh keeps failing ({} failures in a row; last: {})",
          Durations.human(left), e.plan.expiresAt(), failure.error.failures(),
          Secrets.describe(failure.error.getCause(), e.token));
      after.add(() -> notify(l -> l.onTokenExpiryWarning(left)));
    }
    if (inflight == null && !now.isBefore(e.plan.refreshAt())
        && !failureWaiting()) {
      startLogin(after);
    }
    armTimer(now);
  }

  /**
   * "Keeps failing": two refreshes in a row have failed, or one has and the next attempt comes too
   * late to save the token. A single blip does not raise the alarm.
   */
  private boolean keepsFailing(Entry e) {
    return failure != null && (failure.error.failures() >= 2 || !failure.retryAt.isBefore(e.plan.staleAt()));
  }

  private CompletableFuture<Token> startLogin(List<Runnable> after) {
    CompletableFuture<Token> f = new CompletableFuture<>();
    Token prev = entry != null ? entry.token : previous;
    boolean refreshing = entry != null;
    inflight = f;
    try {
      executor.execute(() -> runLogin(f, prev, refreshing));
    } catch (RejectedExecutionException e) {
      inflight = null;
      return CompletableFuture.failedFuture(recordFailure(e, prev, clock.instant(), after));
    }
    return f;
  }

  // ---------------------------------------------------------------- the login, on the executor

  private void runLogin(CompletableFuture<Token> f, Token prev, boolean refreshing) {
    Outcome outcome = null;
    Throwable error = null;
    if (closed) {
      finish(f, null, null, prev);
      return;
    }
    try {
      outcome = store.withLock(() -> loginUnderStoreLock(prev, refreshing));
    } catch (Throwable t) {
      error = t;
    }
    finish(f, outcome, error, prev);
    if (error instanceof Error) {
      throw (Error) error;
    }
  }

  private Outcome loginUnderStoreLock(Token prev, boolean refreshing) throws Exception {
    // Another process sharing the store may have logged in while we waited for the lock.
    Token stored = storedTokenToAdopt(prev, refreshing, clock.instant());
    if (stored != null) {
      return new Outcome(stored, true);
    }
    Token raw = login.login(Optional.ofNullable(prev));
    Token token = accept(raw, prev, refreshing, clock.instant());
    try {
      store.save(token);
    } catch (IOException | RuntimeException e) {
      warnings.warn(log, "store-failed", "could not store the token in {}; keeping it in memory only: {}", store,
          Secrets.describe(e, token, prev));
      notify(l -> l.onTokenStoreFailure(e));
    }
    return new Outcome(token, false);
  }

  /** The login function's token with issue instant and expiry filled in, or why it is unusable. */
  private Token accept(Token raw, Token prev, boolean refreshing, Instant now) {
    if (raw == null) {
      throw new IllegalStateException("the login function returned null instead of a token");
    }
    String unsendable = TokenValues.unsendable(raw.value());
    if (unsendable != null) {
      // A failed login, not a token every call fails on (issue 11, item 6).
      throw new IllegalStateException("the login function returned a token that cannot be sent: " + unsendable);
    }
    Token t = raw;
    if (t.expiresAt().isEmpty()) {
      t = t.withExpiresAt(now.plus(defaultLifetime));
    }
    Instant expiresAt = t.expiresAt().get();
    if (!expiresAt.isAfter(now)) {
      throw new IllegalStateException("the login function returned a token that had already expired (expires at "
          + expiresAt + ", now " + now + ")");
    }
    if (t.issuedAt().isEmpty()) {
      t = t.withIssuedAt(now);
    }
    Instant staleAt = TokenPlan.staleAt(t.issuedAt().get(), expiresAt, now, minRemaining);
    if (!now.isBefore(staleAt)) {
      throw new IllegalStateException("the login function returned a token that expires at " + expiresAt
          + ", only " + Durations.human(Duration.between(now, expiresAt))
          + " from now, inside the margin of token.min-remaining (" + Durations.format(minRemaining)
          + ", at most a tenth of its lifetime): it could not be used");
    }
    if (refreshing && prev != null && prev.expiresAt().isPresent() && !expiresAt.isAfter(prev.expiresAt().get())) {
      // Accepting it would plan a refresh in a shorter and shorter remaining life: a login storm.
      throw new IllegalStateException("the refresh returned a token that expires at " + expiresAt
          + ", no later than the current token (" + prev.expiresAt().get() + "): the refresh made no progress");
    }
    return t;
  }

  /** A valid token in the store that is newer than what this cache holds, or null. */
  private Token storedTokenToAdopt(Token prev, boolean refreshing, Instant now) {
    if (store == NoTokenStore.INSTANCE) {
      return null;
    }
    Optional<Token> loaded;
    try {
      loaded = store.load();
    } catch (IOException | RuntimeException e) {
      storeReadFailed(e, prev, null);
      return null;
    }
    if (loaded.isEmpty()) {
      return null;
    }
    Token t = completeStored(loaded.get(), now);
    if (!usable(t, now) || t.value().equals(rejected)) {
      return null;
    }
    if (prev != null && t.value().equals(prev.value())) {
      return null; // the token we are replacing: nobody has logged in meanwhile
    }
    if (refreshing && prev != null && prev.expiresAt().isPresent()
        && !t.expiresAt().get().isAfter(prev.expiresAt().get())) {
      return null;
    }
    return t;
  }

  private void finish(CompletableFuture<Token> f, Outcome outcome, Throwable error, Token prev) {
    List<Runnable> after = new ArrayList<>();
    boolean wasClosed;
    LoginFailedException failed = null;
    lock.lock();
    try {
      if (inflight == f) {
        inflight = null;
      }
      wasClosed = closed;
      if (!closed) {
        Instant now = clock.instant();
        if (error == null) {
          failure = null;
          failures.reset();
          install(outcome.token, now, after);
          Duration lifetime = Duration.between(now, outcome.token.expiresAt().get());
          if (outcome.adopted) {
            log.info("using the token another process stored in {}; it expires at {}", store,
                outcome.token.expiresAt().get());
          } else {
            log.info("logged in; the token expires at {} (in {})", outcome.token.expiresAt().get(),
                Durations.human(lifetime));
            after.add(() -> notify(l -> l.onLogin(lifetime)));
          }
        } else {
          failed = recordFailure(error, prev, now, after);
        }
      }
    } finally {
      lock.unlock();
    }
    fire(after);
    if (wasClosed) {
      f.completeExceptionally(closedException());
    } else if (error == null) {
      f.complete(outcome.token);
    } else {
      f.completeExceptionally(failed);
    }
  }

  private LoginFailedException recordFailure(Throwable error, Token prev, Instant now, List<Runnable> after) {
    long delayNanos = failures.nextDelayNanos();
    Instant retryAt = now.plusNanos(delayNanos);
    Duration retryIn = Duration.ofNanos(delayNanos);
    int count = failures.retries();
    String cause = Secrets.describe(error, prev, entry == null ? null : entry.token);
    LoginFailedException lfe = new LoginFailedException(
        "login failed (" + (count == 1 ? "1 failure" : count + " failures in a row") + "); no new attempt before "
            + retryAt + ": " + cause, error, retryAt, count);
    failure = new Failure(lfe, retryAt, ticker.getAsLong() + delayNanos);
    String shown = Durations.human(retryIn);
    if (entry != null && now.isBefore(entry.plan.staleAt())) {
      // Nobody is refused yet: the expiry warning is the loud signal if this goes on.
      log.info("token refresh failed (failure {}); next attempt in {}, the current token serves meanwhile: {}",
          count, shown, cause);
    } else {
      warnings.warn(log, "login-failed",
          "login failed (failure {}); next attempt in {}, callers get this failure until then: {}",
          count, shown, cause);
    }
    after.add(() -> notify(l -> l.onLoginFailed(error, retryIn)));
    // Warns if the token is near expiry, and sets the timer for the background retry while a token
    // lives; without one, the next caller after retryAt starts the retry.
    checkClock(now, after);
    return lfe;
  }

  // ---------------------------------------------------------------- state changes, under the lock

  private void loadAtStart(List<Runnable> after) {
    Optional<Token> loaded;
    try {
      loaded = store.load();
    } catch (IOException | RuntimeException e) {
      storeReadFailed(e, null, after);
      return;
    }
    if (loaded.isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    Token t = completeStored(loaded.get(), now);
    if (usable(t, now) && !t.value().equals(rejected)) {
      install(t, now, after);
      log.info("using the stored token from {}; it expires at {}, no login needed", store, t.expiresAt().get());
    } else {
      // The rule: an expired (or nearly expired) file is set aside with a WARN and the cache
      // logs in as if it were absent, with no previous token.
      String problem = "the stored token expired at " + t.expiresAt().get()
          + (t.expiresAt().get().isAfter(now) ? " (too soon to use)" : "");
      String outcome;
      try {
        outcome = store instanceof FileTokenStore
            ? ((FileTokenStore) store).setAsideIfStill(loaded.get(), problem)
            : clearStore(problem);
      } catch (IOException | RuntimeException e) {
        outcome = problem + "; could not set it aside (" + e.getClass().getSimpleName() + ")";
      }
      warnings.warn(log, "stored-unusable", "{}; logging in as if there were none", outcome);
    }
  }

  private String clearStore(String problem) throws IOException {
    store.clear();
    return problem + "; cleared from " + store;
  }

  /** Warns; the event goes to {@code after} when under the lock, else out at once. */
  private void storeReadFailed(Exception e, Token prev, List<Runnable> after) {
    warnings.warn(log, "store-unreadable", "cannot use the stored token; logging in as if there were none: {}",
        Secrets.describe(e, prev));
    Runnable event = () -> notify(l -> l.onTokenStoreFailure(e));
    if (after != null) {
      after.add(event);
    } else {
      event.run();
    }
  }

  private void install(Token t, Instant now, List<Runnable> after) {
    TokenPlan plan = TokenPlan.of(t.issuedAt().get(), t.expiresAt().get(), now, refreshFrom, refreshUntil,
        minRemaining, expiryWarning, random.nextDouble());
    entry = new Entry(t, plan);
    previous = null;
    hot = t;
    log.debug("token valid until {}; refresh at {}, stale from {}", plan.expiresAt(), plan.refreshAt(), plan.staleAt());
    if (watchdog == null) {
      long period = WATCHDOG_PERIOD.toNanos();
      watchdog = executor.scheduleWithFixedDelay(() -> onTimer(-1), period, period, TimeUnit.NANOSECONDS);
    }
    checkClock(now, after);
  }

  /** Forgets the current token: not handed out, no timers. */
  private void drop() {
    hot = null;
    entry = null;
    if (timer != null) {
      timer.cancel(false);
      timer = null;
      timerAt = null;
      timerGeneration++;
    }
    if (watchdog != null) {
      watchdog.cancel(false);
      watchdog = null;
    }
  }

  private void armTimer(Instant now) {
    Instant next = nextDeadline(now);
    if (next == null || next.equals(timerAt)) {
      return;
    }
    if (timer != null) {
      timer.cancel(false);
    }
    long delay = Math.min(MAX_TIMER_NANOS, Math.max(0, TokenPlan.nanosBetween(now, next)));
    long generation = ++timerGeneration;
    timerAt = next;
    timer = executor.schedule(() -> onTimer(generation), delay, TimeUnit.NANOSECONDS);
  }

  private Instant nextDeadline(Instant now) {
    Entry e = entry;
    if (e == null) {
      return null;
    }
    Instant next = e.plan.expiresAt();
    if (hot != null) {
      next = earliest(next, e.plan.staleAt(), now);
    }
    if (now.isBefore(e.plan.refreshAt())) {
      next = earliest(next, e.plan.refreshAt(), now);
    } else if (failure != null && inflight == null) {
      next = earliest(next, now.plusNanos(Math.max(0, failure.retryAtNanos - ticker.getAsLong())), now);
    }
    if (keepsFailing(e) && !e.warned) {
      next = earliest(next, e.plan.warnAt(), now);
    }
    return next;
  }

  private static Instant earliest(Instant current, Instant candidate, Instant now) {
    return candidate.isAfter(now) && candidate.isBefore(current) ? candidate : current;
  }

  /**
   * The timer's and the watchdog's task. {@code generation} tells the current timer from one that
   * was replaced but had already started (-1: the watchdog).
   */
  private void onTimer(long generation) {
    List<Runnable> after = new ArrayList<>();
    lock.lock();
    try {
      if (generation == timerGeneration) {
        timer = null;
        timerAt = null;
      }
      checkClock(clock.instant(), after);
    } finally {
      lock.unlock();
    }
    fire(after);
  }

  // ---------------------------------------------------------------- helpers

  /** A stored token with the instants a store may lack filled in. */
  private Token completeStored(Token t, Instant now) {
    if (t.expiresAt().isEmpty()) {
      t = t.withExpiresAt(now.plus(defaultLifetime));
    }
    if (t.issuedAt().isEmpty()) {
      t = t.withIssuedAt(t.expiresAt().get().isAfter(now) ? now : t.expiresAt().get().minusNanos(1));
    }
    return t;
  }

  private boolean usable(Token t, Instant now) {
    Instant expiresAt = t.expiresAt().get();
    return expiresAt.isAfter(now) && now.isBefore(TokenPlan.staleAt(t.issuedAt().get(), expiresAt, now, minRemaining));
  }

  private RuntimeException forThisCaller(Throwable cause) {
    if (cause instanceof LoginFailedException) {
      LoginFailedException shared = (LoginFailedException) cause;
      // A fresh exception per caller, so its stack trace is the caller's; same cause and instant.
      return new LoginFailedException(
          shared.getMessage(), shared.getCause(), shared.nextAttemptAt(), shared.failures());
    }
    if (cause instanceof IllegalStateException) {
      return new IllegalStateException(cause.getMessage(), cause);
    }
    return new IllegalStateException("token cache failed: " + cause.getClass().getName(), cause);
  }

  private static IllegalStateException closedException() {
    return new IllegalStateException("token cache is closed");
  }

  private void notify(Consumer<HerdGuardListener> event) {
    try {
      event.accept(listener);
    } catch (RuntimeException e) {
      warnings.warn(log, "listener", "listener {} threw {}; ignored", listener, e.toString());
    }
  }

  private static void fire(List<Runnable> after) {
    for (Runnable r : after) {
      r.run();
    }
  }
}

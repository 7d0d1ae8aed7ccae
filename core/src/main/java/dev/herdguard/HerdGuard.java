package dev.herdguard;

import dev.herdguard.internal.Durations;
import dev.herdguard.internal.HostStateFile;
import dev.herdguard.internal.MonotonicClock;
import dev.herdguard.internal.Randoms;
import dev.herdguard.internal.Sleeper;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * herdguard's facade: built once from a {@link HerdGuardConfig}, it hands out the startup delay,
 * guarded operations, token caches and periodic checks, all configured from that one config and
 * sharing one clock, one source of randomness, one retry budget and one scheduler.
 *
 * <pre>{@code
 * HerdGuard guard = HerdGuard.create(HerdGuardConfig.load());
 * guard.awaitStartup();                                   // spread the fleet's first contact
 * Session s = guard.operation("login").call(() -> client.login(user));
 * }</pre>
 *
 * <p>Create one per application and share it. Thread-safe. {@link #close()} stops the scheduler
 * the guard created for itself (not one given to {@link Builder#withScheduler}).
 */
public final class HerdGuard implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HerdGuard.class);
  private static final Pattern OPERATION_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

  private final HerdGuardConfig config;
  private final InstantSource clock;
  /** Every wait is measured on it: the wall clock can step back an hour, this cannot. */
  private final LongSupplier ticker;
  /** The ticker as a clock, for Resilience4j's open-state wait and the retry budget's refill. */
  private final MonotonicClock monotonic;
  private final RandomGenerator random;
  private final HerdGuardListener listener;
  private final Sleeper sleeper;
  private final Lifecycle lifecycle = new Lifecycle();
  private final ScheduledExecutorService givenScheduler;
  private volatile ScheduledExecutorService ownScheduler;
  private final RetryBudget budget;
  private final ConcurrentHashMap<String, GuardedOperation> operations = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, HostState> hosts = new ConcurrentHashMap<>();
  private final HostState.Settings hostSettings;
  private final HostState.Store hostStore;
  private final Cohort cohort;
  private final Duration startupDelay;
  private final long startedAtNanos;
  /** A wait nobody explains looks like a hang: the first wait for the startup delay says why, once. */
  private final AtomicBoolean startupAnnounced = new AtomicBoolean();

  private HerdGuard(Builder b) {
    this.config = b.config;
    this.clock = b.clock;
    this.ticker = b.ticker != null ? b.ticker : b.clockGiven ? MonotonicClock.tickerOf(b.clock) : System::nanoTime;
    this.monotonic = new MonotonicClock(clock, ticker);
    this.random = b.random;
    this.listener = b.listener;
    this.sleeper = b.sleeper;
    this.givenScheduler = b.scheduler;
    this.budget = RetryBudget.create(config.retryBudgetRatio(), config.retryBudgetMinPerSecond(), monotonic);
    this.hostSettings = new HostState.Settings(config);
    this.hostStore = b.hostStore != null ? b.hostStore
        : config.stateDir().<HostState.Store>map(dir -> new HostStateFile(dir.resolve("hosts"))).orElse(HostState.Store.none());
    this.cohort = config.stateDir().map(Cohort::load).orElse(null);
    this.startedAtNanos = ticker.getAsLong();
    this.startupDelay = startupJitter().delay(random);
  }

  /**
   * A guard with the system clock, thread-local randomness and a scheduler of its own.
   *
   * @throws NullPointerException if {@code config} is null
   */
  public static HerdGuard create(HerdGuardConfig config) {
    return builder(config).build();
  }

  /**
   * A builder for a guard whose clock, randomness, scheduler or listener are chosen by the caller:
   * a simulation on virtual time, metrics.
   *
   * @throws NullPointerException if {@code config} is null
   */
  public static Builder builder(HerdGuardConfig config) {
    return new Builder(config);
  }

  /** The configuration this guard was built from. */
  public HerdGuardConfig config() {
    return config;
  }

  /**
   * The guarded operation called {@code name}, configured by {@code herdguard.operations.<name>.*}
   * over the global keys. Its breaker and its retry budget are its own. The same name always
   * returns the same operation.
   *
   * @param name lower-case letters, digits, {@code -} and {@code _}, starting with a letter or digit
   * @throws IllegalArgumentException if {@code name} breaks that rule
   */
  public GuardedOperation operation(String name) {
    checkName(name);
    return operations.computeIfAbsent(name, n -> newOperation(n, n, n));
  }

  /**
   * The guarded operation called {@code name} towards one host: a breaker per host, and the host's
   * retry budget, which every operation towards that host shares.
   *
   * @throws IllegalArgumentException if {@code name} breaks the rule of {@link #operation(String)}
   *     or {@code host} is blank
   */
  public GuardedOperation operation(String name, String host) {
    checkName(name);
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("host (\"" + host + "\") must not be blank");
    }
    String key = name + "@" + host;
    return operations.computeIfAbsent(key, k -> newOperation(name, k, host));
  }

  /**
   * The state of {@code host}, shared by every operation towards it: how many of its attempts
   * failed in a row, how long until the next may start, the timeout to give it. The same host
   * always returns the same state. An operation without a host ({@link #operation(String)}) has a
   * state of its own name.
   *
   * @param host a host name, as given to {@link #operation(String, String)}
   * @throws IllegalArgumentException if {@code host} is blank
   */
  public HostState host(String host) {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("host (\"" + host + "\") must not be blank");
    }
    HostState h = hosts.get(host);
    return h != null ? h : hosts.computeIfAbsent(host,
        k -> new HostState(k, hostSettings, ticker, clock, random, hostStore, listener));
  }

  private GuardedOperation newOperation(String name, String displayName, String budgetKey) {
    HerdGuardConfig c = config.forOperation(name);
    // No Resilience4j event consumer: one would make every call allocate an event. The operation
    // reports state changes itself (BreakerStateWatch).
    CircuitBreaker breaker = CircuitBreaker.of(displayName, breakerConfig(c));
    return new GuardedOperation(displayName, breaker, c, budget.forHost(budgetKey), budgetKey,
        host(budgetKey), ticker, random, this::scheduler, sleeper, listener, lifecycle);
  }

  private CircuitBreakerConfig breakerConfig(HerdGuardConfig c) {
    long wait = c.breakerOpenWait().toMillis();
    double spread = c.breakerOpenWaitSpread();
    IntervalFunction jitteredWait = attempt -> openWaitMillis(wait, spread, random.nextDouble());
    return CircuitBreakerConfig.custom()
        .failureRateThreshold((float) c.breakerFailureRateThreshold())
        .slidingWindow(c.breakerWindow(), c.breakerMinimumCalls(),
            CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .permittedNumberOfCallsInHalfOpenState(c.breakerHalfOpenCalls())
        .waitIntervalFunctionInOpenState(jitteredWait)
        .recordException(GuardedOperation::isRetryable)
        // The open state's wait on the ticker: a wall clock stepped back must not keep it open.
        .clock(monotonic)
        .writableStackTraceEnabled(false)
        .build();
  }

  /**
   * The open state's wait for one draw: uniform in {@code [w·(1−spread), w·(1+spread)]}, so the
   * half-open probes of a fleet whose breakers opened together do not line up.
   */
  static long openWaitMillis(long waitMillis, double spread, double u) {
    return Math.round(waitMillis * (1 - spread) + u * 2 * spread * waitMillis);
  }

  /**
   * The delay before this process's first contact, drawn once when the guard was built from
   * {@code herdguard.startup.max-delay} and {@code herdguard.startup.mode}.
   */
  public Duration startupDelay() {
    return startupDelay;
  }

  /**
   * Blocks until the startup delay, counted from when the guard was built, has passed; returns at
   * once after that. Interruptible; holds no monitor. The first wait of a guard is logged at INFO
   * with its length and the key that sets it, so that it does not look like a hang;
   * {@code -Dherdguard.startup.max-delay=0} turns the delay off while developing.
   *
   * <p>This is the one startup delay of the process: {@link #startupAsync()}, the OkHttp adapter's
   * startup gate and {@link #periodicCheck periodic checks} all count from the same instant, the
   * guard's creation, so build the guard early, at start. ({@link StartupJitter}'s own waiting
   * methods counted from their call and are deprecated for that reason.)
   *
   * @throws InterruptedException if the thread is interrupted while it waits
   */
  public void awaitStartup() throws InterruptedException {
    long remaining = startupRemainingNanos();
    if (remaining > 0) {
      announceStartup(remaining);
    }
    lifecycle.sleeper(sleeper, "startup").sleep(remaining);
  }

  /**
   * Completes when the startup delay, counted from when the guard was built, has passed, without
   * blocking any thread. Logged at INFO as {@link #awaitStartup()} is.
   */
  public CompletableFuture<Void> startupAsync() {
    long remaining = startupRemainingNanos();
    if (remaining <= 0) {
      return CompletableFuture.completedFuture(null);
    }
    announceStartup(remaining);
    CompletableFuture<Void> ready = new CompletableFuture<>();
    if (!lifecycle.track(ready, "startup")) {
      return ready;
    }
    ready.whenComplete((v, e) -> lifecycle.untrack(ready));
    try {
      scheduler().schedule(() -> ready.complete(null), remaining, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException stopped) {
      ready.completeExceptionally(lifecycle.closedException("startup"));
    }
    return ready;
  }

  private void announceStartup(long remainingNanos) {
    if (startupAnnounced.compareAndSet(false, true)) {
      log.info("Waiting {} before the first contact with the server (startup delay drawn in [0, {}], {} mode, "
              + "herdguard.startup.max-delay): a fleet that restarts together must not reach its server at once; "
              + "-Dherdguard.startup.max-delay=0 turns it off while developing",
          Durations.human(Duration.ofNanos(remainingNanos)), Durations.human(config.startupMaxDelay()),
          config.startupMode().key());
    }
  }

  private long startupRemainingNanos() {
    return Math.max(0, startupDelay.toNanos() - (ticker.getAsLong() - startedAtNanos));
  }

  private StartupJitter startupJitter() {
    Duration max = config.startupMaxDelay();
    if (config.startupMode() == StartupJitter.Mode.STABLE) {
      return StartupJitter.stable(max, cohort());
    }
    return StartupJitter.random(max);
  }

  /**
   * This installation's cohort, from the installation id kept in {@code herdguard.state-dir}.
   *
   * @throws IllegalStateException if {@code herdguard.state-dir} is not set
   */
  public Cohort cohort() {
    if (cohort == null) {
      throw new IllegalStateException(
          "herdguard.state-dir is not set: a cohort needs an installation id kept across restarts");
    }
    return cohort;
  }

  private static String exampleStateDir() {
    try {
      return HerdGuardConfig.defaultStateDir("myapp").map(Object::toString).orElse("~/.local/state/myapp");
    } catch (RuntimeException e) {
      return "~/.local/state/myapp";
    }
  }

  /**
   * A login token cache configured from {@code herdguard.token.*}, kept in
   * {@code herdguard.token.file} (or {@code <state-dir>/token}, where the state folder defaults
   * from {@code herdguard.application}) when either is set. Without a file the token lives in
   * memory only and every start logs in again, which is what herdguard exists to avoid: that is
   * logged at WARN, once per cache, with the keys to set.
   *
   * @param login logs in, or refreshes with the previous token
   * @throws NullPointerException if {@code login} is null
   */
  public TokenCache tokenCache(TokenCache.Login login) {
    TokenCache.Builder b = TokenCache.builder(login)
        .withClock(clock)
        .withTicker(ticker)
        .withRandom(random)
        .withBackoff(config.backoff())
        .withRefreshWindow(config.tokenRefreshFrom(), config.tokenRefreshUntil())
        .withMinRemaining(config.tokenMinRemaining())
        .withDefaultLifetime(config.tokenDefaultLifetime())
        .withExpiryWarning(config.tokenExpiryWarning())
        .withListener(listener);
    if (config.tokenFile().isPresent()) {
      b.withFile(config.tokenFile().get());
    } else {
      // Keeping the token across restarts is what spares the login server a fleet's restart: its
      // absence must not go unnoticed. Once per cache: an application builds few.
      log.warn("Token cache without a file: the token is kept in memory only, and every start logs in again. "
          + "Set herdguard.application (a per-user folder such as {}), herdguard.state-dir or herdguard.token.file",
          exampleStateDir());
    }
    if (givenScheduler != null) {
      b.withExecutor(givenScheduler);
    }
    return b.build();
  }

  /**
   * A periodic check (an update check, say) configured from {@code herdguard.check.*}: first after
   * what is left of the startup delay, then every jittered interval, remembering its last success
   * in {@code herdguard.state-dir} when set. After a failure it backs off from interval/60 up to
   * the interval. Call {@link PeriodicCheck#start()} to start it.
   *
   * <pre>{@code
   * PeriodicCheck updates = guard.periodicCheck("updates", updater::checkNow).start();
   * }</pre>
   *
   * @param name names the check in logs and its state file
   * @param task the check, often a {@code void} method; an exception counts as a failure and is
   *     retried with backoff
   */
  public PeriodicCheck periodicCheck(String name, CheckedRunnable<?> task) {
    return periodicCheck(name, PeriodicCheck.callable(task));
  }

  /**
   * A periodic check whose task returns a value, which is ignored; otherwise as {@link
   * #periodicCheck(String, CheckedRunnable)}.
   *
   * @param name names the check in logs and its state file
   * @param task the check; an exception counts as a failure and is retried with backoff
   */
  public PeriodicCheck periodicCheck(String name, Callable<?> task) {
    PeriodicCheck.Builder b = PeriodicCheck.builder(name, task)
        .withInterval(config.checkInterval())
        .withSpread(config.checkSpread())
        // Not the calls' backoff (500ms..60s): a six-hourly check keeps its own, scaled to its interval.
        .withStartupDelay(Duration.ofNanos(startupRemainingNanos()))
        .withClock(clock)
        .withRandom(random)
        .withScheduler(scheduler())
        .withListener(listener);
    config.stateDir().ifPresent(b::withStateDir);
    return b.build();
  }

  private ScheduledExecutorService scheduler() {
    if (givenScheduler != null) {
      return givenScheduler;
    }
    ScheduledExecutorService s = ownScheduler;
    if (s == null) {
      synchronized (this) { // no waiting inside: creating an executor is quick
        s = ownScheduler;
        if (s == null && lifecycle.isClosed()) {
          throw new RejectedExecutionException("the HerdGuard is closed");
        }
        if (s == null) {
          ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "herdguard-scheduler");
            t.setDaemon(true);
            return t;
          });
          e.setRemoveOnCancelPolicy(true);
          ownScheduler = s = e;
        }
      }
    }
    return s;
  }

  /**
   * Closes the guard: every call waiting out a backoff or a host's wait, blocking or asynchronous,
   * ends at once with a {@link HerdGuardException} of reason {@link HerdGuardException.Reason#CLOSED},
   * as does every call made afterwards, and {@link #startupAsync()} futures still pending. Stops
   * the scheduler this guard created, if any; a scheduler given to the builder is left running.
   * Idempotent.
   */
  @Override
  public void close() {
    lifecycle.close();
    ScheduledExecutorService s;
    synchronized (this) {
      s = ownScheduler;
    }
    if (s != null) {
      s.shutdownNow();
    }
  }

  private static void checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (!OPERATION_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("operation name (\"" + name
          + "\") must be lower-case letters, digits, '-' and '_', starting with a letter or digit");
    }
  }

  @Override
  public String toString() {
    return "HerdGuard[operations=" + operations.keySet() + ", startupDelay=" + Durations.human(startupDelay) + "]";
  }

  /**
   * Builds a {@link HerdGuard}. Not thread-safe; the last call of a setter wins.
   */
  public static final class Builder {
    private final HerdGuardConfig config;
    private InstantSource clock = InstantSource.system();
    private boolean clockGiven;
    private LongSupplier ticker;
    private HostState.Store hostStore;
    private RandomGenerator random = Randoms.threadLocal();
    private HerdGuardListener listener = HerdGuardListener.NONE;
    private ScheduledExecutorService scheduler;
    private Sleeper sleeper = Sleeper.SYSTEM;

    private Builder(HerdGuardConfig config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * The wall clock, for instants that come from elsewhere (a token's expiry, an HTTP date, a
     * saved wait); the system clock by default. Given without {@link #withTicker}, it also times
     * every wait, as a simulation on virtual time wants.
     */
    public Builder withClock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      this.clockGiven = true;
      return this;
    }

    /**
     * The monotonic ticker, in nanoseconds, that every wait is measured on: backoffs, the breaker's
     * open state, the retry budget's refill, host waits, the startup delay. {@code System::nanoTime}
     * by default (or the clock given to {@link #withClock}). Only differences of its values count.
     */
    public Builder withTicker(LongSupplier nanoTicker) {
      this.ticker = Objects.requireNonNull(nanoTicker, "nanoTicker");
      return this;
    }

    /**
     * Where host states are kept across restarts ({@link HostState.Store}). By default a file,
     * {@code hosts}, in {@code herdguard.state-dir}, or nowhere without a state folder.
     */
    public Builder withHostStore(HostState.Store store) {
      this.hostStore = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * The source of every random draw. It is shared by all threads that use the guard, so it must be
     * thread-safe; by default each draw comes from the calling thread's {@code ThreadLocalRandom}.
     */
    public Builder withRandom(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /** Receives events for metrics. */
    public Builder withListener(HerdGuardListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * The scheduler for asynchronous retries, the startup gate, token refreshes and periodic checks.
     * By default the guard creates a single daemon thread and stops it on {@link HerdGuard#close()}.
     */
    public Builder withScheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** How blocking calls wait; tests and simulations move a fake clock instead of sleeping. */
    Builder withSleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /**
     * The guard. With {@code herdguard.state-dir} set it reads (or creates) the installation id
     * there; a folder that cannot be written is logged and the guard keeps going.
     */
    public HerdGuard build() {
      return new HerdGuard(this);
    }
  }
}

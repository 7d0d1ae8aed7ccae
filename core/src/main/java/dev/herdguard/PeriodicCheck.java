package dev.herdguard;

import dev.herdguard.internal.CheckStateFile;
import dev.herdguard.internal.Durations;
import dev.herdguard.internal.LogLimiter;
import dev.herdguard.internal.Randoms;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a task, such as an update check, now and then: first after the startup delay, then every
 * {@code interval} drawn within {@code spread}, sooner (with backoff) after a failure.
 *
 * <p>The one idea: a fleet's checks must not line up. Three things keep them apart.
 * <ul>
 *   <li>Every period is drawn anew in {@code [interval * (1 - spread), interval * (1 + spread)]}
 *       ({@link #period}), so clients that once checked together drift apart.
 *   <li>With a {@linkplain Builder#withStateDir state folder} the check remembers its last
 *       successful run across restarts. After a reboot it waits until one drawn period after that
 *       run ({@link #firstDelay}), not merely the startup delay: a monthly patch that reboots every
 *       PC within an hour would otherwise make all of them check for updates within minutes, one
 *       herd a month.
 *   <li>After a failure the next try follows a {@link Backoff}, never later than one interval, and
 *       the first success resets it. The default backoff scales with the interval (see
 *       {@link Builder#withBackoff}): the library-wide {@code 500ms..60s} is tuned for a login
 *       retried within one call, and would have a fleet that checks every six hours retry every
 *       half minute while the update server is down.
 * </ul>
 *
 * <pre>{@code
 * PeriodicCheck updates = PeriodicCheck.builder("updates", () -> updater.checkNow())
 *     .withStateDir(Path.of(System.getProperty("user.home"), ".myapp"))
 *     .withStartupDelay(startupDelay)   // this start's StartupJitter draw
 *     .build()
 *     .start();
 * ...
 * updates.close();
 * }</pre>
 *
 * <p>The task runs on the scheduler's thread, one run at a time, never two at once even on a
 * multi-threaded scheduler. Its result is ignored; an exception (any {@code Throwable}) is a
 * failure: it is logged at WARN with its class and message (the stack trace at DEBUG), reported to
 * {@link HerdGuardListener#onRetry} with the check's name, and never ends the schedule.
 *
 * <p>Thread-safe: {@link #start()}, {@link #runNow()}, {@link #close()} and the accessors may be
 * called from any thread. The injected random generator is only ever used under the check's lock,
 * so a generator that is not thread-safe is fine if nothing else uses it.
 */
public final class PeriodicCheck implements AutoCloseable {

  /** Default of {@code herdguard.check.interval}. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofHours(6);

  /** Default of {@code herdguard.check.spread}. */
  public static final double DEFAULT_SPREAD = 0.2;

  /** Upper bound of the default startup delay, as {@code herdguard.startup.max-delay}'s default. */
  public static final Duration DEFAULT_MAX_STARTUP_DELAY = Duration.ofSeconds(60);

  /** Below this a check is a polling loop; the default backoff's base would also round to nothing. */
  static final Duration MIN_INTERVAL = Duration.ofSeconds(1);

  /** The default backoff starts at this fraction of the interval: 6 minutes for 6 hours. */
  private static final int DEFAULT_BACKOFF_BASE_DIVISOR = 60;

  private static final Pattern NAME = Pattern.compile("[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?");
  private static final String NAME_RULE = "1 to 64 of a-z 0-9 . _ -, starting and ending with a letter or digit";

  /** File names Windows refuses whatever their extension. */
  private static final Set<String> WINDOWS_DEVICES = Set.of(
      "con", "prn", "aux", "nul",
      "com0", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
      "lpt0", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9");

  private static final Logger log = LoggerFactory.getLogger(PeriodicCheck.class);

  private final String name;
  private final Callable<?> task;
  private final Duration interval;
  private final double spread;
  private final Backoff failureBackoff;
  private final Duration startupDelay; // null: draw one in [0, DEFAULT_MAX_STARTUP_DELAY) at start
  private final CheckStateFile stateFile; // null: no persistence
  private final InstantSource clock;
  private final RandomGenerator random;
  private final HerdGuardListener listener;
  private final boolean ownsScheduler;
  /** A check that fails run after run (a short interval, a server down) logs once a minute with a count. */
  private final LogLimiter warnings;

  private final ReentrantLock lock = new ReentrantLock();
  // Guarded by lock.
  private ScheduledExecutorService scheduler;
  private final BackoffSequence failures;
  private ScheduledFuture<?> next;
  private Instant nextRun;
  // A scheduled run whose generation is no longer current was cancelled (by runNow or close)
  // after it may have started; it must do nothing. This is what keeps runs from overlapping.
  private long generation;
  private boolean started;
  private boolean closed;
  private boolean running;
  private boolean runNowRequested;
  /** Completed by the next run that starts: what {@link #runNow()} returned since the last one. */
  private CompletableFuture<Void> requested;

  private volatile Instant lastSuccess;

  private PeriodicCheck(Builder b, Backoff failureBackoff) {
    this.name = b.name;
    this.task = b.task;
    this.interval = b.interval;
    this.spread = b.spread;
    this.failureBackoff = failureBackoff;
    this.startupDelay = b.startupDelay;
    this.stateFile = b.stateDir == null ? null : new CheckStateFile(stateFile(b.stateDir, b.name));
    this.clock = b.clock;
    this.warnings = new LogLimiter(LogLimiter.DEFAULT_INTERVAL, LogLimiter.ticker(clock));
    this.random = b.random;
    this.listener = b.listener;
    this.scheduler = b.scheduler;
    this.ownsScheduler = b.scheduler == null;
    this.failures = failureBackoff.sequence(random);
  }

  /**
   * A builder for a check called {@code name} that runs {@code task}.
   *
   * @param name names the state file and appears in logs and listener events: 1 to 64 characters
   *     of {@code a-z 0-9 . _ -}, starting and ending with a letter or digit, and not a Windows
   *     device name such as {@code con}
   * @param task the check; its result is ignored, an exception is a failure
   * @throws IllegalArgumentException if {@code name} breaks that rule
   * @throws NullPointerException if an argument is null
   */
  public static Builder builder(String name, Callable<?> task) {
    return new Builder(checkName(name), Objects.requireNonNull(task, "task"));
  }

  /**
   * A builder for a check called {@code name} that runs {@code task}, which returns nothing:
   * {@code PeriodicCheck.builder("updates", updater::checkNow)} for a {@code void checkNow() throws
   * IOException}.
   *
   * @param name as {@link #builder(String, Callable)}
   * @param task the check; an exception is a failure
   * @throws IllegalArgumentException if {@code name} breaks the rule
   * @throws NullPointerException if an argument is null
   */
  public static Builder builder(String name, CheckedRunnable<?> task) {
    return builder(name, callable(task));
  }

  static Callable<Void> callable(CheckedRunnable<?> task) {
    Objects.requireNonNull(task, "task");
    return () -> {
      task.run();
      return null;
    };
  }

  // ---------------------------------------------------------------------------------------------
  // The decisions, as pure functions.

  /**
   * One period for one uniform draw: {@code interval * (1 - spread + 2 * spread * u)}, so in
   * {@code [interval * (1 - spread), interval * (1 + spread)]} (the upper end can be reached by
   * rounding). Saturates at the largest {@code Duration} of nanoseconds.
   *
   * @param interval the mean period, {@code > 0}
   * @param spread the relative half-width, in {@code [0, 1)}
   * @param u a uniform draw in {@code [0, 1)}
   * @throws IllegalArgumentException if an argument is out of its range
   */
  public static Duration period(Duration interval, double spread, double u) {
    Objects.requireNonNull(interval, "interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("check interval (" + Durations.format(interval) + ") must be > 0");
    }
    checkSpread(spread);
    checkU(u);
    double factor = 1.0 - spread + 2.0 * spread * u;
    // A double cast to long saturates, so a huge interval cannot wrap around.
    return Duration.ofNanos((long) (saturatedNanos(interval) * factor));
  }

  /**
   * How long after start the first run waits.
   *
   * <ul>
   *   <li>No record: {@code startupDelay}.
   *   <li>A record: {@code max(startupDelay, lastSuccess + period - now)}. A client rebooted an
   *       hour after its last check waits for the rest of the period, not just the startup delay;
   *       one whose record is older than a period runs after the startup delay.
   *   <li>A record later than {@code now} means the wall clock moved back (or the record came from
   *       a clock that ran ahead): it counts as a success at {@code now}, so the first run waits
   *       one period. Trusting it could postpone the check for years; ignoring it would make every
   *       client whose clock was corrected check at once.
   * </ul>
   *
   * @param lastSuccess the recorded last successful run, if any
   * @param now the current instant
   * @param startupDelay the least wait after start, {@code >= 0}
   * @param period a drawn period, as from {@link #period}, {@code > 0}
   * @throws IllegalArgumentException if {@code startupDelay < 0} or {@code period <= 0}
   */
  public static Duration firstDelay(
      Optional<Instant> lastSuccess, Instant now, Duration startupDelay, Duration period) {
    Objects.requireNonNull(lastSuccess, "lastSuccess");
    Objects.requireNonNull(now, "now");
    checkStartupDelay(startupDelay);
    Objects.requireNonNull(period, "period");
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period (" + Durations.format(period) + ") must be > 0");
    }
    if (lastSuccess.isEmpty()) {
      return startupDelay;
    }
    Instant last = lastSuccess.get().isAfter(now) ? now : lastSuccess.get();
    Duration untilDue = Duration.between(now, last.plus(period));
    return untilDue.compareTo(startupDelay) > 0 ? untilDue : startupDelay;
  }

  /**
   * The backoff a check with this interval uses after failures: {@code backoff} with its max
   * lowered to {@code interval} (the range is capped, not the draw, so delays stay spread), or when
   * {@code backoff} is null decorrelated jitter from {@code interval / 60} to {@code interval}.
   */
  static Backoff failureBackoff(Backoff backoff, Duration interval) {
    if (backoff == null) {
      return Backoff.decorrelatedJitter(interval.dividedBy(DEFAULT_BACKOFF_BASE_DIVISOR), interval);
    }
    if (backoff.max().compareTo(interval) <= 0) {
      return backoff;
    }
    return Backoff.of(backoff.strategy(), backoff.base(), interval);
  }

  /** Where a check called {@code name} keeps its state under {@code stateDir}. */
  static Path stateFile(Path stateDir, String name) {
    return stateDir.resolve("checks").resolve(name);
  }

  // ---------------------------------------------------------------------------------------------
  // The instance.

  /**
   * Starts the schedule: reads the state file (on the calling thread), then schedules the first run
   * after {@link #firstDelay}. Calling it again while started does nothing.
   *
   * @return this check
   * @throws IllegalStateException if the check was closed; build a new one instead
   * @throws RejectedExecutionException if the injected scheduler refuses the first run
   */
  public PeriodicCheck start() {
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("periodic check '" + name + "' is closed: build a new one to start again");
      }
      if (started) {
        return this;
      }
    } finally {
      lock.unlock();
    }
    Optional<Instant> record = readRecord();
    Duration first;
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("periodic check '" + name + "' is closed: build a new one to start again");
      }
      if (started) {
        return this; // another thread won the race
      }
      Duration startup = startupDelay != null
          ? startupDelay
          : Duration.ofNanos((long) (random.nextDouble() * DEFAULT_MAX_STARTUP_DELAY.toNanos()));
      first = firstDelay(record, clock.instant(), startup, period(interval, spread, random.nextDouble()));
      if (scheduler == null) {
        scheduler = newOwnedScheduler(name);
      }
      lastSuccess = record.orElse(null);
      scheduleLocked(first);
      started = true;
    } finally {
      lock.unlock();
    }
    log.info("Periodic check '{}' started: first run in {} (last success: {})",
        name, forLog(first), record.map(Instant::toString).orElse("none recorded"));
    return this;
  }

  /**
   * Runs the check as soon as possible instead of at its scheduled time, and returns a future that
   * completes when that run has finished; the schedule then goes on from that run. If a run is in
   * progress, one more run follows right after it; requests made before a run starts are merged
   * into that one run, and get the same future.
   *
   * <p>The run happens on the check's scheduler, not on the calling thread. Wait on the future for
   * a "Check for updates" menu item, or before {@link #close()}, which would otherwise cancel the
   * run: {@code updates.runNow().join(); updates.close();}. The future completes with
   * {@code null} when the task succeeded and exceptionally with what it threw when it failed (the
   * failure is also logged and backed off as usual); it is cancelled when the check is closed
   * before the run starts.
   *
   * @return completes when the requested run has finished
   * @throws IllegalStateException if the check is not started or is closed
   * @throws RejectedExecutionException if the scheduler refuses the run
   */
  public CompletableFuture<Void> runNow() {
    lock.lock();
    try {
      if (closed || !started) {
        throw new IllegalStateException(
            "periodic check '" + name + "' is " + (closed ? "closed" : "not started") + ": runNow() needs a started check");
      }
      if (requested != null) {
        return requested; // a run already requested, not started yet: this request is merged into it
      }
      if (running) {
        runNowRequested = true;
      } else {
        scheduleLocked(Duration.ZERO);
      }
      requested = new CompletableFuture<>();
      return requested;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops the schedule: the next run is cancelled and none follows. A run in progress is not waited
   * for; if the check owns its scheduler (none was injected), that scheduler is shut down and the
   * run's thread interrupted. A run that still succeeds is recorded; a run that fails is logged at
   * DEBUG only. An injected scheduler is left running. Calling it again does nothing.
   */
  @Override
  public void close() {
    ScheduledExecutorService toShutDown = null;
    CompletableFuture<Void> pending;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      generation++;
      pending = requested;
      requested = null;
      if (next != null) {
        next.cancel(false);
        next = null;
      }
      nextRun = null;
      if (ownsScheduler) {
        toShutDown = scheduler;
      }
    } finally {
      lock.unlock();
    }
    if (toShutDown != null) {
      toShutDown.shutdownNow();
    }
    if (pending != null) {
      pending.cancel(false);
    }
    log.debug("Periodic check '{}' closed", name);
  }

  /** This check's name. */
  public String name() {
    return name;
  }

  /**
   * The last successful run: the instant its task returned, or the record read at start. Empty
   * before start when nothing is recorded.
   */
  public Optional<Instant> lastSuccess() {
    return Optional.ofNullable(lastSuccess);
  }

  /**
   * When the next run is due, by this check's clock. Empty before start, while a run is in
   * progress, and after close.
   */
  public Optional<Instant> nextRun() {
    lock.lock();
    try {
      return Optional.ofNullable(nextRun);
    } finally {
      lock.unlock();
    }
  }

  /** Failed runs since the last success; 0 after a success. */
  public int consecutiveFailures() {
    lock.lock();
    try {
      return failures.retries();
    } finally {
      lock.unlock();
    }
  }

  /** The backoff used after failures, with its max already capped at the interval. */
  public Backoff failureBackoff() {
    return failureBackoff;
  }

  @Override
  public String toString() {
    return "PeriodicCheck[" + name + ", interval=" + Durations.format(interval) + ", spread=" + spread + ", " + failureBackoff + "]";
  }

  // ---------------------------------------------------------------------------------------------
  // Scheduling.

  private void scheduleLocked(Duration delay) {
    long gen = ++generation;
    if (next != null) {
      next.cancel(false);
    }
    nextRun = clock.instant().plus(delay);
    next = scheduler.schedule(() -> runOnce(gen), saturatedNanos(delay), TimeUnit.NANOSECONDS);
  }

  private void runOnce(long gen) {
    CompletableFuture<Void> served; // the runNow() requests this run answers
    lock.lock();
    try {
      if (closed || gen != generation) {
        return;
      }
      running = true;
      next = null;
      nextRun = null;
      served = requested;
      requested = null;
    } finally {
      lock.unlock();
    }

    Throwable failure = null;
    try {
      task.call();
    } catch (Throwable t) {
      // Anything the task throws is a failed check. Letting it escape would end the schedule in
      // silence: a ScheduledExecutorService keeps an escaped exception in a future nobody reads.
      failure = t;
      if (t instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
    Instant finished = clock.instant();
    if (failure == null) {
      lastSuccess = finished;
      writeRecord(finished);
    }
    if (served != null) {
      if (failure == null) {
        served.complete(null);
      } else {
        served.completeExceptionally(failure);
      }
    }

    Duration delay;
    int failed;
    boolean wasClosed;
    lock.lock();
    try {
      running = false;
      wasClosed = closed;
      if (failure == null) {
        failures.reset();
        delay = period(interval, spread, random.nextDouble());
      } else {
        delay = failures.nextDelay();
      }
      failed = failures.retries();
      if (runNowRequested) {
        runNowRequested = false;
        delay = Duration.ZERO;
      }
      if (!closed) {
        try {
          scheduleLocked(delay);
        } catch (RejectedExecutionException e) {
          nextRun = null;
          next = null;
          if (requested != null) {
            requested.completeExceptionally(e);
            requested = null;
          }
          log.error("Periodic check '{}' stopped: its scheduler refused the next run ({})", name, e.getMessage());
          return;
        }
      }
    } finally {
      lock.unlock();
    }

    if (failure == null) {
      log.debug("Periodic check '{}' succeeded; next run in {}", name, forLog(delay));
    } else if (wasClosed) {
      log.debug("Periodic check '{}' failed while closing", name, failure);
    } else {
      warnings.warn(log, "failed", "Periodic check '{}' failed ({} in a row): {}: {}; next try in {}",
          name, failed, failure.getClass().getName(), failure.getMessage(), forLog(delay));
      log.debug("Periodic check '{}' failure", name, failure);
      try {
        listener.onRetry(name, failed, delay, failure);
      } catch (RuntimeException e) {
        warnings.warn(log, "listener", "Listener {} threw on periodic check '{}': {}: {}",
            listener, name, e.getClass().getName(), e.getMessage());
      }
    }
  }

  private Optional<Instant> readRecord() {
    if (stateFile == null) {
      return Optional.empty();
    }
    try {
      return stateFile.readLastSuccess();
    } catch (IOException | RuntimeException e) {
      log.warn("Periodic check '{}': ignoring its state file, as if it had never run: {}: {}",
          name, e.getClass().getName(), e.getMessage());
      return Optional.empty();
    }
  }

  private void writeRecord(Instant success) {
    if (stateFile == null) {
      return;
    }
    try {
      stateFile.writeLastSuccess(success);
    } catch (IOException | RuntimeException e) {
      // The schedule in memory is still right; only a restart before the next success loses it.
      warnings.warn(log, "record-failed", "Periodic check '{}': could not record its success in {}: {}: {}",
          name, stateFile.path(), e.getClass().getName(), e.getMessage());
    }
  }

  private static ScheduledExecutorService newOwnedScheduler(String name) {
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "herdguard-check-" + name);
      // A pending check must never keep an application from exiting.
      t.setDaemon(true);
      return t;
    });
    // runNow cancels a run that may be hours away: do not keep it queued until then.
    executor.setRemoveOnCancelPolicy(true);
    return executor;
  }

  // ---------------------------------------------------------------------------------------------
  // Validation, shared by the builder and the pure functions.

  private static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("check name (" + name + ") must be " + NAME_RULE);
    }
    String stem = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
    if (WINDOWS_DEVICES.contains(stem.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException(
          "check name (" + name + ") must not be a Windows device name (" + stem + "): it names a file");
    }
    return name;
  }

  private static void checkSpread(double spread) {
    if (!(spread >= 0.0 && spread < 1.0)) {
      throw new IllegalArgumentException("check spread (" + spread + ") must be in [0, 1)");
    }
  }

  private static void checkU(double u) {
    if (!(u >= 0.0 && u < 1.0)) {
      throw new IllegalArgumentException("u (" + u + ") must be in [0, 1)");
    }
  }

  private static void checkStartupDelay(Duration startupDelay) {
    Objects.requireNonNull(startupDelay, "startupDelay");
    if (startupDelay.isNegative()) {
      throw new IllegalArgumentException("startup delay (" + Durations.format(startupDelay) + ") must be >= 0");
    }
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private static String forLog(Duration d) {
    return Durations.human(d);
  }

  /**
   * Builds a {@link PeriodicCheck}. Each {@code with*} method checks its own value at once; when a
   * setting is given twice, the last call wins. {@link #build()} checks how the settings fit
   * together.
   *
   * <p>Not thread-safe: one thread builds.
   */
  public static final class Builder {

    private final String name;
    private final Callable<?> task;
    private Duration interval = DEFAULT_INTERVAL;
    private double spread = DEFAULT_SPREAD;
    private Backoff backoff;
    private Duration startupDelay;
    private Path stateDir;
    private InstantSource clock = InstantSource.system();
    private RandomGenerator random = Randoms.threadLocal();
    private ScheduledExecutorService scheduler;
    private HerdGuardListener listener = HerdGuardListener.NONE;

    private Builder(String name, Callable<?> task) {
      this.name = name;
      this.task = task;
    }

    /**
     * The mean period ({@code herdguard.check.interval}). Default 6 hours.
     *
     * @throws IllegalArgumentException if {@code interval} is shorter than 1 second
     */
    public Builder withInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.compareTo(MIN_INTERVAL) < 0) {
        throw new IllegalArgumentException("check interval (" + Durations.format(interval) + ") must be >= " + Durations.format(MIN_INTERVAL));
      }
      this.interval = interval;
      return this;
    }

    /**
     * How far each period may stray from the interval, as a fraction ({@code herdguard.check.spread}):
     * each period is drawn in {@code [interval * (1 - spread), interval * (1 + spread)]}. Default
     * 0.2; 0 gives every client the exact interval, so clients that once checked together stay
     * together.
     *
     * @throws IllegalArgumentException if {@code spread} is not in {@code [0, 1)}
     */
    public Builder withSpread(double spread) {
      checkSpread(spread);
      this.spread = spread;
      return this;
    }

    /**
     * The backoff after failed runs. Its max is lowered to the interval, so a failing check never
     * waits longer than a healthy one; the range is lowered, not the draw, so the delays stay
     * spread. Default: decorrelated jitter from {@code interval / 60} to {@code interval} (6
     * minutes to 6 hours by default), because the library-wide {@code herdguard.backoff} default
     * (500 ms to 60 s) would have a fleet that checks every 6 hours try again every half minute
     * while its update server is down. {@link #build()} rejects a backoff whose base is longer
     * than the interval.
     */
    public Builder withBackoff(Backoff backoff) {
      this.backoff = Objects.requireNonNull(backoff, "backoff");
      return this;
    }

    /**
     * The least wait between {@link PeriodicCheck#start()} and the first run: pass this start's
     * {@link StartupJitter} draw. Without a record of a recent success the first run comes after
     * exactly this delay. Default: a uniform draw in {@code [0, 60s)}, as the default of
     * {@code herdguard.startup.max-delay} in {@code random} mode.
     *
     * @throws IllegalArgumentException if {@code startupDelay} is negative
     */
    public Builder withStartupDelay(Duration startupDelay) {
      checkStartupDelay(startupDelay);
      this.startupDelay = startupDelay;
      return this;
    }

    /**
     * The folder where the check records its last success ({@code herdguard.state-dir}), in the
     * file {@code checks/<name>} below it. Without it nothing is kept, and every start runs after
     * the startup delay. One check per name per folder: two would share a file.
     */
    public Builder withStateDir(Path stateDir) {
      this.stateDir = Objects.requireNonNull(stateDir, "stateDir");
      return this;
    }

    /** The wall clock for records and {@link PeriodicCheck#nextRun()}. Default the system clock. */
    public Builder withClock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The source of draws for periods, the default startup delay and backoff. Default a
     * thread-safe generator over {@link java.util.concurrent.ThreadLocalRandom}. A fixed seed makes
     * a schedule repeatable.
     */
    public Builder withRandom(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * The scheduler that runs the task. The check never shuts it down. Default: a single daemon
     * thread named {@code herdguard-check-<name>}, made at start and shut down by
     * {@link PeriodicCheck#close()}.
     */
    public Builder withScheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** Receives {@link HerdGuardListener#onRetry} after each failed run. Default none. */
    public Builder withListener(HerdGuardListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * A check with these settings, not started.
     *
     * @throws IllegalArgumentException if the backoff's base is longer than the interval
     */
    public PeriodicCheck build() {
      if (backoff != null && backoff.base().compareTo(interval) > 0) {
        throw new IllegalArgumentException("backoff base (" + Durations.format(backoff.base()) + ") must be <= check interval ("
            + Durations.format(interval) + "): a retry after a failure must come no later than the next regular run");
      }
      return new PeriodicCheck(this, failureBackoff(backoff, interval));
    }
  }
}

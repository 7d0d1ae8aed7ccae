package dev.herdguard;

import dev.herdguard.internal.Durations;
import dev.herdguard.internal.Randoms;
import dev.herdguard.internal.Sleeper;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * How long a client waits after start before its first contact with the server.
 *
 * <p>When a patch reboots a fleet, every client starts within minutes and, without a delay, logs
 * in within the same seconds. Waiting a delay spread over {@code [0, max]} turns that spike into a
 * flat load of about {@code fleet / max} per second. Two modes
 * ({@code herdguard.startup.mode}, window {@code herdguard.startup.max-delay}, default 60 s):
 * <ul>
 *   <li>{@link #random random}: a fresh uniform draw at every start. Needs no state.
 *   <li>{@link #stable stable}: {@code max * f}, where {@code f} in {@code [0, 1)} is a hash of the
 *       installation id (see {@link Cohort}), like systemd's {@code FixedRandomDelay}. The same
 *       at every start, so one client's behaviour is reproducible and its wait can be read off its
 *       id when debugging; the fleet is spread just as evenly. Needs a state folder that keeps the
 *       id, or every start gets a new offset and the mode is random in effect.
 * </ul>
 * A {@code max} of zero turns the delay off.
 *
 * <p>The decision, {@link #delay(RandomGenerator)} or {@link #delay(double)}, is a pure function
 * of the draw and is separate from the waiting. A fleet simulator draws delays without waiting for
 * any of them.
 *
 * <p><b>Waiting: one startup delay per process, counted from one instant.</b> Wait with
 * {@link HerdGuard#awaitStartup()} or {@link HerdGuard#startupAsync()}: the guard draws the delay
 * once, when it is built, and every wait for it (those two, the OkHttp adapter's startup gate, the
 * first run of a {@link PeriodicCheck}) ends at the same instant, the guard's creation plus the
 * delay. This class's own waiting methods ({@link #await()}, {@code schedule}, {@code whenReady})
 * wait the whole delay from their call, so an application that called them some time after
 * building its guard waited longer than its guard, for the same delay; they are deprecated, and
 * kept only for source compatibility.
 *
 * <p>Immutable and thread-safe.
 */
public final class StartupJitter {

  /** How the delay is drawn; names as in the {@code herdguard.startup.mode} key. */
  public enum Mode {
    /** {@code random}: a fresh uniform draw in [0, max] at every start. */
    RANDOM("random"),
    /** {@code stable}: one offset per installation, the same at every start. */
    STABLE("stable");

    private final String key;

    Mode(String key) {
      this.key = key;
    }

    /** The name used in configuration. */
    public String key() {
      return key;
    }

    /**
     * The mode with the given configuration name.
     *
     * @throws IllegalArgumentException if no mode has that name
     */
    public static Mode fromKey(String key) {
      for (Mode m : values()) {
        if (m.key.equals(key)) {
          return m;
        }
      }
      throw new IllegalArgumentException("startup mode (" + key + ") must be one of random, stable");
    }
  }

  // Thread.sleep underneath: interruptible, holds no monitor, and on Java 21 a virtual thread
  // unmounts from its carrier while it sleeps. Tests record the wait instead (withSleeper).
  private static final Sleeper THREAD_SLEEP = Sleeper.SYSTEM;

  private static final StartupJitter OFF = new StartupJitter(Mode.RANDOM, Duration.ZERO, null, THREAD_SLEEP);

  private final Mode mode;
  private final Duration max;
  private final long maxNanos;
  private final Cohort cohort;
  private final long stableNanos;
  private final Sleeper sleeper;

  private StartupJitter(Mode mode, Duration max, Cohort cohort, Sleeper sleeper) {
    Objects.requireNonNull(max, "max");
    if (max.isNegative()) {
      throw new IllegalArgumentException("startup max-delay (" + Durations.format(max) + ") must be >= 0");
    }
    this.mode = mode;
    this.max = max;
    this.maxNanos = saturatedNanos(max);
    this.cohort = cohort;
    this.stableNanos = cohort == null ? 0 : scale(cohort.stableFraction());
    this.sleeper = sleeper;
  }

  /**
   * A delay drawn anew at every start, uniform in {@code [0, max]}.
   *
   * @param max the upper bound; {@link Duration#ZERO} turns the delay off
   * @throws NullPointerException if {@code max} is null
   * @throws IllegalArgumentException if {@code max} is negative
   */
  public static StartupJitter random(Duration max) {
    return new StartupJitter(Mode.RANDOM, max, null, THREAD_SLEEP);
  }

  /**
   * A delay fixed per installation: {@code max} times a fraction in {@code [0, 1)} hashed from the
   * cohort's installation id. Keep the id across restarts with {@link Cohort#load}, or each start
   * gets a new offset.
   *
   * @param max the upper bound; {@link Duration#ZERO} turns the delay off
   * @param cohort this installation
   * @throws NullPointerException if {@code max} or {@code cohort} is null
   * @throws IllegalArgumentException if {@code max} is negative
   */
  public static StartupJitter stable(Duration max, Cohort cohort) {
    return new StartupJitter(Mode.STABLE, max, Objects.requireNonNull(cohort, "cohort"), THREAD_SLEEP);
  }

  /** No delay: every method answers {@link Duration#ZERO} or runs at once. */
  public static StartupJitter off() {
    return OFF;
  }

  /** A copy that waits through {@code sleeper}; for tests. */
  StartupJitter withSleeper(Sleeper sleeper) {
    return new StartupJitter(mode, max, cohort, Objects.requireNonNull(sleeper, "sleeper"));
  }

  /** How the delay is drawn; {@link Mode#RANDOM} for {@link #off()}. */
  public Mode mode() {
    return mode;
  }

  /** The upper bound of the delay; zero when off. */
  public Duration max() {
    return max;
  }

  /** Whether the delay is always zero. */
  public boolean isOff() {
    return maxNanos == 0;
  }

  /**
   * The delay before the first contact. In random mode, {@code max} times one
   * {@link RandomGenerator#nextDouble() nextDouble()} from {@code random}; in stable mode, the
   * installation's fixed offset, and {@code random} is not used. Off, or in stable mode, no draw is
   * taken, so a seeded generator shared with other code is not disturbed.
   *
   * @param random the source of the draw, for example {@code new SplittableRandom(seed)} in a test
   * @return a delay in {@code [0, max]}
   * @throws NullPointerException if {@code random} is null
   */
  public Duration delay(RandomGenerator random) {
    Objects.requireNonNull(random, "random");
    return Duration.ofNanos(mode == Mode.RANDOM && maxNanos > 0 ? scale(random.nextDouble()) : stableNanos);
  }

  /**
   * The delay for one uniform draw {@code u}: {@code max * u} in random mode, so
   * {@code delay(0.5)} with a 60 s window is 30 s. In stable mode {@code u} is checked but not used:
   * the offset comes from the cohort.
   *
   * @param u a uniform draw in {@code [0, 1]}
   * @return a delay in {@code [0, max]}
   * @throws IllegalArgumentException if {@code u} is outside {@code [0, 1]} or NaN
   */
  public Duration delay(double u) {
    if (!(u >= 0.0 && u <= 1.0)) {
      throw new IllegalArgumentException("startup jitter draw u (" + u + ") must be in [0, 1]");
    }
    return Duration.ofNanos(mode == Mode.RANDOM ? scale(u) : stableNanos);
  }

  /**
   * Blocks the calling thread for the {@link #delay(RandomGenerator) delay}, drawn from a
   * thread-safe generator shared by herdguard.
   *
   * @return the delay waited
   * @throws InterruptedException if the thread is interrupted before or while waiting; as with
   *     {@link Thread#sleep}, the interrupt status is cleared when this is thrown
   * @deprecated waits the whole delay from this call, where {@link HerdGuard#awaitStartup()}
   *     counts from when the guard was built: two waits for one delay that disagree. Use the
   *     guard's ({@code awaitStartup}, {@code startupAsync}, the OkHttp startup gate), which all
   *     count from one instant; keep this class for the delay itself ({@link #delay(double)}).
   */
  @Deprecated
  public Duration await() throws InterruptedException {
    return waitFor(Randoms.threadLocal());
  }

  /**
   * Blocks the calling thread for the {@link #delay(RandomGenerator) delay} drawn from
   * {@code random}. Holds no lock while waiting, so it does not pin a virtual thread.
   *
   * @param random the source of the draw
   * @return the delay waited
   * @throws InterruptedException if the thread is interrupted before or while waiting, even when
   *     the delay is zero, so that a thread told to stop does not go on to contact the server; as
   *     with {@link Thread#sleep}, the interrupt status is cleared when this is thrown
   * @throws NullPointerException if {@code random} is null
   * @deprecated waits the whole delay from this call, where {@link HerdGuard#awaitStartup()}
   *     counts from when the guard was built: two waits for one delay that disagree. Use the
   *     guard's ({@code awaitStartup}, {@code startupAsync}, the OkHttp startup gate), which all
   *     count from one instant; keep this class for the delay itself ({@link #delay(double)}).
   */
  @Deprecated
  public Duration await(RandomGenerator random) throws InterruptedException {
    return waitFor(random);
  }

  private Duration waitFor(RandomGenerator random) throws InterruptedException {
    Objects.requireNonNull(random, "random");
    if (Thread.interrupted()) {
      throw new InterruptedException("interrupted before the startup delay");
    }
    Duration delay = delay(random);
    if (!delay.isZero()) {
      sleeper.sleep(delay.toNanos());
    }
    return delay;
  }

  /**
   * Runs {@code firstContact} on {@code executor} once the delay, drawn from a thread-safe
   * generator shared by herdguard, has passed.
   *
   * @see #schedule(ScheduledExecutorService, RandomGenerator, Runnable)
   * @deprecated waits the whole delay from this call, where {@link HerdGuard#awaitStartup()}
   *     counts from when the guard was built: two waits for one delay that disagree. Use the
   *     guard's ({@code awaitStartup}, {@code startupAsync}, the OkHttp startup gate), which all
   *     count from one instant; keep this class for the delay itself ({@link #delay(double)}).
   */
  @Deprecated
  public ScheduledFuture<?> schedule(ScheduledExecutorService executor, Runnable firstContact) {
    Objects.requireNonNull(executor, "executor");
    Objects.requireNonNull(firstContact, "firstContact");
    return executor.schedule(firstContact, delay(Randoms.threadLocal()).toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Runs {@code firstContact} on {@code executor} once the {@link #delay(RandomGenerator) delay}
   * drawn from {@code random} has passed. The delay is drawn now, on the calling thread.
   *
   * @param executor where to wait and run
   * @param random the source of the draw
   * @param firstContact what to run; an exception it throws ends up in the returned future, as
   *     with any scheduled task, and is not logged
   * @return the scheduled task: cancel it to call the first contact off; its
   *     {@link ScheduledFuture#getDelay getDelay} tells how long is left
   * @throws NullPointerException if an argument is null
   * @throws RejectedExecutionException if {@code executor} does not take the task
   * @deprecated waits the whole delay from this call, where {@link HerdGuard#awaitStartup()}
   *     counts from when the guard was built: two waits for one delay that disagree. Use the
   *     guard's ({@code awaitStartup}, {@code startupAsync}, the OkHttp startup gate), which all
   *     count from one instant; keep this class for the delay itself ({@link #delay(double)}).
   */
  @Deprecated
  public ScheduledFuture<?> schedule(
      ScheduledExecutorService executor, RandomGenerator random, Runnable firstContact) {
    Objects.requireNonNull(executor, "executor");
    Objects.requireNonNull(firstContact, "firstContact");
    return executor.schedule(firstContact, delay(random).toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * A future completed on {@code executor} once the delay, drawn from a thread-safe generator
   * shared by herdguard, has passed.
   *
   * @see #whenReady(ScheduledExecutorService, RandomGenerator)
   * @deprecated waits the whole delay from this call, where {@link HerdGuard#awaitStartup()}
   *     counts from when the guard was built: two waits for one delay that disagree. Use the
   *     guard's ({@code awaitStartup}, {@code startupAsync}, the OkHttp startup gate), which all
   *     count from one instant; keep this class for the delay itself ({@link #delay(double)}).
   */
  @Deprecated
  public CompletableFuture<Void> whenReady(ScheduledExecutorService executor) {
    return ready(executor, Randoms.threadLocal());
  }

  /**
   * A future completed on {@code executor} once the {@link #delay(RandomGenerator) delay} drawn
   * from {@code random} has passed, for chaining the first contact:
   * {@code jitter.whenReady(scheduler).thenRunAsync(client::login, ioPool)}.
   *
   * <p>Stages chained without {@code Async} run on {@code executor}'s thread; keep them short or
   * hand them to another executor. Cancelling the returned future, or completing it exceptionally
   * (such as through {@code orTimeout}), cancels the waiting task.
   *
   * @param executor where to wait
   * @param random the source of the draw
   * @return a future that completes with {@code null} after the delay
   * @throws NullPointerException if an argument is null
   * @throws RejectedExecutionException if {@code executor} does not take the task
   * @deprecated waits the whole delay from this call, where {@link HerdGuard#awaitStartup()}
   *     counts from when the guard was built: two waits for one delay that disagree. Use the
   *     guard's ({@code awaitStartup}, {@code startupAsync}, the OkHttp startup gate), which all
   *     count from one instant; keep this class for the delay itself ({@link #delay(double)}).
   */
  @Deprecated
  public CompletableFuture<Void> whenReady(ScheduledExecutorService executor, RandomGenerator random) {
    return ready(executor, random);
  }

  private CompletableFuture<Void> ready(ScheduledExecutorService executor, RandomGenerator random) {
    Objects.requireNonNull(executor, "executor");
    CompletableFuture<Void> ready = new CompletableFuture<>();
    ScheduledFuture<?> task = executor.schedule(() -> {
      ready.complete(null);
    }, delay(random).toNanos(), TimeUnit.NANOSECONDS);
    ready.whenComplete((ignored, failure) -> {
      if (failure != null) {
        task.cancel(false);
      }
    });
    return ready;
  }

  private long scale(double u) {
    // u <= 1, but a double near Long.MAX_VALUE may round up past it: clamp to the window.
    return Math.min(maxNanos, (long) (u * maxNanos));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StartupJitter
        && ((StartupJitter) o).mode == mode
        && ((StartupJitter) o).maxNanos == maxNanos
        && Objects.equals(((StartupJitter) o).cohort, cohort);
  }

  @Override
  public int hashCode() {
    return Objects.hash(mode, maxNanos, cohort);
  }

  @Override
  public String toString() {
    if (isOff()) {
      return "StartupJitter[off]";
    }
    if (mode == Mode.RANDOM) {
      return "StartupJitter[random, max=" + Durations.format(max) + "]";
    }
    return "StartupJitter[stable, max=" + Durations.format(max) + ", delay=" + Durations.human(Duration.ofNanos(stableNanos))
        + ", installationId=" + cohort.installationId() + "]";
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}

package dev.herdguard.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Keeps a warning that repeats from flooding the log: the first event of a kind is logged, the
 * ones that follow within {@link #interval()} are counted and not logged, and the first one after
 * the interval is logged with that count ("... (53 more like it not logged; repeats are logged at
 * most once every 1m)"). So a fleet
 * in trouble writes at most one line per kind and interval instead of one per call. Not part of the
 * public API; listeners are not affected: they still get every event.
 *
 * <p>A kind is a key the caller chooses, such as {@code "budget-exhausted login@auth.example.com"}:
 * one per event type, operation and host. Keys are kept for the limiter's lifetime, so they must
 * come from a bounded set (never put a message or a failure's text in one); past
 * {@link #MAX_KEYS} the map is cleared, which at worst logs a line too many.
 *
 * <p>The one idea: time is read from the injected ticker, in nanoseconds; a ticker that goes back
 * by more than the interval (a wall clock stepped back, where no monotonic one was given) ends the
 * interval rather than silencing the kind until the clock catches up. The last count of a storm is logged with the next
 * event of its kind; when none comes, the storm is over and the count is lost, which is the price
 * of needing no timer. Thread-safe and lock-free: a suppressed event costs a map lookup and an
 * atomic increment.
 */
public final class LogLimiter {

  /** The default interval between two lines of one kind. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);

  /** Kinds kept before the map is cleared; far more than operations times event types. */
  public static final int MAX_KEYS = 4096;

  /** Returned by {@link #permit} when the event must not be logged. */
  public static final long SUPPRESS = -1;

  private final LongSupplier nanoTime;
  private final long intervalNanos;
  private final Duration interval;
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

  /** One kind's interval: when its last line was logged, and the events not logged since. */
  private static final class Window {
    final AtomicLong start;
    final AtomicLong suppressed = new AtomicLong();

    Window(long start) {
      this.start = new AtomicLong(start);
    }
  }

  /**
   * A limiter that logs each kind at most once per {@code interval}.
   *
   * @param interval the least time between two lines of one kind, {@code > 0}
   * @param nanoTime the ticker, in nanoseconds: {@code System::nanoTime}, or a test's fake clock
   * @throws IllegalArgumentException if {@code interval} is not positive
   * @throws NullPointerException if an argument is null
   */
  public LogLimiter(Duration interval, LongSupplier nanoTime) {
    Objects.requireNonNull(interval, "interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("log interval (" + Durations.human(interval) + ") must be > 0");
    }
    this.interval = interval;
    this.intervalNanos = saturatedNanos(interval);
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  /** A limiter with the {@link #DEFAULT_INTERVAL} on {@code System.nanoTime()}. */
  public static LogLimiter ofDefaults() {
    return new LogLimiter(DEFAULT_INTERVAL, System::nanoTime);
  }

  /**
   * The ticker for a component that was given only a wall clock: {@code System.nanoTime()} when
   * that clock is the system's, else the clock's own time (a test's fake clock, a simulation's
   * virtual time), so that intervals pass as that clock says. A component given a monotonic
   * ticker should pass it to the constructor instead.
   *
   * @param clock the component's clock
   * @return nanoseconds, monotonic for the system clock
   */
  public static LongSupplier ticker(InstantSource clock) {
    Objects.requireNonNull(clock, "clock");
    if (clock.equals(InstantSource.system()) || clock.equals(Clock.systemUTC())
        || clock.equals(Clock.systemDefaultZone())) {
      return System::nanoTime;
    }
    return () -> {
      Instant t = clock.instant();
      return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    };
  }

  /** The least time between two lines of one kind. */
  public Duration interval() {
    return interval;
  }

  /**
   * Whether an event of kind {@code key} is to be logged now.
   *
   * @param key the kind, from a bounded set
   * @return {@link #SUPPRESS} when it is not; otherwise the number of events of this kind that
   *     were not logged since its last line ({@code 0} for the first line)
   */
  public long permit(String key) {
    long now = nanoTime.getAsLong();
    Window w = windows.get(key);
    if (w == null) {
      if (windows.size() >= MAX_KEYS) {
        windows.clear();
      }
      Window fresh = new Window(now);
      w = windows.putIfAbsent(key, fresh);
      if (w == null) {
        return 0;
      }
    }
    long start = w.start.get();
    long elapsed = now - start;
    // A little negative is two threads' reads racing; more than an interval back is a clock stepped back.
    if (elapsed > -intervalNanos && elapsed < intervalNanos) {
      w.suppressed.incrementAndGet();
      return SUPPRESS;
    }
    if (!w.start.compareAndSet(start, now)) {
      // Another thread logged this kind's line for the interval just ended.
      w.suppressed.incrementAndGet();
      return SUPPRESS;
    }
    // An event counted by a racing thread after this read lands in the next interval's count.
    return w.suppressed.getAndSet(0);
  }

  /**
   * Logs {@code format} with {@code args} as a WARN unless {@link #permit} suppresses it; a line
   * after suppressed ones says how many, and over how long. A last argument that is a
   * {@link Throwable} stays last, as SLF4J wants it.
   *
   * @param log the logger
   * @param key the kind, from a bounded set
   * @param format an SLF4J format
   * @param args its arguments
   */
  public void warn(Logger log, String key, String format, Object... args) {
    if (!log.isWarnEnabled()) {
      return;
    }
    long skipped = permit(key);
    if (skipped == SUPPRESS) {
      return;
    }
    if (skipped == 0) {
      log.warn(format, args);
      return;
    }
    boolean throwableLast = args.length > 0 && args[args.length - 1] instanceof Throwable;
    int plain = throwableLast ? args.length - 1 : args.length;
    Object[] all = Arrays.copyOf(args, args.length + 2);
    all[plain] = skipped;
    all[plain + 1] = Durations.human(interval);
    if (throwableLast) {
      all[plain + 2] = args[plain];
    }
    log.warn(format + " ({} more like it not logged; repeats are logged at most once every {})", all);
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}

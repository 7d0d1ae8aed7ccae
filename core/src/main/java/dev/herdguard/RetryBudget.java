package dev.herdguard;

import java.time.InstantSource;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Caps retries to a host at a fraction of first attempts, plus a small floor per second, so that an
 * overloaded server sees its load grow by at most that fraction, never by the attempt count.
 *
 * <p>Without a budget, a server that fails every call sees each client's load multiplied by its
 * attempt count (six with the default {@code herdguard.retry.max-attempts}) exactly when it can
 * least take it. With one, each first attempt to a host earns {@code ratio} of a retry
 * ({@code herdguard.retry.budget.ratio}, default 0.1) and each retry spends one whole retry; a
 * separate floor grants up to {@code minPerSecond} retries per second
 * ({@code herdguard.retry.budget.min-per-second}, default 1) so that a client with little traffic
 * can still retry at all. Over any stretch of time a host gets at most
 * {@code ratio * firstAttempts + minPerSecond * seconds} retries, plus the bounded stores below.
 *
 * <p>The one idea to keep when changing it: every count is exact. Earned retries are held as a
 * {@code long} of millionths of a retry, updated by compare-and-set, so ten first attempts at 0.1
 * earn exactly one retry (ten doubles of 0.1 add up to 0.9999999999999999, which would not), and
 * threads racing on one host can neither lose a deposit nor spend a retry twice.
 *
 * <p>Two stores are bounded so that a quiet period cannot save up a burst:
 * <ul>
 *   <li>earned retries are capped at what 100 first attempts earn ({@code 100 * ratio}, at least
 *       one retry): 10 retries at the default ratio. A count, not a time window, because it needs no
 *       clock on the first-attempt path and bounds the burst that meets a server at the start of an
 *       outage to a number a reader can state.
 *   <li>the floor holds at most one second's worth ({@code minPerSecond} rounded down, at least one)
 *       and refills at {@code minPerSecond} per second from the injected clock. A retry takes from
 *       the floor first, because floor retries left unused are lost to its cap, while earned ones
 *       keep. A clock that steps back never grants extra retries: the floor counts as empty from the
 *       new time and refills from there.
 * </ul>
 * A budget starts with no earned retries: a fleet that restarts at once has saved none up.
 *
 * <p>Thread-safe without a global lock: hosts live in a {@link ConcurrentHashMap}, and each
 * {@link Host} holds two {@link AtomicLong}s. {@link Host#recordFirstAttempt()} reads no clock and,
 * once the store is full, writes nothing. Hosts are kept for the budget's lifetime: it is meant for
 * the handful of backends a client talks to, not for an open-ended set of URLs.
 */
public final class RetryBudget {

  /** Millionths of a retry: the fixed-point unit of every balance. */
  static final long UNIT = 1_000_000L;

  /** Earned retries are capped at what this many first attempts earn. */
  static final int CAP_FIRST_ATTEMPTS = 100;

  static final double MAX_RATIO = 1000.0;
  static final double MAX_MIN_PER_SECOND = 1_000_000.0;

  private static final long MICROS_PER_SECOND = 1_000_000L;

  private final double ratio;
  private final double minPerSecond;
  private final InstantSource clock;
  /** Earned per first attempt, in {@link #UNIT}s. */
  private final long deposit;
  /** The most a host may hold, in {@link #UNIT}s. */
  private final long cap;
  /** Microseconds between two floor retries; 0 when there is no floor. */
  private final long floorInterval;
  /** How far ahead of now a host's floor may be booked: its capacity times the interval. */
  private final long floorWindow;
  private final ConcurrentHashMap<String, Host> hosts = new ConcurrentHashMap<>();

  private RetryBudget(double ratio, double minPerSecond, InstantSource clock) {
    if (!(ratio >= 0.0 && ratio <= MAX_RATIO)) {
      throw new IllegalArgumentException("retry budget ratio (" + ratio + ") must be in [0, 1000]");
    }
    long deposit = Math.round(ratio * UNIT);
    if (ratio > 0.0 && deposit == 0) {
      throw new IllegalArgumentException(
          "retry budget ratio (" + ratio + ") must be 0 or >= 0.000001: budgets count in millionths of a retry");
    }
    if (!(minPerSecond >= 0.0 && minPerSecond <= MAX_MIN_PER_SECOND)) {
      throw new IllegalArgumentException(
          "retry budget min-per-second (" + minPerSecond + ") must be in [0, 1000000]");
    }
    this.clock = Objects.requireNonNull(clock, "clock");
    this.ratio = ratio;
    this.minPerSecond = minPerSecond;
    this.deposit = deposit;
    this.cap = Math.max(UNIT, deposit * CAP_FIRST_ATTEMPTS);
    if (minPerSecond > 0.0) {
      this.floorInterval = Math.max(1L, Math.round(MICROS_PER_SECOND / minPerSecond));
      this.floorWindow = Math.max(1L, (long) minPerSecond) * floorInterval;
    } else {
      this.floorInterval = 0L;
      this.floorWindow = 0L;
    }
  }

  /**
   * A budget that earns {@code ratio} of a retry per first attempt and grants up to
   * {@code minPerSecond} retries per second besides, per host.
   *
   * @param ratio retries earned per first attempt ({@code herdguard.retry.budget.ratio}), in
   *     [0, 1000]; used to six decimal places
   * @param minPerSecond retries always allowed per second per host
   *     ({@code herdguard.retry.budget.min-per-second}), in [0, 1000000]; 0 turns the floor off
   * @param clock the clock the floor refills from; only its {@link InstantSource#millis()} is read
   * @return the budget
   * @throws NullPointerException if {@code clock} is null
   * @throws IllegalArgumentException if {@code ratio} is not in [0, 1000], is positive but below
   *     0.000001, or {@code minPerSecond} is not in [0, 1000000] (NaN is in neither)
   */
  public static RetryBudget create(double ratio, double minPerSecond, InstantSource clock) {
    return new RetryBudget(ratio, minPerSecond, clock);
  }

  /**
   * A budget with the documented defaults: ratio 0.1, min-per-second 0.05.
   *
   * @param clock the clock the floor refills from
   * @return the budget
   * @throws NullPointerException if {@code clock} is null
   */
  public static RetryBudget ofDefaults(InstantSource clock) {
    return new RetryBudget(0.1, 0.05, clock);
  }

  /**
   * Retries earned per first attempt.
   *
   * @return the ratio
   */
  public double ratio() {
    return ratio;
  }

  /**
   * Retries always allowed per second per host.
   *
   * @return the floor's rate
   */
  public double minPerSecond() {
    return minPerSecond;
  }

  /**
   * The budget of one host, created on first use and the same object on every later call. Host
   * names are compared ignoring case ({@link Locale#ROOT}), as DNS does; {@code host:port} or any
   * other stable name of a backend works too.
   *
   * @param host the host's name
   * @return that host's budget
   * @throws NullPointerException if {@code host} is null
   * @throws IllegalArgumentException if {@code host} is empty
   */
  public Host forHost(String host) {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("retry budget host () must not be empty");
    }
    String key = host.toLowerCase(Locale.ROOT);
    Host found = hosts.get(key);
    return found != null ? found : hosts.computeIfAbsent(key, Host::new);
  }

  /**
   * Same as {@code forHost(host).recordFirstAttempt()}.
   *
   * @param host the host's name
   * @throws NullPointerException if {@code host} is null
   * @throws IllegalArgumentException if {@code host} is empty
   */
  public void recordFirstAttempt(String host) {
    forHost(host).recordFirstAttempt();
  }

  /**
   * Same as {@code forHost(host).tryAcquireRetry()}.
   *
   * @param host the host's name
   * @return whether the retry may go ahead
   * @throws NullPointerException if {@code host} is null
   * @throws IllegalArgumentException if {@code host} is empty
   */
  public boolean tryAcquireRetry(String host) {
    return forHost(host).tryAcquireRetry();
  }

  @Override
  public String toString() {
    return "RetryBudget[ratio=" + ratio + ", minPerSecond=" + minPerSecond + ", hosts=" + hosts.size() + "]";
  }

  /**
   * The budget of one host, from {@link RetryBudget#forHost}. Thread-safe and lock-free; cache it
   * rather than looking it up on every call.
   */
  public final class Host {

    private final String name;
    /** Earned retries, in {@link #UNIT}s, in [0, cap]. */
    private final AtomicLong earned = new AtomicLong();
    /**
     * The floor as a generic cell rate algorithm: the time (clock microseconds) at which the floor
     * will be full again if nothing more is taken. One long holds the whole state, so one
     * compare-and-set takes a floor retry and books its refill together.
     */
    private final AtomicLong floorFullAt = new AtomicLong(Long.MIN_VALUE);

    private Host(String name) {
      this.name = name;
    }

    /**
     * This host's name, lower-cased.
     *
     * @return the name
     */
    public String name() {
      return name;
    }

    /** Records a first attempt (not a retry) to this host: earns {@code ratio} of a retry, up to the cap. */
    public void recordFirstAttempt() {
      if (deposit == 0) {
        return;
      }
      while (true) {
        long current = earned.get();
        if (current >= cap) {
          return;
        }
        if (earned.compareAndSet(current, Math.min(cap, current + deposit))) {
          return;
        }
      }
    }

    /**
     * Takes one retry if the budget has one, from the floor first, then from earned retries.
     * Answers at once and never blocks.
     *
     * @return true if the retry may go ahead (it is now spent); false if it must not be sent, which a
     *     caller reports to {@link HerdGuardListener#onBudgetExhausted}
     */
    public boolean tryAcquireRetry() {
      return tryAcquireFloor() || tryAcquireEarned();
    }

    /**
     * Retries this host could take now, with the part of the next one earned so far: earned
     * retries plus the floor's current retries. For tests and metrics; it may be stale at once.
     *
     * @return the retries available, {@code >= 0}
     */
    public double available() {
      long floor = 0;
      if (floorInterval > 0) {
        long now = nowMicros();
        long booked = Math.max(floorFullAt.get(), now) - now;
        if (booked <= floorWindow) {
          floor = (floorWindow - booked) / floorInterval;
        }
      }
      return floor + (double) earned.get() / UNIT;
    }

    private boolean tryAcquireEarned() {
      while (true) {
        long current = earned.get();
        if (current < UNIT) {
          return false;
        }
        if (earned.compareAndSet(current, current - UNIT)) {
          return true;
        }
      }
    }

    private boolean tryAcquireFloor() {
      if (floorInterval == 0) {
        return false;
      }
      long now = nowMicros();
      while (true) {
        long fullAt = floorFullAt.get();
        long start = Math.max(fullAt, now);
        if (start - now > floorWindow) {
          // Booked further ahead than the window allows: the clock stepped back. Count the floor
          // as empty from the new now, so it refills from here instead of after the jump's length.
          if (floorFullAt.compareAndSet(fullAt, now + floorWindow)) {
            return false;
          }
          continue;
        }
        long next = start + floorInterval;
        if (next - now > floorWindow) {
          return false;
        }
        if (floorFullAt.compareAndSet(fullAt, next)) {
          return true;
        }
      }
    }

    private long nowMicros() {
      return clock.millis() * 1_000L;
    }

    @Override
    public String toString() {
      return "RetryBudget.Host[" + name + ", available=" + available() + "]";
    }
  }
}

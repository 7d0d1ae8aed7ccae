package dev.herdguard;

import dev.herdguard.internal.Durations;
import io.github.resilience4j.core.IntervalBiFunction;
import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How long to wait before each retry.
 *
 * <p>Three strategies, from best to naive:
 * <ul>
 *   <li>{@link #decorrelatedJitter decorrelated jitter}: each delay is drawn uniformly in
 *       {@code [base, min(max, 3 * previous))}, after Marc Brooker's "Exponential Backoff And
 *       Jitter". The upper bound is capped <em>before</em> drawing, so once the range reaches
 *       {@code max} the delays stay spread over {@code [base, max)} instead of piling onto
 *       {@code max} as {@code min(max, random(base, 3 * previous))} does (two thirds of the draws
 *       land on the cap there).
 *   <li>{@link #fullJitter full jitter}: retry {@code n} waits a uniform draw in
 *       {@code [0, min(max, base * 2^(n-1)))}.
 *   <li>{@link #exponential exponential}: retry {@code n} waits exactly
 *       {@code min(max, base * 2^(n-1))}. No jitter: a fleet that failed together retries
 *       together. Kept as the baseline the others are measured against.
 * </ul>
 *
 * <p>A {@code Backoff} is an immutable description and is thread-safe. The state of one call's
 * retries lives in a {@link BackoffSequence}, which is not. Every delay is a pure function of the
 * attempt number, the previous delay and one uniform draw {@code u} in {@code [0, 1)}
 * ({@link #delayNanos(int, long, double)}), so a test can assert the exact delay for a draw.
 */
public final class Backoff {

  /** The strategies; names as in the {@code herdguard.backoff.strategy} key. */
  public enum Strategy {
    /** {@code decorrelated-jitter}: see {@link Backoff#decorrelatedJitter}. */
    DECORRELATED_JITTER("decorrelated-jitter"),
    /** {@code full-jitter}: see {@link Backoff#fullJitter}. */
    FULL_JITTER("full-jitter"),
    /** {@code exponential}: see {@link Backoff#exponential}. */
    EXPONENTIAL("exponential");

    private final String key;

    Strategy(String key) {
      this.key = key;
    }

    /** The name used in configuration, such as {@code decorrelated-jitter}. */
    public String key() {
      return key;
    }

    /**
     * The strategy with the given configuration name.
     *
     * @throws IllegalArgumentException if no strategy has that name
     */
    public static Strategy fromKey(String key) {
      for (Strategy s : values()) {
        if (s.key.equals(key)) {
          return s;
        }
      }
      throw new IllegalArgumentException(
          "backoff strategy (" + key + ") must be one of decorrelated-jitter, full-jitter, exponential");
    }
  }

  private final Strategy strategy;
  private final long baseNanos;
  private final long maxNanos;
  /** {@code maxNanos / 3}, computed once: a division on every delay cost a third of its time. */
  private final long maxNanosThird;
  private final Duration base;
  private final Duration max;

  private Backoff(Strategy strategy, Duration base, Duration max) {
    this.strategy = Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(max, "max");
    if (base.isNegative() || base.isZero()) {
      throw new IllegalArgumentException("backoff base (" + Durations.format(base) + ") must be > 0");
    }
    if (max.compareTo(base) < 0) {
      throw new IllegalArgumentException(
          "backoff max (" + Durations.format(max) + ") must be >= backoff base (" + Durations.format(base) + ")");
    }
    this.baseNanos = saturatedNanos(base);
    this.maxNanos = saturatedNanos(max);
    this.maxNanosThird = maxNanos / 3;
    this.base = base;
    this.max = max;
  }

  /**
   * Decorrelated jitter: delay {@code n} is drawn uniformly in {@code [base, min(max, 3 * d(n-1)))},
   * with {@code d(0) = base}.
   *
   * @throws IllegalArgumentException if {@code base <= 0} or {@code max < base}
   */
  public static Backoff decorrelatedJitter(Duration base, Duration max) {
    return new Backoff(Strategy.DECORRELATED_JITTER, base, max);
  }

  /**
   * Full jitter: delay {@code n} is drawn uniformly in {@code [0, min(max, base * 2^(n-1)))}.
   *
   * @throws IllegalArgumentException if {@code base <= 0} or {@code max < base}
   */
  public static Backoff fullJitter(Duration base, Duration max) {
    return new Backoff(Strategy.FULL_JITTER, base, max);
  }

  /**
   * Exponential without jitter: delay {@code n} is exactly {@code min(max, base * 2^(n-1))}.
   *
   * @throws IllegalArgumentException if {@code base <= 0} or {@code max < base}
   */
  public static Backoff exponential(Duration base, Duration max) {
    return new Backoff(Strategy.EXPONENTIAL, base, max);
  }

  /**
   * A backoff of the given strategy.
   *
   * @throws IllegalArgumentException if {@code base <= 0} or {@code max < base}
   */
  public static Backoff of(Strategy strategy, Duration base, Duration max) {
    return new Backoff(strategy, base, max);
  }

  /** This backoff's strategy. */
  public Strategy strategy() {
    return strategy;
  }

  /** The scale of the first retry's delay. */
  public Duration base() {
    return base;
  }

  /** The upper bound of one delay. */
  public Duration max() {
    return max;
  }

  /**
   * The delay before retry {@code attempt}, in nanoseconds, for one uniform draw.
   *
   * @param attempt the retry's number, 1 for the first retry
   * @param previousDelayNanos the delay before the previous retry; ignored for {@code attempt == 1}
   *     and by the strategies that do not depend on it
   * @param u a uniform draw in {@code [0, 1)}; ignored by {@link Strategy#EXPONENTIAL}
   * @throws IllegalArgumentException if {@code attempt < 1} or {@code u} is outside [0, 1)
   */
  public long delayNanos(int attempt, long previousDelayNanos, double u) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt (" + attempt + ") must be >= 1");
    }
    if (!(u >= 0.0 && u < 1.0)) {
      throw new IllegalArgumentException("u (" + u + ") must be in [0, 1)");
    }
    return delay(attempt, previousDelayNanos, u);
  }

  /** The unchecked hot path behind {@link #delayNanos} and {@link BackoffSequence}. */
  long delay(int attempt, long previousDelayNanos, double u) {
    // Tests of identity rather than a switch: an enum switch reads a lookup table first.
    if (strategy == Strategy.DECORRELATED_JITTER) {
      long previous = attempt == 1 ? baseNanos : Math.max(previousDelayNanos, baseNanos);
      // Cap the range, not the draw: a capped draw piles onto max; a capped range stays spread.
      long upper = previous > maxNanosThird ? maxNanos : previous * 3;
      return baseNanos + (long) (u * (upper - baseNanos));
    } else if (strategy == Strategy.FULL_JITTER) {
      return (long) (u * exponentialNanos(attempt));
    } else {
      return exponentialNanos(attempt);
    }
  }

  private long exponentialNanos(int attempt) {
    // base * 2^(attempt-1) without overflow: stop doubling once past max.
    int shift = attempt - 1;
    if (shift >= 63 || baseNanos > (maxNanos >> shift)) {
      return maxNanos;
    }
    return Math.min(maxNanos, baseNanos << shift);
  }

  /**
   * The retries of one call, drawing from {@code random}. Not thread-safe: one per call.
   *
   * @param random the source of draws; with a fixed seed the sequence is repeatable
   */
  public BackoffSequence sequence(RandomGenerator random) {
    return new BackoffSequence(this, Objects.requireNonNull(random, "random"));
  }

  /**
   * This backoff as a Resilience4j {@link IntervalBiFunction}, for {@code RetryConfig.intervalBiFunction}.
   *
   * <p>Resilience4j hands the function only the attempt number, and shares one function between
   * all calls of a {@code Retry}, so there is no place for a call's previous delay. The function
   * therefore replays the chain from the first retry with fresh draws each time: the delay it
   * returns for attempt {@code n} has exactly the distribution of a sequence's {@code n}th delay.
   * It is thread-safe if {@code random} is.
   *
   * @param random the source of draws, shared by all calls; must be thread-safe if the retry is
   *     used from several threads (for example a {@code RandomGenerator} that delegates to
   *     {@link java.util.concurrent.ThreadLocalRandom})
   * @param <T> the retried call's result type
   * @return a function giving the delay in milliseconds
   */
  public <T> IntervalBiFunction<T> toIntervalBiFunction(RandomGenerator random) {
    Objects.requireNonNull(random, "random");
    return (attempt, either) -> {
      long delay = 0;
      for (int n = 1; n <= Math.max(1, attempt); n++) {
        delay = delay(n, delay, strategy == Strategy.EXPONENTIAL ? 0.0 : random.nextDouble());
      }
      return Duration.ofNanos(delay).toMillis();
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Backoff
        && ((Backoff) o).strategy == strategy
        && ((Backoff) o).baseNanos == baseNanos
        && ((Backoff) o).maxNanos == maxNanos;
  }

  @Override
  public int hashCode() {
    return Objects.hash(strategy, baseNanos, maxNanos);
  }

  @Override
  public String toString() {
    return "Backoff[" + strategy.key() + ", base=" + Durations.format(base) + ", max=" + Durations.format(max) + "]";
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}

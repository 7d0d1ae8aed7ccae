package dev.herdguard;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * The delays of one call's retries under a {@link Backoff}: the first {@link #nextDelayNanos()}
 * is the wait before the first retry, the next one before the second, and so on. It carries the
 * previous delay that decorrelated jitter grows from.
 *
 * <p>Not thread-safe: a sequence belongs to one call. Creating one is cheap; taking a delay
 * allocates nothing.
 */
public final class BackoffSequence {

  private final Backoff backoff;
  private final RandomGenerator random;
  private int attempt;
  private long previousNanos;

  BackoffSequence(Backoff backoff, RandomGenerator random) {
    this.backoff = backoff;
    this.random = random;
  }

  /** The wait before the next retry, in nanoseconds; advances the sequence. */
  public long nextDelayNanos() {
    int n = attempt + 1;
    double u = backoff.strategy() == Backoff.Strategy.EXPONENTIAL ? 0.0 : random.nextDouble();
    long delay = backoff.delay(n, previousNanos, u);
    attempt = n;
    previousNanos = delay;
    return delay;
  }

  /** The wait before the next retry; advances the sequence. */
  public Duration nextDelay() {
    return Duration.ofNanos(nextDelayNanos());
  }

  /** How many delays this sequence has given so far. */
  public int retries() {
    return attempt;
  }

  /** Starts the sequence again, as for a new call. */
  public void reset() {
    attempt = 0;
    previousNanos = 0;
  }

  @Override
  public String toString() {
    return "BackoffSequence[" + backoff + ", retries=" + attempt + "]";
  }
}

package dev.herdguard.benchmarks;

import dev.herdguard.Backoff;
import dev.herdguard.BackoffSequence;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import software.amazon.awssdk.retries.api.BackoffStrategy;

/**
 * The next backoff delay, base 100 ms and cap 10 s, over the first 20 retries of a call and then
 * again from the first.
 *
 * <ul>
 *   <li>{@code baseline}: decorrelated jitter written by hand, one draw from a {@link SplittableRandom};
 *   <li>{@code herdguard}: {@link BackoffSequence#nextDelayNanos()} of a decorrelated-jitter
 *       {@link Backoff};
 *   <li>{@code resilience4j}: {@code IntervalFunction.ofExponentialRandomBackoff(100 ms, 2.0, 10 s)}
 *       ({@code apply(attempt)}, milliseconds);
 *   <li>{@code awsExponentialDelay}: the AWS SDK's {@code BackoffStrategy.exponentialDelay(100 ms,
 *       10 s)} ({@code computeDelay(attempt)}, a {@code Duration}).
 * </ul>
 *
 * <p>What is shared: the policy objects ({@link Backoff}, the Resilience4j and AWS functions) are
 * one object for all threads ({@link Policies}). A {@link BackoffSequence} belongs to one call and
 * is not thread-safe by contract, so each thread has its own, with its own random source
 * ({@link PerThread}), as each call would; the peers draw from {@code ThreadLocalRandom}, which is
 * per thread too.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar BackoffBenchmark -t 1 -prof gc}
 * (and {@code -t 2}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class BackoffBenchmark {

  static final long BASE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(10);
  static final int RETRIES = 20;

  /** The policies, one object for all threads. */
  @State(Scope.Benchmark)
  public static class Policies {
    final Backoff herdguard = Backoff.decorrelatedJitter(Duration.ofNanos(BASE_NANOS), Duration.ofNanos(MAX_NANOS));
    final IntervalFunction resilience4j =
        IntervalFunction.ofExponentialRandomBackoff(Duration.ofMillis(100), 2.0, Duration.ofSeconds(10));
    final BackoffStrategy aws = BackoffStrategy.exponentialDelay(Duration.ofMillis(100), Duration.ofSeconds(10));
  }

  /** One call's state on one thread: its sequence and its attempt counter. */
  @State(Scope.Thread)
  public static class PerThread {
    SplittableRandom random;
    BackoffSequence sequence;
    long previous;
    int attempt;

    @Setup
    public void setUp(Policies policies) {
      random = new SplittableRandom(42 + Thread.currentThread().getId());
      sequence = policies.herdguard.sequence(random);
    }

    int nextAttempt() {
      int a = attempt + 1;
      attempt = a == RETRIES ? 0 : a;
      return a;
    }
  }

  /** Floor: one uniform draw scaled into the capped range, written by hand. */
  @Benchmark
  public long baseline(PerThread t) {
    if (t.nextAttempt() == 1) {
      t.previous = 0;
    }
    long upper = Math.min(MAX_NANOS, Math.max(t.previous, BASE_NANOS) * 3);
    t.previous = BASE_NANOS + (long) (t.random.nextDouble() * (upper - BASE_NANOS));
    return t.previous;
  }

  @Benchmark
  public long herdguard(PerThread t) {
    BackoffSequence s = t.sequence;
    if (s.retries() == RETRIES) {
      s.reset();
    }
    return s.nextDelayNanos();
  }

  @Benchmark
  public long resilience4j(Policies p, PerThread t) {
    return p.resilience4j.apply(t.nextAttempt());
  }

  @Benchmark
  public Duration awsExponentialDelay(Policies p, PerThread t) {
    return p.aws.computeDelay(t.nextAttempt());
  }
}

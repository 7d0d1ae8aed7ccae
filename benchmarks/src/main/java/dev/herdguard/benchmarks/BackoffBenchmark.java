package dev.herdguard.benchmarks;

import dev.herdguard.Backoff;
import dev.herdguard.BackoffSequence;
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

/**
 * The cost of the next backoff delay.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar BackoffBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class BackoffBenchmark {

  private BackoffSequence decorrelated;
  private SplittableRandom random;
  private long previous;

  @Setup
  public void setUp() {
    random = new SplittableRandom(42);
    decorrelated = Backoff.decorrelatedJitter(Duration.ofMillis(100), Duration.ofSeconds(10)).sequence(random);
  }

  /** Floor: one uniform draw scaled into a range, written by hand. */
  @Benchmark
  public long baseline() {
    long upper = Math.min(10_000_000_000L, Math.max(previous, 100_000_000L) * 3);
    previous = 100_000_000L + (long) (random.nextDouble() * (upper - 100_000_000L));
    return previous;
  }

  @Benchmark
  public long herdguardDecorrelatedJitter() {
    if (decorrelated.retries() == 20) {
      decorrelated.reset();
    }
    return decorrelated.nextDelayNanos();
  }
}

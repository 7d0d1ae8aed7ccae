package dev.herdguard.benchmarks;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import dev.failsafe.function.CheckedSupplier;
import dev.herdguard.GuardedOperation;
import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import java.time.Duration;
import java.util.concurrent.Callable;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A guarded call that succeeds at once: what the resilience layer adds to every login or update
 * call when the server is healthy.
 *
 * <ul>
 *   <li>{@code baseline}: the plain callable, unguarded;
 *   <li>{@code herdguard}: {@code guard.operation("bench").call(callable)} with the default
 *       configuration (breaker, retry with backoff, retry budget);
 *   <li>{@code resilience4j}: Resilience4j 2.x {@code Retry} around {@code CircuitBreaker}, both
 *       {@code ofDefaults()}, decorated once in setup;
 *   <li>{@code failsafe}: Failsafe 3.x {@code RetryPolicy} and {@code CircuitBreaker}, both
 *       {@code ofDefaults()}, one {@code FailsafeExecutor} built in setup.
 * </ul>
 *
 * <p>Each guard is one object shared by all benchmark threads, as an application shares one
 * operation per backend: at 2 threads both hit the same breaker. The callable returns a
 * precomputed value, so whatever is allocated is the layer's own.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar GuardedCallBenchmark -t 1 -prof gc}
 * (and {@code -t 2}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Benchmark)
public class GuardedCallBenchmark {

  private static final String RESULT = "session";

  private final Callable<String> callable = () -> RESULT;
  private final CheckedSupplier<String> supplier = () -> RESULT;

  private HerdGuard guard;
  private GuardedOperation herdguard;
  private Callable<String> resilience4j;
  private FailsafeExecutor<String> failsafe;

  @Setup
  public void setUp() {
    guard = HerdGuard.create(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO).build());
    herdguard = guard.operation("bench");
    resilience4j = Retry.decorateCallable(Retry.ofDefaults("bench"),
        CircuitBreaker.decorateCallable(CircuitBreaker.ofDefaults("bench"), callable));
    failsafe = Failsafe.with(RetryPolicy.<String>ofDefaults(), dev.failsafe.CircuitBreaker.<String>ofDefaults());
  }

  @TearDown
  public void tearDown() {
    guard.close();
  }

  /** Floor: the callable itself, unguarded. */
  @Benchmark
  public String baseline() throws Exception {
    return callable.call();
  }

  @Benchmark
  public String herdguard() throws Exception {
    return herdguard.call(callable);
  }

  @Benchmark
  public String resilience4j() throws Exception {
    return resilience4j.call();
  }

  @Benchmark
  public String failsafe() {
    return failsafe.get(supplier);
  }
}

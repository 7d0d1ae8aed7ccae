package dev.herdguard.benchmarks;

import dev.herdguard.examples.fleet.PatchTuesday;
import dev.herdguard.examples.fleet.Policy;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How fast the fleet simulator plays patch-tuesday: one whole run per operation, at 100,000 and
 * 1,000,000 clients, with herdguard's real objects on virtual time. Clients simulated per second
 * are {@code clients / score}; {@code benchmarks/run.sh} writes them in the results. A run is
 * single-threaded, so this suite runs at one thread only; {@code bin/demo} plays its runs two at a
 * time.
 *
 * <p>Baseline: the naive fleet of the same size. It runs no herdguard object, so it measures the
 * simulator's own machinery (event loop, server model), though on far more requests: a naive fleet
 * sends hundreds of times as many.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar FleetBenchmark -t 1 -prof gc}
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
@State(Scope.Benchmark)
public class FleetBenchmark {

  @Param({"100000", "1000000"})
  public int clients;

  private PatchTuesday.Settings settings;

  @Setup
  public void setUp() {
    settings = PatchTuesday.Settings.defaults(clients);
  }

  /** The naive fleet: no herdguard object, but many more requests to simulate (32M at 100,000 clients). */
  @Benchmark
  public long baseline() {
    return PatchTuesday.run(settings, Policy.NAIVE, false).requests();
  }

  /** herdguard's fleet, cold: every client logs in through its own HerdGuard. */
  @Benchmark
  public long herdguardCold() {
    return PatchTuesday.run(settings, Policy.HERDGUARD, false).requests();
  }

  /** herdguard's fleet, warm: tokens kept across the restart, through each client's TokenCache. */
  @Benchmark
  public long herdguardWarm() {
    return PatchTuesday.run(settings, Policy.HERDGUARD, true).requests();
  }
}

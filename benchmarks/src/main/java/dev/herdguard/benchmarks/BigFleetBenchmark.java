package dev.herdguard.benchmarks;

import dev.herdguard.HerdGuardConfig;
import dev.herdguard.examples.fleet.PatchTuesday;
import dev.herdguard.examples.fleet.Policy;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long the fleet simulator takes to play big-fleet with herdguard's defaults: 1,000,000 clients,
 * each with its own real {@code HerdGuard} and {@code TokenCache}, against a server sized for a
 * tenth of them, on virtual time, until every client is online or 75 minutes of virtual time have passed.
 * The target is 60 s on a 2-core machine. One whole run per operation, single-threaded.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar BigFleetBenchmark -prof gc}
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx8g")
@State(Scope.Benchmark)
public class BigFleetBenchmark {

  private final PatchTuesday.Settings settings = PatchTuesday.Settings.bigFleet(HerdGuardConfig.defaults());

  /** herdguard's fleet with its defaults: the requests it sent, so that nothing is optimised away. */
  @Benchmark
  public long herdguard() {
    return PatchTuesday.run(settings, Policy.HERDGUARD, false).requests();
  }
}

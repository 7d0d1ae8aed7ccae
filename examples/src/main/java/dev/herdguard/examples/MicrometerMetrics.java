package dev.herdguard.examples;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.micrometer.HerdGuardMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Recipe: herdguard's retries, budget refusals, breaker states and logins in Micrometer. {@link
 * HerdGuardMetrics} is the guard's listener; binding an operation meters its breaker before its
 * first event.
 *
 * <p>Run: {@code java -cp examples/target/herdguard-examples.jar dev.herdguard.examples.MicrometerMetrics}
 */
public final class MicrometerMetrics {

  private MicrometerMetrics() {}

  public static void main(String[] args) throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (HerdGuard guard = guard(HerdGuardConfig.load(), registry)) {
      guard.operation("http", "api.example.com").call(() -> "ok");
      System.out.println(registry.getMetersAsString());
    }
  }

  /** The registry is the application's: Spring Boot's, Prometheus', or any other. */
  static HerdGuard guard(HerdGuardConfig config, MeterRegistry registry) {
    HerdGuardMetrics metrics = HerdGuardMetrics.create(registry);
    HerdGuard guard = HerdGuard.builder(config).withListener(metrics).build();
    metrics.bind(guard.operation("http", "api.example.com")); // its breaker's gauges from the start
    return guard;
  }
}

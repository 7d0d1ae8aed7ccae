package dev.herdguard.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MicrometerMetricsTest {

  @Test
  void aRetryAndTheBreakersStateShowInTheRegistry() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    HerdGuardConfig config = HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO)
        .withBackoffBase(Duration.ofMillis(1)).withBackoffMax(Duration.ofMillis(2)).build();
    try (HerdGuard guard = MicrometerMetrics.guard(config, registry)) {
      assertEquals(1, registry.get("resilience4j.circuitbreaker.state")
          .tags("name", "http@api.example.com", "state", "closed").gauge().value());
      AtomicInteger calls = new AtomicInteger();
      assertEquals("ok", guard.operation("http", "api.example.com").call(() -> {
        if (calls.incrementAndGet() == 1) {
          throw new IOException("connection reset");
        }
        return "ok";
      }));
      assertEquals(1, registry.get("herdguard.retries")
          .tags("operation", "http", "host", "api.example.com").counter().count());
    }
  }
}

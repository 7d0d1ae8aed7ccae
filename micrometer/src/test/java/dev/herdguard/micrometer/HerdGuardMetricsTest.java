package dev.herdguard.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.GuardedOperation;
import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.HerdGuardException;
import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HerdGuardMetricsTest {

  private static final String HOST = "api.example.com";

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private HerdGuard guard;

  @AfterEach
  void close() {
    if (guard != null) {
      guard.close();
    }
  }

  /** Real waits of a millisecond or two: the backoff is tiny, and nothing asserts a duration. */
  private static HerdGuardConfig.Builder fast() {
    return HerdGuardConfig.builder()
        .withStartupMaxDelay(Duration.ZERO)
        .withBackoffBase(Duration.ofMillis(1))
        .withBackoffMax(Duration.ofMillis(2))
        .withRetryBudgetRatio(100)
        .withRetryBudgetMinPerSecond(1000);
  }

  private HerdGuard guard(HerdGuardConfig.Builder config, HerdGuardMetrics metrics) {
    guard = HerdGuard.builder(config.build()).withListener(metrics).build();
    return guard;
  }

  private double counter(String name, String... tags) {
    return registry.get(name).tags(tags).counter().count();
  }

  private double gauge(String name, String... tags) {
    return registry.get(name).tags(tags).gauge().value();
  }

  private static <T> java.util.concurrent.Callable<T> failing(int times, T then) {
    AtomicInteger calls = new AtomicInteger();
    return () -> {
      if (calls.incrementAndGet() <= times) {
        throw new IOException("reset #" + calls.get());
      }
      return then;
    };
  }

  @Test
  void retriesAreCountedByOperationAndHost() throws Exception {
    HerdGuard guard = guard(fast(), HerdGuardMetrics.create(registry));
    assertEquals("ok", guard.operation("http", HOST).call(failing(2, "ok")));
    assertEquals("ok", guard.operation("login").call(failing(1, "ok")));

    assertEquals(2, counter("herdguard.retries", "operation", "http", "host", HOST));
    assertEquals(1, counter("herdguard.retries", "operation", "login", "host", "none"));
  }

  @Test
  void exhaustedRetriesAndBudgetRefusalsAreCounted() throws Exception {
    HerdGuard guard = guard(fast().withRetryMaxAttempts(2), HerdGuardMetrics.create(registry));
    assertThrows(HerdGuardException.class, () -> guard.operation("http", HOST).call(failing(5, "ok")));
    assertEquals(1, counter("herdguard.retries.exhausted", "operation", "http", "host", HOST));
    guard.close();

    HerdGuard stingy = guard(fast().withRetryBudgetRatio(0).withRetryBudgetMinPerSecond(0),
        HerdGuardMetrics.create(registry));
    HerdGuardException e = assertThrows(HerdGuardException.class,
        () -> stingy.operation("http", "updates.example.com").call(failing(1, "ok")));
    assertEquals(HerdGuardException.Reason.BUDGET_EXHAUSTED, e.reason());
    assertEquals(1, counter("herdguard.retry.budget.exhausted", "host", "updates.example.com"));
  }

  @Test
  void breakerStateGaugeAndRefusedCallsFollowTheBreaker() throws Exception {
    HerdGuard guard = guard(fast().withRetryMaxAttempts(1).withBreakerWindow(2).withBreakerMinimumCalls(2)
        .withBreakerOpenWait(Duration.ofMinutes(5)), HerdGuardMetrics.create(registry));
    GuardedOperation op = guard.operation("http", HOST);
    String name = "http@" + HOST;
    for (int i = 0; i < 2; i++) {
      assertThrows(HerdGuardException.class, () -> op.call(failing(1, "ok"))); // one attempt: exhausted
    }
    assertEquals(1, gauge("resilience4j.circuitbreaker.state", "name", name, "state", "open"));
    assertEquals(0, gauge("resilience4j.circuitbreaker.state", "name", name, "state", "closed"));

    assertThrows(HerdGuardException.class, () -> op.call(() -> "never made"));
    assertThrows(HerdGuardException.class, () -> op.call(() -> "never made"));
    assertEquals(2, counter("resilience4j.circuitbreaker.not.permitted.calls", "name", name, "kind", "not_permitted"));
  }

  @Test
  void boundOperationIsMeteredBeforeItsFirstEventAndFollowsTheLiveBreaker() {
    HerdGuardMetrics metrics = HerdGuardMetrics.create(registry);
    HerdGuard guard = guard(fast(), metrics);
    GuardedOperation op = guard.operation("http", HOST);
    metrics.bind(op).bind(op);

    assertEquals(1, gauge("resilience4j.circuitbreaker.state", "name", "http@" + HOST, "state", "closed"));
    op.circuitBreaker().transitionToForcedOpenState();
    assertEquals(1, gauge("resilience4j.circuitbreaker.state", "name", "http@" + HOST, "state", "forced_open"));
    assertEquals(6, registry.find("resilience4j.circuitbreaker.state").gauges().size(), "one per state, once");
  }

  @Test
  void loginsAndTheTokensTimeLeftAreMetered() throws Exception {
    // The cache reads the system clock; the gauge reads this instant, so its value is exact.
    Instant now = Instant.now();
    HerdGuardMetrics metrics = HerdGuardMetrics.builder(registry).withClock(InstantSource.fixed(now)).build();
    HerdGuard guard = guard(fast(), metrics);
    AtomicInteger logins = new AtomicInteger();
    try (TokenCache tokens = guard.tokenCache(previous -> {
      if (logins.incrementAndGet() == 1) {
        throw new IOException("login server busy");
      }
      return Token.of("secret-" + logins.get(), now.plus(Duration.ofMinutes(45)));
    })) {
      metrics.bindTokenCache("login", tokens);
      assertEquals(0, registry.get("herdguard.token.remaining").tag("cache", "login").timeGauge()
          .value(TimeUnit.SECONDS), "no token yet");

      assertThrows(RuntimeException.class, tokens::get);
      assertEquals(1, counter("herdguard.token.logins", "outcome", "failure"));
      assertEquals(0, counter("herdguard.token.logins", "outcome", "success"));
    }
    // The failed login is cached for a backoff: a second cache logs in at once.
    try (TokenCache tokens = guard.tokenCache(previous -> Token.of("secret", now.plus(Duration.ofMinutes(45))))) {
      metrics.bindTokenCache("api", tokens);
      tokens.get();
      assertEquals(1, counter("herdguard.token.logins", "outcome", "success"));
      assertEquals(45 * 60, registry.get("herdguard.token.remaining").tag("cache", "api").timeGauge()
          .value(TimeUnit.SECONDS));
    }
    for (Meter meter : registry.getMeters()) {
      assertTrue(!meter.getId().toString().contains("secret"), "no token in a meter: " + meter.getId());
    }
  }

  @Test
  void breakersGivenToACircuitBreakerRegistryAreMeteredByResilience4jAlone() throws Exception {
    CircuitBreakerRegistry breakers = CircuitBreakerRegistry.ofDefaults();
    TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
    HerdGuardMetrics metrics = HerdGuardMetrics.builder(registry).withCircuitBreakerRegistry(breakers).build();
    HerdGuard guard = guard(fast().withRetryMaxAttempts(1).withBreakerWindow(2).withBreakerMinimumCalls(2)
        .withBreakerOpenWait(Duration.ofMinutes(5)), metrics);
    GuardedOperation op = guard.operation("http", HOST);
    metrics.bind(op).bind(op);

    String name = "http@" + HOST;
    assertSame(op.circuitBreaker(), breakers.find(name).orElseThrow());
    for (int i = 0; i < 2; i++) {
      assertThrows(HerdGuardException.class, () -> op.call(failing(1, "ok"))); // one attempt: exhausted
    }
    assertThrows(HerdGuardException.class, () -> op.call(() -> "never made"));
    assertEquals(1, gauge("resilience4j.circuitbreaker.state", "name", name, "state", "open"));
    // Resilience4j's own meter of refused calls: one refusal, counted once, not by herdguard too.
    assertEquals(1, counter("resilience4j.circuitbreaker.not.permitted.calls", "name", name, "kind", "not_permitted"));
    assertEquals(2, registry.get("resilience4j.circuitbreaker.calls").tags("name", name, "kind", "failed")
        .timer().count());
  }

  @Test
  void commonTagsGoOnEveryMeter() throws Exception {
    HerdGuardMetrics metrics = HerdGuardMetrics.builder(registry).withTags(Tags.of("application", "desktop")).build();
    HerdGuard guard = guard(fast(), metrics);
    guard.operation("http", HOST).call(failing(1, "ok"));
    for (Meter meter : registry.getMeters()) {
      assertEquals("desktop", meter.getId().getTag("application"), meter.getId().toString());
    }
  }

  @Test
  void operationNamesSplitIntoOperationAndHost() {
    assertEquals(Tags.of("operation", "http", "host", HOST), HerdGuardMetrics.operationTags("http@" + HOST));
    assertEquals(Tags.of("operation", "login", "host", "none"), HerdGuardMetrics.operationTags("login"));
  }

  @Test
  void blankTokenCacheNameIsRejectedByName() {
    HerdGuardMetrics metrics = HerdGuardMetrics.create(registry);
    HerdGuard guard = guard(fast(), metrics);
    try (TokenCache tokens = guard.tokenCache(previous -> Token.withoutExpiry("v"))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> metrics.bindTokenCache(" ", tokens));
      assertEquals("token cache name (\" \") must not be blank", e.getMessage());
    }
  }

  @Test
  void hostWaitsAreTimedPerHostAndTheTimeLeftIsAGauge() {
    HerdGuardMetrics metrics = HerdGuardMetrics.create(registry);
    HerdGuard guard = guard(fast().withRetryMaxAttempts(1), metrics);
    metrics.bindHost(guard.host(HOST));
    assertEquals(0, registry.get("herdguard.host.wait.remaining").tag("host", HOST).timeGauge().value(TimeUnit.SECONDS));
    // A 503 with a hint of a minute gates the host: one wait, recorded, and the time left shown.
    assertThrows(HerdGuardException.class, () -> guard.operation("login", HOST).call(() -> {
      throw new dev.herdguard.ServerBusyException("503", Duration.ofMinutes(1));
    }));
    assertEquals(1, registry.get("herdguard.host.waits").tag("host", HOST).timer().count());
    assertTrue(registry.get("herdguard.host.wait.remaining").tag("host", HOST).timeGauge().value(TimeUnit.SECONDS) > 55);
  }
}

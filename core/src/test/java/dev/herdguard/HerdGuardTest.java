package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.testing.FakeClock;
import dev.herdguard.testing.FakeScheduler;
import dev.herdguard.testing.FixedRandom;
import dev.herdguard.testing.LogCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The facade's wiring: what it builds from the config, and what it logs. */
class HerdGuardTest {

  @TempDir
  Path stateDir;

  private final FakeClock clock = new FakeClock();
  private final FakeScheduler scheduler = new FakeScheduler(clock);

  private HerdGuard guard(HerdGuardConfig config) {
    return HerdGuard.builder(config)
        .withClock(clock)
        .withRandom(new FixedRandom(0.5))
        .withScheduler(scheduler)
        .withSleeper(nanos -> clock.advance(Duration.ofNanos(nanos)))
        .build();
  }

  @Test
  void cohortNeedsTheStateDir() {
    HerdGuard guard = guard(HerdGuardConfig.defaults());
    assertEquals("herdguard.state-dir is not set: a cohort needs an installation id kept across restarts",
        assertThrows(IllegalStateException.class, guard::cohort).getMessage());
  }

  @Test
  void stableStartupDelayAndCohortSurviveARestart() {
    HerdGuardConfig config = HerdGuardConfig.builder()
        .withStateDir(stateDir)
        .withStartupMode(StartupJitter.Mode.STABLE)
        .build();
    HerdGuard first = guard(config);
    HerdGuard restarted = HerdGuard.builder(config).withClock(clock).withRandom(new SplittableRandom(9)).build();
    assertEquals(first.cohort(), restarted.cohort());
    assertEquals(first.startupDelay(), restarted.startupDelay());
    assertEquals(StartupJitter.stable(HerdGuardConfig.defaults().startupMaxDelay(), first.cohort()).delay(0.0),
        first.startupDelay());
    assertTrue(Files.exists(stateDir.resolve("installation-id")));
  }

  @Test
  void tokenCacheKeepsItsTokenInTheStateDirAcrossARestart() throws Exception {
    HerdGuardConfig config = HerdGuardConfig.builder().withStateDir(stateDir).build();
    AtomicInteger logins = new AtomicInteger();
    TokenCache.Login login = previous -> {
      logins.incrementAndGet();
      return Token.of("secret-" + logins.get(), clock.instant().plus(Duration.ofHours(1)));
    };
    try (TokenCache cache = guard(config).tokenCache(login)) {
      CompletableFutures.run(scheduler, cache.getAsync());
    }
    assertTrue(Files.exists(stateDir.resolve("token")));
    try (TokenCache cache = guard(config).tokenCache(login)) {
      assertEquals("secret-1", cache.peek().orElseThrow().value());
    }
    assertEquals(1, logins.get(), "a restarted client with a valid token sends no login");
  }

  @Test
  void periodicCheckStartsAfterWhatIsLeftOfTheStartupDelay() {
    HerdGuard guard = guard(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ofSeconds(60)).build());
    assertEquals(Duration.ofSeconds(30), guard.startupDelay());
    clock.advance(Duration.ofSeconds(10));
    AtomicInteger runs = new AtomicInteger();
    try (PeriodicCheck check = guard.periodicCheck("updates", runs::incrementAndGet).start()) {
      scheduler.advance(Duration.ofSeconds(20).minusMillis(1));
      assertEquals(0, runs.get());
      scheduler.advance(Duration.ofMillis(1));
      assertEquals(1, runs.get());
      // Then every interval (6h, u = 0.5 draws exactly 6h).
      scheduler.advance(Duration.ofHours(6));
      assertEquals(2, runs.get());
    }
  }

  @Test
  void logsRetriesAtDebugAndBreakerChangesAndBudgetExhaustionAtWarn() {
    HerdGuard guard = guard(HerdGuardConfig.builder()
        .withRetryMaxAttempts(2)
        .withBreakerWindow(3)
        .withBreakerMinimumCalls(3)
        .withRetryBudgetMinPerSecond(0)
        .withRetryBudgetRatio(0.5)
        .withStartupMaxDelay(Duration.ZERO)
        .build());
    GuardedOperation op = guard.operation("login", "auth.example.com");
    try (LogCapture logs = new LogCapture()) {
      // The first call earns half a retry: not enough. The second earns the other half and retries.
      assertEquals(HerdGuardException.Reason.BUDGET_EXHAUSTED, assertThrows(HerdGuardException.class,
          () -> op.call(() -> {
            throw new IOException("connection reset");
          })).reason());
      assertEquals(HerdGuardException.Reason.RETRIES_EXHAUSTED, assertThrows(HerdGuardException.class,
          () -> op.call(() -> {
            throw new IOException("connection reset");
          })).reason());
      List<String> debug = logs.lines("DEBUG").stream().filter(l -> l.contains("retrying in")).toList();
      assertEquals(1, debug.size(), logs.text());
      assertTrue(debug.get(0).contains("login@auth.example.com: attempt 1 failed (java.io.IOException: connection reset), "
          + "retrying in 1s"), debug.get(0));
      List<String> warn = logs.lines("WARN");
      assertTrue(warn.stream().anyMatch(l -> l.contains("login@auth.example.com: circuit breaker CLOSED -> OPEN")),
          logs.text());
      assertTrue(warn.stream().anyMatch(l -> l.contains("retry budget for auth.example.com exhausted")), logs.text());
    }
  }

  @Test
  void aListenerThatThrowsIsLoggedAndIgnored() throws Exception {
    List<String> seen = new ArrayList<>();
    HerdGuard guard = HerdGuard.builder(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO).build())
        .withClock(clock)
        .withRandom(new FixedRandom(0.5))
        .withSleeper(nanos -> clock.advance(Duration.ofNanos(nanos)))
        .withListener(new HerdGuardListener() {
          @Override
          public void onRetry(String operation, int attempt, Duration delay, Throwable cause) {
            seen.add(operation);
            throw new IllegalStateException("metrics backend down");
          }
        })
        .build();
    AtomicInteger calls = new AtomicInteger();
    try (LogCapture logs = new LogCapture()) {
      assertEquals("ok", guard.operation("login").call(() -> {
        if (calls.incrementAndGet() == 1) {
          throw new IOException("reset");
        }
        return "ok";
      }));
      assertTrue(logs.text().contains("herdguard listener failed"), logs.text());
    }
    assertEquals(List.of("login"), seen);
  }

  @Test
  void closeStopsTheSchedulerTheGuardMadeButNotOneItWasGiven() {
    HerdGuard own = HerdGuard.create(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ofSeconds(1)).build());
    own.startupAsync();
    own.close();
    HerdGuard given = guard(HerdGuardConfig.defaults());
    given.close();
    assertFalse(scheduler.isShutdown());
  }

  /** Runs the scheduler until {@code future} completes. */
  private static final class CompletableFutures {
    static <T> T run(FakeScheduler scheduler, java.util.concurrent.CompletableFuture<T> future) {
      for (int i = 0; i < 1000 && !future.isDone(); i++) {
        scheduler.advance(Duration.ofMillis(10));
      }
      return future.join();
    }
  }
}

package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.testing.FakeClock;
import dev.herdguard.testing.FakeScheduler;
import dev.herdguard.testing.FixedRandom;
import dev.herdguard.testing.LogCapture;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Issue 11, item 8: a fleet in trouble must not flood its logs; the listener still hears everything. */
class LogStormTest {

  @Test
  void budgetExhaustedWarningsDoNotStormTheLog() throws Exception {
    FakeClock clock = new FakeClock();
    AtomicInteger budgetEvents = new AtomicInteger();
    HerdGuardListener listener = new HerdGuardListener() {
      @Override
      public void onBudgetExhausted(String host) {
        budgetEvents.incrementAndGet();
      }
    };
    int calls = 10_000;
    try (LogCapture logs = new LogCapture();
        HerdGuard guard = HerdGuard.builder(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO)
                // The breaker stays closed, so that every failing call ends on the budget.
                .withBreakerFailureRateThreshold(100).withBreakerWindow(1000).withBreakerMinimumCalls(1000)
                // Retries earned for 1% of first attempts, against 5% failing: most failing calls exhaust it.
                .withRetryBudgetRatio(0.01).build())
            .withClock(clock)
            .withRandom(new FixedRandom(0.5))
            .withScheduler(new FakeScheduler(clock))
            .withListener(listener)
            .withSleeper(nanos -> { })
            .build()) {
      GuardedOperation op = guard.operation("update", "updates.example.com");
      ExecutorService pool = Executors.newFixedThreadPool(8);
      CountDownLatch gate = new CountDownLatch(1);
      AtomicInteger next = new AtomicInteger();
      AtomicInteger exhausted = new AtomicInteger();

      List<Future<?>> done = new ArrayList<>();
      try {
        for (int t = 0; t < 8; t++) {
          done.add(pool.submit(() -> {
            gate.await();
            for (int i = next.getAndIncrement(); i < calls; i = next.getAndIncrement()) {
              int call = i;
              // 10 ms of (fake) time per call: the 10,000 calls span 100 s.
              clock.advance(Duration.ofMillis(10));
              try {
                op.call(() -> {
                  if (call % 20 == 0) { // 5% of the calls fail, and so does every retry of them
                    throw new IOException("503 from updates.example.com");
                  }
                  return "ok";
                });
              } catch (HerdGuardException e) {
                if (e.reason() == HerdGuardException.Reason.BUDGET_EXHAUSTED) {
                  exhausted.incrementAndGet();
                }
              }
            }
            return null;
          }));
        }
        gate.countDown();
        for (Future<?> f : done) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      List<String> warnings = logs.lines("retry budget for updates.example.com exhausted");
      System.out.println("LogStormTest: " + budgetEvents + " budget-exhausted events, " + warnings.size()
          + " WARN lines");
      assertTrue(budgetEvents.get() >= 300, "the scenario must exhaust the budget often: " + budgetEvents);
      // Once, then at most one summary per minute of the 100 s: 2 lines; 3 if a thread preempted
      // between reading this fast fake clock and logging read it more than a minute stale.
      assertTrue(warnings.size() >= 1 && warnings.size() <= 3,
          warnings.size() + " WARN lines for " + budgetEvents + " events:\n" + String.join("\n", warnings));
      if (warnings.size() > 1) {
        assertTrue(warnings.get(1).contains("more like it not logged; repeats are logged at most once every 1m"),
            warnings.get(1));
      }
      assertEquals(exhausted.get(), budgetEvents.get(), "the listener got every event");
    }
  }

  @Test
  void loginFailuresAndPeriodicCheckFailuresDoNotStormTheLog() throws Exception {
    FakeClock clock = new FakeClock();
    FakeScheduler scheduler = new FakeScheduler(clock);
    AtomicInteger loginFailures = new AtomicInteger();
    AtomicInteger checkFailures = new AtomicInteger();
    HerdGuardListener listener = new HerdGuardListener() {
      @Override
      public void onLoginFailed(Throwable cause, Duration retryIn) {
        loginFailures.incrementAndGet();
      }

      @Override
      public void onRetry(String operation, int attempt, Duration delay, Throwable cause) {
        if (operation.equals("updates")) {
          checkFailures.incrementAndGet();
        }
      }
    };
    // A login retried every second, a check every second: ten minutes of both failing.
    HerdGuardConfig config = HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO)
        .withBackoffStrategy(Backoff.Strategy.EXPONENTIAL)
        .withBackoffBase(Duration.ofSeconds(1)).withBackoffMax(Duration.ofSeconds(1))
        .withCheckInterval(Duration.ofSeconds(1)).withCheckSpread(0)
        .build();
    try (LogCapture logs = new LogCapture();
        HerdGuard guard = HerdGuard.builder(config)
            .withClock(clock)
            .withRandom(new FixedRandom(0.5))
            .withScheduler(scheduler)
            .withListener(listener)
            .build();
        TokenCache tokens = guard.tokenCache(previous -> {
          throw new IOException("login server down");
        });
        PeriodicCheck check = guard.periodicCheck("updates", () -> {
          throw new IOException("update server down");
        }).start()) {
      for (int second = 0; second < 600; second++) {
        tokens.getAsync();
        scheduler.advance(Duration.ofSeconds(1));
      }
      List<String> loginLines = logs.lines("login failed (failure");
      List<String> checkLines = logs.lines("Periodic check 'updates' failed");
      System.out.println("LogStormTest: " + loginFailures + " login failures, " + loginLines.size()
          + " WARN lines; " + checkFailures + " check failures, " + checkLines.size() + " WARN lines");
      assertTrue(loginFailures.get() >= 300, "logins failed: " + loginFailures);
      assertTrue(checkFailures.get() >= 300, "checks failed: " + checkFailures);
      // Ten minutes: the first line, then at most one a minute.
      assertTrue(loginLines.size() >= 1 && loginLines.size() <= 11, String.join("\n", loginLines));
      assertTrue(checkLines.size() >= 1 && checkLines.size() <= 11, String.join("\n", checkLines));
      assertTrue(loginLines.get(loginLines.size() - 1).contains("more like it not logged"), loginLines.toString());
    }
  }
}

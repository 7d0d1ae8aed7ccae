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
}

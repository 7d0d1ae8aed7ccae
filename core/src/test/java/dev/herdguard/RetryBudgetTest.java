package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

  private final FakeClock clock = new FakeClock();

  /** Takes retries until one is refused; the count granted. Bounded so a bug cannot loop forever. */
  private static int drain(RetryBudget.Host host) {
    int granted = 0;
    while (host.tryAcquireRetry()) {
      granted++;
      if (granted > 10_000_000) {
        throw new AssertionError("budget never ran out");
      }
    }
    return granted;
  }

  private static void firstAttempts(RetryBudget.Host host, int n) {
    for (int i = 0; i < n; i++) {
      host.recordFirstAttempt();
    }
  }

  @Nested
  class Accounting {

    @Test
    void grantsExactlyRatioTimesFirstAttemptsPlusTheFloor() {
      RetryBudget.Host host = RetryBudget.create(0.1, 1, clock).forHost("login.example");
      firstAttempts(host, 57);
      assertEquals(5 + 1, drain(host));
      assertFalse(host.tryAcquireRetry());
    }

    @Test
    void tenFirstAttemptsAtOneTenthEarnExactlyOneRetry() {
      // Ten doubles of 0.1 add up to 0.9999999999999999: a budget kept in doubles would refuse this.
      RetryBudget.Host host = RetryBudget.create(0.1, 0, clock).forHost("a");
      firstAttempts(host, 9);
      assertFalse(host.tryAcquireRetry());
      host.recordFirstAttempt();
      assertTrue(host.tryAcquireRetry());
      assertFalse(host.tryAcquireRetry());
    }

    @Test
    void startsWithNoEarnedRetries() {
      RetryBudget.Host host = RetryBudget.create(0.5, 0, clock).forHost("a");
      assertEquals(0.0, host.available());
      assertFalse(host.tryAcquireRetry());
    }

    @Test
    void earnedRetriesAreCappedAtWhatAHundredFirstAttemptsEarn() {
      RetryBudget.Host host = RetryBudget.create(0.1, 0, clock).forHost("a");
      firstAttempts(host, 100_000);
      assertEquals(10.0, host.available());
      assertEquals(10, drain(host));
    }

    @Test
    void capIsAtLeastOneRetrySoATinyRatioStillEarnsOne() {
      RetryBudget.Host host = RetryBudget.create(0.001, 0, clock).forHost("a");
      firstAttempts(host, 999);
      assertFalse(host.tryAcquireRetry());
      firstAttempts(host, 1);
      assertTrue(host.tryAcquireRetry());
      firstAttempts(host, 50_000);
      assertEquals(1, drain(host));
    }

    @Test
    void ratioAboveOneGrantsSeveralRetriesPerFirstAttempt() {
      RetryBudget.Host host = RetryBudget.create(2.5, 0, clock).forHost("a");
      firstAttempts(host, 3);
      assertEquals(7, drain(host));
      assertEquals(0.5, host.available());
    }

    @Test
    void ratioZeroLeavesOnlyTheFloor() {
      RetryBudget.Host host = RetryBudget.create(0, 1, clock).forHost("a");
      firstAttempts(host, 1_000);
      assertEquals(1, drain(host));
    }

    @Test
    void availableCountsEarnedFractionAndFloor() {
      RetryBudget.Host host = RetryBudget.create(0.1, 1, clock).forHost("a");
      firstAttempts(host, 15);
      assertEquals(2.5, host.available());
      assertTrue(host.tryAcquireRetry());
      assertEquals(1.5, host.available());
    }
  }

  @Nested
  class Floor {

    @Test
    void refillsAsTheClockAdvancesAndNeverBeyondOneSecondsWorth() {
      RetryBudget.Host host = RetryBudget.create(0, 2, clock).forHost("a");
      assertEquals(2, drain(host));
      clock.advance(Duration.ofMillis(499));
      assertFalse(host.tryAcquireRetry());
      clock.advance(Duration.ofMillis(1));
      assertEquals(1, drain(host));
      clock.advance(Duration.ofMinutes(10));
      assertEquals(2.0, host.available());
      assertEquals(2, drain(host));
    }

    @Test
    void fractionalRateGrantsOneRetryPerInterval() {
      RetryBudget.Host host = RetryBudget.create(0, 0.5, clock).forHost("a");
      assertEquals(1, drain(host));
      clock.advance(Duration.ofMillis(1_999));
      assertFalse(host.tryAcquireRetry());
      clock.advance(Duration.ofMillis(1));
      assertEquals(1, drain(host));
    }

    @Test
    void overAMinuteGrantsExactlyTheRate() {
      RetryBudget.Host host = RetryBudget.create(0, 3, clock).forHost("a");
      int granted = drain(host);
      for (int ms = 0; ms < 60_000; ms += 10) {
        clock.advance(Duration.ofMillis(10));
        granted += drain(host);
      }
      // The full floor at the start, then three per second.
      assertEquals(3 + 3 * 60, granted);
    }

    @Test
    void isTakenBeforeEarnedRetriesBecauseItsUnusedRetriesAreLost() {
      RetryBudget.Host host = RetryBudget.create(1.0, 1, clock).forHost("a");
      host.recordFirstAttempt();
      assertEquals(2.0, host.available());
      assertTrue(host.tryAcquireRetry());
      assertEquals(1.0, host.available()); // the earned retry kept
      clock.advance(Duration.ofSeconds(1));
      assertEquals(2.0, host.available());
    }

    @Test
    void clockSteppingBackGrantsNothingExtraAndPausesTheFloorAtMostOneInterval() {
      RetryBudget.Host host = RetryBudget.create(0, 1, clock).forHost("a");
      assertEquals(1, drain(host));
      clock.set(clock.instant().minus(Duration.ofHours(1)));
      assertEquals(0.0, host.available());
      assertFalse(host.tryAcquireRetry());
      clock.advance(Duration.ofMillis(999));
      assertFalse(host.tryAcquireRetry());
      clock.advance(Duration.ofMillis(1));
      assertEquals(1, drain(host));
    }

    @Test
    void clockSteppingBackAfterAQuietSpellAlsoRefillsFromTheNewTime() {
      RetryBudget.Host host = RetryBudget.create(0, 1, clock).forHost("a");
      assertEquals(1, drain(host));
      clock.advance(Duration.ofMinutes(5));
      clock.set(Instant.parse("2026-01-01T00:00:00Z"));
      assertFalse(host.tryAcquireRetry());
      clock.advance(Duration.ofSeconds(1));
      assertEquals(1, drain(host));
      clock.advance(Duration.ofSeconds(1));
      assertEquals(1, drain(host));
    }

    @Test
    void zeroTurnsTheFloorOff() {
      RetryBudget.Host host = RetryBudget.create(0.1, 0, clock).forHost("a");
      assertFalse(host.tryAcquireRetry());
      clock.advance(Duration.ofHours(1));
      assertFalse(host.tryAcquireRetry());
      assertEquals(0.0, host.available());
    }
  }

  @Nested
  class Hosts {

    @Test
    void hostsHaveSeparateBudgets() {
      RetryBudget budget = RetryBudget.create(0.5, 0, clock);
      firstAttempts(budget.forHost("a.example"), 4);
      assertFalse(budget.tryAcquireRetry("b.example"));
      assertEquals(2, drain(budget.forHost("a.example")));
    }

    @Test
    void floorIsPerHost() {
      RetryBudget budget = RetryBudget.create(0, 1, clock);
      assertTrue(budget.tryAcquireRetry("a"));
      assertFalse(budget.tryAcquireRetry("a"));
      assertTrue(budget.tryAcquireRetry("b"));
    }

    @Test
    void sameHostGivesTheSameObjectIgnoringCase() {
      RetryBudget budget = RetryBudget.ofDefaults(clock);
      RetryBudget.Host host = budget.forHost("Login.Example.COM");
      assertSame(host, budget.forHost("login.example.com"));
      assertEquals("login.example.com", host.name());
      assertNotSame(host, RetryBudget.ofDefaults(clock).forHost("login.example.com"));
    }

    @Test
    void conveniencesActOnTheHost() {
      RetryBudget budget = RetryBudget.create(1.0, 0, clock);
      budget.recordFirstAttempt("a");
      assertEquals(1.0, budget.forHost("a").available());
      assertTrue(budget.tryAcquireRetry("A"));
      assertFalse(budget.tryAcquireRetry("a"));
    }

    @Test
    void rejectsNullOrEmptyHost() {
      RetryBudget budget = RetryBudget.ofDefaults(clock);
      assertEquals("host", assertThrows(NullPointerException.class, () -> budget.forHost(null)).getMessage());
      assertEquals(
          "retry budget host () must not be empty",
          assertThrows(IllegalArgumentException.class, () -> budget.forHost("")).getMessage());
    }
  }

  @Nested
  class Settings {

    @Test
    void defaultsMatchTheConfigurationContract() {
      RetryBudget budget = RetryBudget.ofDefaults(clock);
      assertEquals(0.1, budget.ratio());
      assertEquals(0.05, budget.minPerSecond());
      assertEquals("RetryBudget[ratio=0.1, minPerSecond=0.05, hosts=0]", budget.toString());
    }

    @Test
    void rejectsRatioOutsideItsRange() {
      assertEquals("retry budget ratio (-0.1) must be in [0, 1000]", invalid(-0.1, 1));
      assertEquals("retry budget ratio (1000.5) must be in [0, 1000]", invalid(1000.5, 1));
      assertEquals("retry budget ratio (NaN) must be in [0, 1000]", invalid(Double.NaN, 1));
      assertEquals("retry budget ratio (Infinity) must be in [0, 1000]", invalid(Double.POSITIVE_INFINITY, 1));
      assertEquals(
          "retry budget ratio (1.0E-7) must be 0 or >= 0.000001: budgets count in millionths of a retry",
          invalid(1e-7, 1));
    }

    @Test
    void rejectsMinPerSecondOutsideItsRange() {
      assertEquals("retry budget min-per-second (-1.0) must be in [0, 1000000]", invalid(0.1, -1));
      assertEquals("retry budget min-per-second (NaN) must be in [0, 1000000]", invalid(0.1, Double.NaN));
      assertEquals(
          "retry budget min-per-second (Infinity) must be in [0, 1000000]", invalid(0.1, Double.POSITIVE_INFINITY));
      assertEquals("retry budget min-per-second (1.0E7) must be in [0, 1000000]", invalid(0.1, 1e7));
    }

    @Test
    void acceptsTheEdgesOfEachRange() {
      RetryBudget widest = RetryBudget.create(1000, 1_000_000, clock);
      RetryBudget.Host host = widest.forHost("a");
      host.recordFirstAttempt();
      assertEquals(1_000 + 1_000_000, drain(host));
      assertEquals(0.000001, RetryBudget.create(0.000001, 0, clock).ratio());
    }

    @Test
    void rejectsNullClock() {
      assertEquals("clock", assertThrows(NullPointerException.class, () -> RetryBudget.create(0.1, 1, null)).getMessage());
    }

    private String invalid(double ratio, double minPerSecond) {
      return assertThrows(IllegalArgumentException.class, () -> RetryBudget.create(ratio, minPerSecond, clock))
          .getMessage();
    }
  }

  @Nested
  class Concurrency {

    private static final int THREADS = 8;

    /** Runs {@code task} on {@link #THREADS} threads released together; the sum of their results. */
    private int together(Callable<Integer> task) throws Exception {
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      try {
        var ready = new CountDownLatch(THREADS);
        var go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          results.add(pool.submit(() -> {
            ready.countDown();
            go.await();
            return task.call();
          }));
        }
        assertTrue(ready.await(30, TimeUnit.SECONDS), "threads did not start");
        go.countDown();
        int sum = 0;
        for (Future<Integer> f : results) {
          sum += f.get(60, TimeUnit.SECONDS);
        }
        return sum;
      } finally {
        pool.shutdownNow();
      }
    }

    @Test
    void racingFirstAttemptsAndRetriesGrantExactlyTheBudget() throws Exception {
      RetryBudget.Host host = RetryBudget.create(0.1, 1, clock).forHost("a");
      int rounds = 50_000;
      // Each thread earns one whole retry (ten first attempts at 0.1) before each retry it asks
      // for, so none may be refused; at most 8 earned retries wait at once, below the cap of 10.
      int granted = together(() -> {
        int mine = 0;
        for (int r = 0; r < rounds; r++) {
          firstAttempts(host, 10);
          if (host.tryAcquireRetry()) {
            mine++;
          }
        }
        return mine;
      });
      assertEquals(THREADS * rounds, granted);
      // The frozen clock's one floor retry was spent first, so exactly one earned retry is left:
      // a lost deposit would leave none, a retry spent twice would leave two.
      assertEquals(1.0, host.available());
      assertEquals(1, drain(host));
    }

    @Test
    void racingRetriesNeverTakeMoreThanWasEarned() throws Exception {
      RetryBudget.Host host = RetryBudget.create(0.1, 1, clock).forHost("a");
      together(() -> {
        firstAttempts(host, 12);
        return 0;
      });
      // 96 first attempts at 0.1: 9.6 retries earned, plus one from the floor.
      int granted = together(() -> {
        int mine = 0;
        for (int i = 0; i < 1_000; i++) {
          if (host.tryAcquireRetry()) {
            mine++;
          }
        }
        return mine;
      });
      assertEquals(9 + 1, granted);
      assertEquals(0.6, host.available(), 1e-12);
    }

    @Test
    void racingFirstAttemptsStopAtTheCap() throws Exception {
      RetryBudget.Host host = RetryBudget.create(0.1, 0, clock).forHost("a");
      together(() -> {
        firstAttempts(host, 10_000);
        return 0;
      });
      assertEquals(10.0, host.available());
      int granted = together(() -> drain(host));
      assertEquals(10, granted);
    }

    @Test
    void racingRetriesShareOneFloor() throws Exception {
      RetryBudget budget = RetryBudget.create(0, 3, clock);
      int granted = together(() -> {
        int mine = 0;
        for (int i = 0; i < 1_000; i++) {
          if (budget.tryAcquireRetry("a")) {
            mine++;
          }
        }
        return mine;
      });
      assertEquals(3, granted);
    }
  }
}

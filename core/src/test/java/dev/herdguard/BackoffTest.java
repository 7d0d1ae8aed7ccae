package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.testing.FakeClock;
import dev.herdguard.testing.FakeScheduler;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private static final Duration BASE = Duration.ofMillis(100);
  private static final Duration CAP = Duration.ofSeconds(10);
  private static final long MS = 1_000_000L;

  @Test
  void decorrelatedJitterDrawsBetweenBaseAndThreeTimesThePreviousDelay() {
    Backoff b = Backoff.decorrelatedJitter(BASE, CAP);
    // First retry: [base, 3 * base).
    assertEquals(100 * MS, b.delayNanos(1, 0, 0.0));
    assertEquals(200 * MS, b.delayNanos(1, 0, 0.5));
    // Later retries grow from the previous delay: [100ms, 600ms) for previous 200ms.
    assertEquals(350 * MS, b.delayNanos(2, 200 * MS, 0.5));
    // A previous delay below base counts as base.
    assertEquals(200 * MS, b.delayNanos(2, 1, 0.5));
  }

  @Test
  void decorrelatedJitterCapsTheRangeNotTheDraw() {
    Backoff b = Backoff.decorrelatedJitter(BASE, CAP);
    // previous 5s: 3 * 5s = 15s is past the cap, so the range is [100ms, 10s).
    assertEquals(100 * MS + (long) (0.5 * 9_900 * MS), b.delayNanos(7, 5_000 * MS, 0.5));
    assertEquals(100 * MS, b.delayNanos(7, 5_000 * MS, 0.0));
    assertTrue(b.delayNanos(7, 10_000 * MS, Math.nextDown(1.0)) < 10_000 * MS);
  }

  @Test
  void fullJitterDrawsBelowTheExponentialCeiling() {
    Backoff b = Backoff.fullJitter(BASE, CAP);
    assertEquals(50 * MS, b.delayNanos(1, 0, 0.5));
    assertEquals(100 * MS, b.delayNanos(3, 0, 0.25)); // ceiling 400ms
    assertEquals(5_000 * MS, b.delayNanos(30, 0, 0.5)); // ceiling capped at 10s
  }

  @Test
  void exponentialDoublesUpToTheCapWithoutOverflow() {
    Backoff b = Backoff.exponential(BASE, CAP);
    long[] expected = {100, 200, 400, 800, 1_600, 3_200, 6_400, 10_000, 10_000};
    for (int n = 1; n <= expected.length; n++) {
      assertEquals(expected[n - 1] * MS, b.delayNanos(n, 0, 0.7), "attempt " + n);
    }
    assertEquals(10_000 * MS, b.delayNanos(64, 0, 0.0));
    assertEquals(10_000 * MS, b.delayNanos(Integer.MAX_VALUE, 0, 0.0));
    Backoff huge = Backoff.exponential(Duration.ofDays(1), Duration.ofDays(365_000_000));
    assertEquals(Long.MAX_VALUE, huge.delayNanos(200, 0, 0.0));
  }

  @Test
  void sequenceCarriesThePreviousDelayAndIsRepeatableWithASeed() {
    Backoff b = Backoff.decorrelatedJitter(BASE, CAP);
    BackoffSequence s1 = b.sequence(new SplittableRandom(7));
    BackoffSequence s2 = b.sequence(new SplittableRandom(7));
    SplittableRandom draws = new SplittableRandom(7);
    long previous = 0;
    for (int n = 1; n <= 20; n++) {
      long expected = b.delayNanos(n, previous, draws.nextDouble());
      assertEquals(expected, s1.nextDelayNanos(), "retry " + n);
      assertEquals(expected, s2.nextDelay().toNanos(), "retry " + n);
      previous = expected;
    }
    assertEquals(20, s1.retries());
    s1.reset();
    assertEquals(0, s1.retries());
  }

  /**
   * The rule: 100,000 seeded sequences, base 100ms, cap 10s. At every retry from 1 to 20
   * no more than 1% of the delays equal the cap, and from retry 8 on p90/p10 >= 3.
   */
  @Test
  void decorrelatedJitterStaysSpreadAtTheCap() {
    long[][] delays = delays(Backoff.decorrelatedJitter(BASE, CAP), 100_000, 20, 2013);
    long cap = CAP.toNanos();
    for (int n = 1; n <= 20; n++) {
      long[] at = delays[n - 1];
      long onCap = Arrays.stream(at).filter(d -> d >= cap).count();
      assertTrue(onCap <= at.length / 100, "retry " + n + ": " + onCap + " delays on the cap");
      if (n >= 8) {
        Arrays.sort(at);
        double ratio = (double) at[at.length * 90 / 100] / at[at.length * 10 / 100];
        assertTrue(ratio >= 3, "retry " + n + ": p90/p10 = " + ratio);
      }
    }
  }

  /**
   * Regression for the pitfall herdguard avoids: AWS's {@code min(cap, U(base, 3 * prev))} caps the
   * draw. A third of all sequences sit on the cap by retry 20, and once a sequence is there about
   * two thirds of its next draws land on the cap again: those clients retry in lock-step.
   */
  @Test
  void cappingTheDrawInsteadOfTheRangePilesOntoTheCap() {
    SplittableRandom random = new SplittableRandom(2013);
    long base = BASE.toNanos();
    long cap = CAP.toNanos();
    int sequences = 100_000;
    int onCapAt20 = 0;
    int onCapAt19 = 0;
    int stayedOnCap = 0;
    for (int i = 0; i < sequences; i++) {
      long previous = base;
      boolean capAt19 = false;
      for (int n = 1; n <= 20; n++) {
        previous = Math.min(cap, base + (long) (random.nextDouble() * (previous * 3 - base)));
        if (n == 19) {
          capAt19 = previous == cap;
        }
      }
      if (capAt19) {
        onCapAt19++;
        if (previous == cap) {
          stayedOnCap++;
        }
      }
      if (previous == cap) {
        onCapAt20++;
      }
    }
    assertTrue(onCapAt20 > sequences / 5, "capped draws at retry 20: " + onCapAt20);
    assertEquals(2.0 / 3, (double) stayedOnCap / onCapAt19, 0.02);
  }

  @Test
  void fullJitterMeanIsHalfTheCeiling() {
    long[][] delays = delays(Backoff.fullJitter(BASE, CAP), 100_000, 8, 42);
    for (int n = 1; n <= 8; n++) {
      double ceiling = Math.min(CAP.toNanos(), BASE.toNanos() * (1L << (n - 1)));
      double mean = Arrays.stream(delays[n - 1]).average().orElseThrow();
      assertEquals(ceiling / 2, mean, ceiling * 0.01, "retry " + n);
    }
  }

  @Test
  void rejectsBadInputNamingTheValueAndTheRule() {
    assertEquals("backoff base (0) must be > 0",
        assertThrows(IllegalArgumentException.class, () -> Backoff.decorrelatedJitter(Duration.ZERO, CAP)).getMessage());
    assertEquals("backoff base (-1s) must be > 0",
        assertThrows(IllegalArgumentException.class, () -> Backoff.fullJitter(Duration.ofSeconds(-1), CAP)).getMessage());
    assertEquals("backoff max (50ms) must be >= backoff base (100ms)",
        assertThrows(IllegalArgumentException.class, () -> Backoff.exponential(BASE, Duration.ofMillis(50))).getMessage());
    Backoff b = Backoff.decorrelatedJitter(BASE, CAP);
    assertEquals("attempt (0) must be >= 1",
        assertThrows(IllegalArgumentException.class, () -> b.delayNanos(0, 0, 0.5)).getMessage());
    assertEquals("u (1.0) must be in [0, 1)",
        assertThrows(IllegalArgumentException.class, () -> b.delayNanos(1, 0, 1.0)).getMessage());
    assertEquals("u (NaN) must be in [0, 1)",
        assertThrows(IllegalArgumentException.class, () -> b.delayNanos(1, 0, Double.NaN)).getMessage());
    assertEquals("backoff strategy (linear) must be one of decorrelated-jitter, full-jitter, exponential",
        assertThrows(IllegalArgumentException.class, () -> Backoff.Strategy.fromKey("linear")).getMessage());
    assertThrows(NullPointerException.class, () -> b.sequence(null));
  }

  @Test
  void strategiesRoundTripThroughTheirConfigurationNames() {
    for (Backoff.Strategy s : Backoff.Strategy.values()) {
      assertEquals(s, Backoff.Strategy.fromKey(s.key()));
      assertEquals(Backoff.of(s, BASE, CAP), Backoff.of(s, BASE, CAP));
    }
  }

  /** The adapter inside a real Resilience4j Retry, on virtual time: no test thread sleeps. */
  @Test
  void worksAsTheIntervalBiFunctionOfAResilience4jRetry() {
    FakeScheduler scheduler = new FakeScheduler(new FakeClock());
    Backoff backoff = Backoff.decorrelatedJitter(BASE, CAP);
    Retry retry = Retry.of("login", RetryConfig.<String>custom()
        .maxAttempts(5)
        .intervalBiFunction(backoff.<String>toIntervalBiFunction(new SplittableRandom(3)))
        .retryExceptions(IOException.class)
        .build());
    List<Duration> waits = new ArrayList<>();
    retry.getEventPublisher().onRetry(e -> waits.add(e.getWaitInterval()));

    AtomicInteger calls = new AtomicInteger();
    CompletionStage<String> result = retry.executeCompletionStage(scheduler, () -> {
      CompletableFuture<String> f = new CompletableFuture<>();
      if (calls.incrementAndGet() < 4) {
        f.completeExceptionally(new IOException("connection reset"));
      } else {
        f.complete("token");
      }
      return f;
    });
    scheduler.advance(Duration.ofMinutes(5));

    assertEquals("token", result.toCompletableFuture().getNow(null));
    assertEquals(4, calls.get());
    assertEquals(3, waits.size());
    // Each wait is in the range decorrelated jitter allows for its retry.
    long previousCeiling = 3 * BASE.toMillis();
    for (Duration wait : waits) {
      assertTrue(wait.toMillis() >= BASE.toMillis() && wait.toMillis() < Math.min(CAP.toMillis(), previousCeiling * 3),
          "wait " + wait);
    }
    assertTrue(waits.get(0).toMillis() < 3 * BASE.toMillis(), "first wait " + waits.get(0));
  }

  @Test
  void adapterReplaysTheChainSoEachRetryHasTheSequencesDistribution() {
    Backoff backoff = Backoff.decorrelatedJitter(BASE, CAP);
    var function = backoff.<Object>toIntervalBiFunction(new SplittableRandom(11));
    long[][] expected = delays(backoff, 20_000, 10, 99);
    for (int n : new int[] {1, 5, 10}) {
      double adapterMean = 0;
      for (int i = 0; i < 20_000; i++) {
        adapterMean += function.apply(n, null);
      }
      adapterMean /= 20_000;
      double sequenceMean = Arrays.stream(expected[n - 1]).average().orElseThrow() / MS;
      assertEquals(sequenceMean, adapterMean, sequenceMean * 0.05, "retry " + n);
    }
  }

  private static long[][] delays(Backoff backoff, int sequences, int retries, long seed) {
    long[][] delays = new long[retries][sequences];
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < sequences; i++) {
      BackoffSequence s = backoff.sequence(random);
      for (int n = 0; n < retries; n++) {
        delays[n][i] = s.nextDelayNanos();
      }
    }
    return delays;
  }
}

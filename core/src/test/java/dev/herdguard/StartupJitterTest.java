package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.testing.FakeClock;
import dev.herdguard.testing.FakeScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@SuppressWarnings("deprecation") // the waiting methods are deprecated, and still tested
class StartupJitterTest {

  private static final Duration MINUTE = Duration.ofSeconds(60);
  private static final Cohort COHORT = Cohort.of(UUID.fromString("123e4567-e89b-42d3-a456-426614174000"));

  /** A generator that fails the test when drawn from. */
  private static final RandomGenerator NO_DRAWS = () -> {
    throw new AssertionError("no draw expected");
  };

  /** A generator whose every double is {@code u}. */
  private static RandomGenerator fixed(double u) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        throw new AssertionError("only nextDouble expected");
      }

      @Override
      public double nextDouble() {
        return u;
      }
    };
  }

  // --- the decision

  @Test
  void delayIsMaxTimesTheDraw() {
    StartupJitter jitter = StartupJitter.random(MINUTE);
    assertEquals(Duration.ofSeconds(30), jitter.delay(0.5));
    assertEquals(Duration.ZERO, jitter.delay(0.0));
    assertEquals(MINUTE, jitter.delay(1.0));
    assertEquals(Duration.ofMillis(15_000), jitter.delay(0.25));
  }

  @Test
  void randomModeTakesExactlyOneDraw() {
    StartupJitter jitter = StartupJitter.random(MINUTE);
    SplittableRandom random = new SplittableRandom(42);
    SplittableRandom twin = new SplittableRandom(42);
    for (int i = 0; i < 100; i++) {
      assertEquals(jitter.delay(twin.nextDouble()), jitter.delay(random));
    }
  }

  @Test
  void randomModeIsUniformOverTheWindow() {
    StartupJitter jitter = StartupJitter.random(MINUTE);
    SplittableRandom random = new SplittableRandom(20261110L);
    double[] fractions = new double[100_000];
    for (int i = 0; i < fractions.length; i++) {
      fractions[i] = (double) jitter.delay(random).toNanos() / MINUTE.toNanos();
    }
    Uniformity.assertUniform("random delay / max", fractions);
  }

  @Test
  void stableModeIsTheSameEveryTimeAndTakesNoDraw() {
    StartupJitter jitter = StartupJitter.stable(MINUTE, COHORT);
    Duration offset = jitter.delay(NO_DRAWS);

    assertEquals(Duration.ofNanos((long) (COHORT.stableFraction() * MINUTE.toNanos())), offset);
    assertEquals(offset, StartupJitter.stable(MINUTE, Cohort.of(COHORT.installationId())).delay(NO_DRAWS));
    assertEquals(offset, jitter.delay(0.0), "u is not used in stable mode");
    assertEquals(offset, jitter.delay(1.0), "u is not used in stable mode");
  }

  @Test
  void stableOffsetsAreUniformOverInstallations() {
    Duration max = Duration.ofSeconds(1000);
    UUID[] ids = Uniformity.randomUuids(1234567L, 100_000);
    double[] fractions = new double[ids.length];
    for (int i = 0; i < ids.length; i++) {
      fractions[i] = (double) StartupJitter.stable(max, Cohort.of(ids[i])).delay(NO_DRAWS).toNanos() / max.toNanos();
    }
    Uniformity.assertUniform("stable offset / max", fractions);
  }

  @Test
  void zeroMaxIsOff() {
    for (StartupJitter jitter : List.of(
        StartupJitter.off(), StartupJitter.random(Duration.ZERO), StartupJitter.stable(Duration.ZERO, COHORT))) {
      assertTrue(jitter.isOff(), jitter.toString());
      assertEquals(Duration.ZERO, jitter.delay(NO_DRAWS), jitter.toString());
      assertEquals(Duration.ZERO, jitter.delay(0.999), jitter.toString());
      assertEquals(Duration.ZERO, jitter.delay(1.0), jitter.toString());
    }
    assertFalse(StartupJitter.random(Duration.ofNanos(1)).isOff());
  }

  @Test
  void hugeMaxSaturatesInsteadOfOverflowing() {
    StartupJitter jitter = StartupJitter.random(Duration.ofSeconds(Long.MAX_VALUE));
    assertEquals(Duration.ofNanos(Long.MAX_VALUE), jitter.delay(1.0));
    assertTrue(jitter.delay(0.5).compareTo(Duration.ZERO) > 0);
  }

  @Test
  void negativeMaxIsRejected() {
    IllegalArgumentException random =
        assertThrows(IllegalArgumentException.class, () -> StartupJitter.random(Duration.ofSeconds(-1)));
    assertEquals("startup max-delay (-1s) must be >= 0", random.getMessage());
    IllegalArgumentException stable =
        assertThrows(IllegalArgumentException.class, () -> StartupJitter.stable(Duration.ofMillis(-5), COHORT));
    assertEquals("startup max-delay (-5ms) must be >= 0", stable.getMessage());
  }

  @Test
  void nullsAreRejected() {
    assertThrows(NullPointerException.class, () -> StartupJitter.random(null));
    assertThrows(NullPointerException.class, () -> StartupJitter.stable(MINUTE, null));
    assertThrows(NullPointerException.class, () -> StartupJitter.stable(null, COHORT));
    assertThrows(NullPointerException.class, () -> StartupJitter.random(MINUTE).delay((RandomGenerator) null));
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.000001, 1.000001, Double.NaN, Double.POSITIVE_INFINITY})
  void drawOutsideZeroToOneIsRejected(double u) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StartupJitter.random(MINUTE).delay(u));
    assertEquals("startup jitter draw u (" + u + ") must be in [0, 1]", e.getMessage());
  }

  // --- blocking wait

  @Test
  void awaitSleepsTheDrawnDelay() throws InterruptedException {
    List<Long> slept = new ArrayList<>();
    StartupJitter jitter = StartupJitter.random(MINUTE).withSleeper(slept::add);
    Duration expected = StartupJitter.random(MINUTE).delay(new SplittableRandom(3));

    Duration waited = jitter.await(new SplittableRandom(3));

    assertEquals(expected, waited);
    assertEquals(List.of(expected.toNanos()), slept);
  }

  @Test
  void awaitSleepsTheStableOffset() throws InterruptedException {
    List<Long> slept = new ArrayList<>();
    StartupJitter jitter = StartupJitter.stable(MINUTE, COHORT).withSleeper(slept::add);

    Duration waited = jitter.await();

    assertEquals(jitter.delay(NO_DRAWS), waited);
    assertEquals(List.of(waited.toNanos()), slept);
  }

  @Test
  void awaitDoesNotSleepWhenOff() throws InterruptedException {
    StartupJitter jitter = StartupJitter.off().withSleeper(nanos -> {
      throw new AssertionError("slept " + nanos + " ns");
    });
    assertEquals(Duration.ZERO, jitter.await());
  }

  @Test
  void awaitThrowsAtOnceWhenAlreadyInterrupted() {
    AtomicInteger sleeps = new AtomicInteger();
    for (StartupJitter jitter : List.of(StartupJitter.random(MINUTE), StartupJitter.off())) {
      StartupJitter recorded = jitter.withSleeper(nanos -> sleeps.incrementAndGet());
      Thread.currentThread().interrupt();

      assertThrows(InterruptedException.class, recorded::await, jitter.toString());
      assertFalse(Thread.interrupted(), "the interrupt status is cleared when InterruptedException is thrown");
    }
    assertEquals(0, sleeps.get());
  }

  @Test
  void realSleepThrowsAtOnceWhenAlreadyInterrupted() {
    // An hour's wait on the real sleeper: only an honoured interrupt ends this test in time.
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      Thread.currentThread().interrupt();
      assertThrows(InterruptedException.class, () -> StartupJitter.random(Duration.ofHours(1)).await(fixed(0.99)));
    });
  }

  @Test
  void realSleepEndsWhenInterruptedWhileWaiting() throws InterruptedException {
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    Thread waiter = new Thread(() -> {
      try {
        StartupJitter.random(Duration.ofHours(1)).await(fixed(0.99));
        outcome.set(new AssertionError("await returned"));
      } catch (Throwable t) {
        outcome.set(t);
      }
    }, "startup-jitter-waiter");
    waiter.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (waiter.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(Thread.State.TIMED_WAITING, waiter.getState(), "the waiter sleeps");

    waiter.interrupt();
    waiter.join(Duration.ofSeconds(30).toMillis());

    assertFalse(waiter.isAlive(), "the interrupt ended the wait");
    assertTrue(outcome.get() instanceof InterruptedException, String.valueOf(outcome.get()));
  }

  // --- waiting on a scheduler

  @Test
  void scheduleRunsTheFirstContactExactlyAtTheDelay() {
    FakeScheduler scheduler = new FakeScheduler(new FakeClock());
    long start = scheduler.clock().nanos();
    StartupJitter jitter = StartupJitter.stable(MINUTE, COHORT);
    Duration delay = jitter.delay(NO_DRAWS);
    AtomicLong ranAt = new AtomicLong(-1);

    ScheduledFuture<?> task = jitter.schedule(scheduler, NO_DRAWS, () -> ranAt.set(scheduler.clock().nanos()));

    assertEquals(delay, scheduler.nextDelay());
    scheduler.advance(delay.minusNanos(1));
    assertEquals(-1, ranAt.get(), "nothing runs before the delay");
    scheduler.advance(Duration.ofNanos(1));
    assertEquals(start + delay.toNanos(), ranAt.get());
    assertTrue(task.isDone());
    scheduler.advance(MINUTE);
    assertEquals(0, scheduler.pending(), "runs once");
  }

  @Test
  void scheduleDrawsOnceFromTheGivenGenerator() {
    FakeScheduler scheduler = new FakeScheduler(new FakeClock());
    StartupJitter jitter = StartupJitter.random(MINUTE);
    Duration expected = jitter.delay(new SplittableRandom(9));
    AtomicInteger runs = new AtomicInteger();

    jitter.schedule(scheduler, new SplittableRandom(9), runs::incrementAndGet);

    assertEquals(expected, scheduler.nextDelay());
    scheduler.advance(expected);
    assertEquals(1, runs.get());
  }

  @Test
  void cancelledScheduleNeverRuns() {
    FakeScheduler scheduler = new FakeScheduler(new FakeClock());
    AtomicInteger runs = new AtomicInteger();
    ScheduledFuture<?> task = StartupJitter.stable(MINUTE, COHORT).schedule(scheduler, runs::incrementAndGet);

    assertTrue(task.cancel(false));
    scheduler.advance(MINUTE.multipliedBy(2));

    assertEquals(0, runs.get());
    assertEquals(0, scheduler.pending());
  }

  @Test
  void offRunsAtOnce() {
    FakeScheduler scheduler = new FakeScheduler(new FakeClock());
    AtomicInteger runs = new AtomicInteger();
    StartupJitter.off().schedule(scheduler, NO_DRAWS, runs::incrementAndGet);
    CompletableFuture<Void> ready = StartupJitter.off().whenReady(scheduler, NO_DRAWS);

    scheduler.runDue();

    assertEquals(1, runs.get());
    assertTrue(ready.isDone());
  }

  @Test
  void whenReadyCompletesExactlyAtTheDelay() {
    FakeScheduler scheduler = new FakeScheduler(new FakeClock());
    long start = scheduler.clock().nanos();
    StartupJitter jitter = StartupJitter.stable(MINUTE, COHORT);
    Duration delay = jitter.delay(NO_DRAWS);
    AtomicLong ranAt = new AtomicLong(-1);

    CompletableFuture<Void> ready = jitter.whenReady(scheduler);
    ready.thenRun(() -> ranAt.set(scheduler.clock().nanos()));

    scheduler.advance(delay.minusNanos(1));
    assertFalse(ready.isDone());
    assertEquals(-1, ranAt.get());
    scheduler.advance(Duration.ofNanos(1));
    assertTrue(ready.isDone());
    assertNull(ready.join());
    assertEquals(start + delay.toNanos(), ranAt.get());
  }

  @Test
  void cancellingWhenReadyCancelsTheWait() {
    FakeScheduler scheduler = new FakeScheduler(new FakeClock());
    AtomicInteger runs = new AtomicInteger();
    CompletableFuture<Void> ready = StartupJitter.random(MINUTE).whenReady(scheduler, new SplittableRandom(1));
    ready.thenRun(runs::incrementAndGet);
    assertEquals(1, scheduler.pending());

    assertTrue(ready.cancel(false));

    assertEquals(0, scheduler.pending(), "the scheduled task is cancelled with the future");
    scheduler.advance(MINUTE.multipliedBy(2));
    assertEquals(0, runs.get());
  }

  @Test
  void shutDownSchedulerIsReported() {
    FakeScheduler scheduler = new FakeScheduler(new FakeClock());
    scheduler.shutdown();
    assertThrows(RejectedExecutionException.class,
        () -> StartupJitter.random(MINUTE).whenReady(scheduler));
    assertThrows(RejectedExecutionException.class,
        () -> StartupJitter.random(MINUTE).schedule(scheduler, () -> {}));
  }

  // --- description

  @Test
  void describesItself() {
    assertEquals("StartupJitter[off]", StartupJitter.off().toString());
    assertEquals("StartupJitter[random, max=1m]", StartupJitter.random(MINUTE).toString());
    StartupJitter stable = StartupJitter.stable(MINUTE, COHORT);
    assertEquals("StartupJitter[stable, max=1m, delay=" + dev.herdguard.internal.Durations.human(stable.delay(NO_DRAWS))
        + ", installationId=123e4567-e89b-42d3-a456-426614174000]", stable.toString());
    assertSame(StartupJitter.Mode.STABLE, stable.mode());
    assertSame(StartupJitter.Mode.RANDOM, StartupJitter.off().mode());
    assertEquals(MINUTE, stable.max());
  }

  @Test
  void valueSemantics() {
    assertEquals(StartupJitter.random(MINUTE), StartupJitter.random(Duration.ofMillis(60_000)));
    assertEquals(StartupJitter.random(MINUTE).hashCode(), StartupJitter.random(Duration.ofMillis(60_000)).hashCode());
    assertEquals(StartupJitter.off(), StartupJitter.random(Duration.ZERO));
    assertEquals(StartupJitter.stable(MINUTE, COHORT), StartupJitter.stable(MINUTE, Cohort.of(COHORT.installationId())));
    assertNotEquals(StartupJitter.random(MINUTE), StartupJitter.stable(MINUTE, COHORT));
    assertNotEquals(StartupJitter.stable(MINUTE, COHORT), StartupJitter.stable(MINUTE, Cohort.of(new UUID(1, 2))));
    assertEquals(StartupJitter.random(MINUTE), StartupJitter.random(MINUTE).withSleeper(nanos -> {}),
        "the sleeper is plumbing, not part of the value");
  }

  @Test
  void modeKeysMatchTheConfiguration() {
    assertEquals("random", StartupJitter.Mode.RANDOM.key());
    assertEquals("stable", StartupJitter.Mode.STABLE.key());
    assertSame(StartupJitter.Mode.STABLE, StartupJitter.Mode.fromKey("stable"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StartupJitter.Mode.fromKey("fixed"));
    assertEquals("startup mode (fixed) must be one of random, stable", e.getMessage());
  }
}

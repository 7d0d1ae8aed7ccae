package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.testing.FakeClock;
import dev.herdguard.testing.FakeScheduler;
import dev.herdguard.testing.FixedRandom;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 2: every wait herdguard measures runs on the monotonic ticker, so a wall clock
 * stepped back (NTP, a resumed VM, a laptop) locks nobody out. Each test moves the two clocks
 * apart: the wall clock jumps back an hour, the ticker goes on.
 */
class MonotonicWaitsTest {

  private final FakeClock wall = new FakeClock();
  private final AtomicLong ticker = new AtomicLong(5_000_000_000L);
  private final FakeScheduler scheduler = new FakeScheduler(wall);

  private void tick(Duration d) {
    ticker.addAndGet(d.toNanos());
  }

  private void stepWallClockBackAnHour() {
    wall.set(wall.instant().minus(Duration.ofHours(1)));
  }

  private HerdGuard guard(HerdGuardConfig.Builder config) {
    return HerdGuard.builder(config.withStartupMaxDelay(Duration.ZERO).build())
        .withClock(wall)
        .withTicker(ticker::get)
        .withRandom(new FixedRandom(0.5))
        .withScheduler(scheduler)
        .build();
  }

  @Test
  void wallClockSteppedBackDoesNotLockTheTokenCacheOutOfLoggingIn() {
    AtomicInteger logins = new AtomicInteger();
    TokenCache cache = TokenCache.builder(previous -> {
      if (logins.incrementAndGet() == 1) {
        throw new IOException("login server down");
      }
      return Token.of("secret-token", wall.instant().plus(Duration.ofHours(1)));
    }).withClock(wall).withTicker(ticker::get).withExecutor(scheduler).withRandom(new FixedRandom(0.5))
        .withBackoff(Backoff.decorrelatedJitter(Duration.ofMillis(200), Duration.ofMillis(400))).build();
    try {
      CompletableFuture<Token> first = cache.getAsync();
      scheduler.runDue();
      assertInstanceOf(LoginFailedException.class, assertThrows(CompletionException.class, first::join).getCause());
      stepWallClockBackAnHour();
      // Before: the failure's wait was an instant on the wall clock, 59m59.6s away now.
      tick(Duration.ofMillis(400));
      CompletableFuture<Token> second = cache.getAsync();
      scheduler.runDue();
      assertEquals("secret-token", second.join().value());
      assertEquals(2, logins.get());
    } finally {
      cache.close();
    }
  }

  @Test
  void wallClockSteppedBackDoesNotKeepTheBreakerOpen() throws Exception {
    HerdGuard guard = guard(HerdGuardConfig.builder().withRetryMaxAttempts(1).withBreakerWindow(2)
        .withBreakerMinimumCalls(2).withBreakerOpenWait(Duration.ofMillis(300)).withBreakerOpenWaitSpread(0)
        .withHostEnabled(false));
    GuardedOperation op = guard.operation("login");
    for (int n = 0; n < 2; n++) {
      assertThrows(HerdGuardException.class, () -> op.call(() -> {
        throw new IOException("reset");
      }));
    }
    assertEquals(CircuitBreaker.State.OPEN, op.circuitBreaker().getState());
    stepWallClockBackAnHour();
    tick(Duration.ofMillis(301));
    assertEquals("ok", op.call(() -> "ok"), "half-open after 300ms of real time, whatever the wall clock says");
  }

  @Test
  void wallClockSteppedBackDoesNotStopTheRetryBudgetRefilling() {
    RetryBudget budget = RetryBudget.create(0, 1, new dev.herdguard.internal.MonotonicClock(wall, ticker::get));
    RetryBudget.Host host = budget.forHost("auth.example.com");
    tick(Duration.ofSeconds(10));
    int before = 0;
    while (host.tryAcquireRetry()) {
      before++;
    }
    assertTrue(before >= 1, "the floor had refilled");
    stepWallClockBackAnHour();
    tick(Duration.ofSeconds(1));
    assertTrue(host.tryAcquireRetry(), "a second of real time refills one retry");
  }

  @Test
  void wallClockSteppedBackDoesNotLengthenTheStartupDelayOrTheCallsDuration() throws Exception {
    HerdGuard guard = HerdGuard.builder(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ofSeconds(10)).build())
        .withClock(wall).withTicker(ticker::get).withRandom(new FixedRandom(0.5)).withScheduler(scheduler).build();
    assertEquals(Duration.ofSeconds(5), guard.startupDelay());
    stepWallClockBackAnHour();
    tick(Duration.ofSeconds(5));
    assertTrue(guard.startupAsync().isDone(), "5s of real time have passed");

    // retry.max-duration counts real time: a wall clock jump forward does not end the call early.
    HerdGuard retrying = guard(HerdGuardConfig.builder().withRetryMaxDuration(Duration.ofSeconds(30))
        .withRetryBudgetMinPerSecond(10).withHostEnabled(false));
    AtomicInteger attempts = new AtomicInteger();
    CompletableFuture<String> f = retrying.operation("login").callAsync(() -> {
      if (attempts.incrementAndGet() == 1) {
        wall.set(wall.instant().plus(Duration.ofHours(2)));
        return CompletableFuture.failedFuture(new IOException("reset"));
      }
      return CompletableFuture.completedFuture("ok");
    });
    tick(Duration.ofSeconds(2));
    scheduler.advance(Duration.ofSeconds(2));
    assertEquals("ok", f.join());
  }
}

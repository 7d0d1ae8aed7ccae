package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.testing.FakeClock;
import dev.herdguard.testing.FakeScheduler;
import dev.herdguard.testing.FixedRandom;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GuardedOperationTest {

  private final FakeClock clock = new FakeClock();
  private final FakeScheduler scheduler = new FakeScheduler(clock);
  /** Sleeps recorded instead of slept; the clock moves as if the thread had slept. */
  private final List<Duration> sleeps = new ArrayList<>();
  private final List<String> events = new ArrayList<>();

  private final HerdGuardListener recorder = new HerdGuardListener() {
    @Override
    public void onRetry(String operation, int attempt, Duration delay, Throwable cause) {
      events.add("retry " + operation + " #" + attempt + " in " + delay.toMillis() + "ms");
    }

    @Override
    public void onBreakerStateChange(String breaker, CircuitBreaker.State from, CircuitBreaker.State to) {
      events.add("breaker " + breaker + " " + from + "->" + to);
    }

    @Override
    public void onBreakerRejected(String breaker) {
      events.add("rejected " + breaker);
    }

    @Override
    public void onBudgetExhausted(String host) {
      events.add("budget " + host);
    }
  };

  private HerdGuard guard(HerdGuardConfig.Builder config) {
    return HerdGuard.builder(config.withStartupMaxDelay(Duration.ZERO).build())
        .withClock(clock)
        .withRandom(new FixedRandom(0.5))
        .withScheduler(scheduler)
        .withListener(recorder)
        .withSleeper(nanos -> {
          sleeps.add(Duration.ofNanos(nanos));
          clock.advance(Duration.ofNanos(nanos));
        })
        .build();
  }

  /**
   * These tests are about retries, not the budget: a floor of one retry per second lets every retry
   * below through (the default floor, 0.05/s, would refuse the second retry of a call; the budget's
   * own tests cover that).
   */
  private static HerdGuardConfig.Builder config() {
    return HerdGuardConfig.builder().withRetryBudgetMinPerSecond(1);
  }

  @Test
  void retriesIOExceptionsWithDecorrelatedJitterAndReturnsTheFirstSuccess() throws Exception {
    GuardedOperation login = guard(config()).operation("login");
    AtomicInteger calls = new AtomicInteger();
    String token = login.call(() -> {
      if (calls.incrementAndGet() <= 3) {
        throw new IOException("connection reset");
      }
      return "session";
    });
    assertEquals("session", token);
    assertEquals(4, calls.get());
    // base 500ms, u = 0.5: 500 + 0.5 * (1500 - 500), then from 1000ms: 500 + 0.5 * (3000 - 500), ...
    assertEquals(List.of(Duration.ofMillis(1000), Duration.ofMillis(1750), Duration.ofMillis(2875)), sleeps);
    assertEquals(List.of("retry login #1 in 1000ms", "retry login #2 in 1750ms", "retry login #3 in 2875ms"),
        events);
  }

  @Test
  void givesUpAfterMaxAttemptsWithTheLastCauseAttached() {
    GuardedOperation op = guard(config().withRetryMaxAttempts(3)).operation("update-check");
    AtomicInteger calls = new AtomicInteger();
    HerdGuardException e = assertThrows(HerdGuardException.class, () -> op.call(() -> {
      throw new IOException("reset #" + calls.incrementAndGet());
    }));
    assertEquals(HerdGuardException.Reason.RETRIES_EXHAUSTED, e.reason());
    assertEquals(3, e.attempts());
    assertEquals(3, calls.get());
    assertEquals("reset #3", e.getCause().getMessage());
    assertEquals(Duration.ofMillis(2750), e.elapsed());
    assertEquals("update-check: gave up after 3 attempts in 2750ms (retry.max-attempts=3); "
        + "last failure: java.io.IOException: reset #3", e.getMessage());
  }

  @Test
  void noAttemptStartsAfterMaxDuration() {
    GuardedOperation op = guard(config().withRetryMaxAttempts(100).withRetryMaxDuration(Duration.ofSeconds(5)))
        .operation("login");
    AtomicInteger calls = new AtomicInteger();
    HerdGuardException e = assertThrows(HerdGuardException.class, () -> op.call(() -> {
      calls.incrementAndGet();
      throw new SocketTimeoutException("read timed out");
    }));
    // Waits of 1000 + 1750 = 2750ms; the third (2875ms) would start at 5625ms > 5s.
    assertEquals(3, calls.get());
    assertEquals(HerdGuardException.Reason.RETRIES_EXHAUSTED, e.reason());
    assertTrue(e.getMessage().contains("the next attempt would start after retry.max-duration (5s)"), e.getMessage());
  }

  @Test
  void otherFailuresAreRethrownAsTheyAreAndDoNotCountAgainstTheBreaker() {
    GuardedOperation op = guard(config()).operation("login");
    IllegalStateException bad = new IllegalStateException("bad credentials format");
    AtomicInteger calls = new AtomicInteger();
    IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> op.call(() -> {
      calls.incrementAndGet();
      throw bad;
    }));
    assertSame(bad, thrown);
    assertEquals(1, calls.get());
    assertEquals(0, op.circuitBreaker().getMetrics().getNumberOfFailedCalls());
    assertTrue(sleeps.isEmpty());
  }

  @Test
  void breakerOpensThenFailsFastWithoutCallingAndWaitsAJitteredTime() throws Exception {
    HerdGuard guard = guard(config()
        .withRetryMaxAttempts(1)
        .withBreakerWindow(4)
        .withBreakerMinimumCalls(4)
        .withBreakerFailureRateThreshold(50)
        .withBreakerOpenWait(Duration.ofSeconds(30))
        .withBreakerOpenWaitSpread(0.5));
    GuardedOperation op = guard.operation("login");
    for (int i = 0; i < 4; i++) {
      assertThrows(HerdGuardException.class, () -> op.call(() -> {
        throw new IOException("503");
      }));
    }
    assertEquals(CircuitBreaker.State.OPEN, op.circuitBreaker().getState());
    assertTrue(events.contains("breaker login CLOSED->OPEN"), events.toString());

    AtomicInteger calls = new AtomicInteger();
    HerdGuardException open = assertThrows(HerdGuardException.class, () -> op.call(calls::incrementAndGet));
    assertEquals(HerdGuardException.Reason.BREAKER_OPEN, open.reason());
    assertEquals(0, open.attempts());
    assertEquals(0, calls.get());
    assertEquals("login: circuit breaker is OPEN, call not made", open.getMessage());
    assertTrue(events.contains("rejected login"));

    // u = 0.5 draws the middle of [15s, 45s]: open until 30s have passed, half-open after.
    clock.advance(Duration.ofSeconds(30));
    assertThrows(HerdGuardException.class, () -> op.call(calls::incrementAndGet));
    clock.advance(Duration.ofMillis(1));
    assertEquals(1, op.call(calls::incrementAndGet));
    assertEquals(CircuitBreaker.State.HALF_OPEN, op.circuitBreaker().getState());
  }

  @Test
  void everyBreakerStateChangeIsReportedOnceInOrderWithoutAResilience4jEventConsumer() throws Exception {
    HerdGuard guard = guard(config()
        .withRetryMaxAttempts(1)
        .withBreakerWindow(2)
        .withBreakerMinimumCalls(2)
        .withBreakerHalfOpenCalls(1)
        .withBreakerOpenWait(Duration.ofSeconds(30))
        .withBreakerOpenWaitSpread(0.5));
    GuardedOperation op = guard.operation("login");
    // A registered consumer makes Resilience4j build an event on every success: none may be there.
    assertFalse(((io.github.resilience4j.core.EventProcessor<?>) op.circuitBreaker().getEventPublisher())
        .hasConsumers());
    for (int i = 0; i < 2; i++) {
      assertThrows(HerdGuardException.class, () -> op.call(() -> {
        throw new IOException("503");
      }));
    }
    assertThrows(HerdGuardException.class, () -> op.call(() -> "refused"));
    clock.advance(Duration.ofSeconds(31));
    assertEquals("probe", op.call(() -> "probe"));
    assertEquals(CircuitBreaker.State.CLOSED, op.circuitBreaker().getState());
    assertEquals("ok", op.call(() -> "ok"));
    assertEquals(List.of("breaker login CLOSED->OPEN", "rejected login", "breaker login OPEN->HALF_OPEN",
        "breaker login HALF_OPEN->CLOSED"), events);

    // A change made on the breaker directly is reported by the next call.
    events.clear();
    op.circuitBreaker().transitionToForcedOpenState();
    assertThrows(HerdGuardException.class, () -> op.call(() -> "refused"));
    assertEquals(List.of("breaker login CLOSED->FORCED_OPEN", "rejected login"), events);
  }

  @Test
  void concurrentSuccessesAreAllRecordedInTheBreaker() throws Exception {
    int threads = 4;
    int callsEach = 5_000;
    GuardedOperation op = HerdGuard.builder(config()
            .withBreakerWindow(threads * callsEach)
            .withStartupMaxDelay(Duration.ZERO)
            .build())
        .build()
        .operation("login");
    java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < callsEach; i++) {
            op.call(() -> "session");
          }
          return null;
        }));
      }
      start.countDown();
      for (java.util.concurrent.Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    // Never a success lost, however many threads succeed at once.
    assertEquals(threads * callsEach, op.circuitBreaker().getMetrics().getNumberOfSuccessfulCalls());
    assertEquals(CircuitBreaker.State.CLOSED, op.circuitBreaker().getState());
  }

  @Test
  void openWaitIsDrawnWithinTheSpread() {
    assertEquals(15_000, HerdGuard.openWaitMillis(30_000, 0.5, 0.0));
    assertEquals(30_000, HerdGuard.openWaitMillis(30_000, 0.5, 0.5));
    assertEquals(44_997, HerdGuard.openWaitMillis(30_000, 0.5, 0.9999));
    assertEquals(30_000, HerdGuard.openWaitMillis(30_000, 0.0, 0.9));
  }

  @Test
  void budgetRefusesRetriesWhenItIsSpent() {
    GuardedOperation op = guard(config().withRetryBudgetRatio(0).withRetryBudgetMinPerSecond(0))
        .operation("login", "auth.example.com");
    HerdGuardException e = assertThrows(HerdGuardException.class, () -> op.call(() -> {
      throw new IOException("reset");
    }));
    assertEquals(HerdGuardException.Reason.BUDGET_EXHAUSTED, e.reason());
    assertEquals(1, e.attempts());
    assertEquals("login@auth.example.com", e.operation());
    assertEquals(List.of("budget auth.example.com"), events);
    assertTrue(sleeps.isEmpty());
  }

  @Test
  void serverHintIsHonouredAndSpread() throws Exception {
    GuardedOperation op = guard(config()).operation("login");
    AtomicInteger calls = new AtomicInteger();
    op.call(() -> {
      if (calls.incrementAndGet() == 1) {
        throw new ServerBusyException("503 Service Unavailable", Duration.ofSeconds(30));
      }
      return "ok";
    });
    // 30s spread by 0.2 with u = 0.5: 30s + 0.5 * 0.2 * 30s.
    assertEquals(List.of(Duration.ofSeconds(33)), sleeps);
  }

  @Test
  void hintLongerThanAllowedEndsTheCall() {
    GuardedOperation op = guard(config()).operation("login");
    HerdGuardException e = assertThrows(HerdGuardException.class, () -> op.call(() -> {
      throw new ServerBusyException("429 Too Many Requests", Duration.ofMinutes(11));
    }));
    assertEquals(HerdGuardException.Reason.RETRY_AFTER_TOO_LONG, e.reason());
    assertEquals(Duration.ofMinutes(11), e.retryAfter().orElseThrow());
    assertEquals("login: server asked to retry after 11m, longer than retry.retry-after.max (10m)", e.getMessage());
    assertTrue(sleeps.isEmpty());
  }

  @Test
  void interruptedBackoffStopsAtOnce() {
    HerdGuard guard = HerdGuard.builder(config().withStartupMaxDelay(Duration.ZERO).build())
        .withClock(clock).withRandom(new FixedRandom(0.5)).withScheduler(scheduler)
        .withSleeper(nanos -> {
          throw new InterruptedException("shutdown");
        })
        .build();
    GuardedOperation op = guard.operation("login");
    AtomicInteger calls = new AtomicInteger();
    assertThrows(InterruptedException.class, () -> op.call(() -> {
      calls.incrementAndGet();
      throw new IOException("reset");
    }));
    assertEquals(1, calls.get());
  }

  @Test
  void retryControlWaitsInsteadOfTheGuardsSleeper() throws Exception {
    GuardedOperation op = guard(config()).operation("login");
    List<Duration> waited = new ArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    String result = op.call(() -> {
      if (calls.incrementAndGet() <= 2) {
        throw new IOException("reset");
      }
      return "session";
    }, nanos -> {
      waited.add(Duration.ofNanos(nanos));
      clock.advance(Duration.ofNanos(nanos));
    });
    assertEquals("session", result);
    assertEquals(List.of(Duration.ofMillis(1000), Duration.ofMillis(1750)), waited);
    assertTrue(sleeps.isEmpty(), "the guard's sleeper was not used: " + sleeps);
  }

  @Test
  void retryRefusedByTheControlEndsTheCallWithoutSpendingTheBudget() {
    // A floor of exactly one retry per second: a refused retry must leave it for the next call.
    GuardedOperation op = guard(config().withRetryBudgetRatio(0).withRetryBudgetMinPerSecond(1))
        .operation("http", "api.example.com");
    IOException reset = new IOException("reset");
    GuardedOperation.RetryControl postOnce = new GuardedOperation.RetryControl() {
      @Override
      public Optional<String> refuseRetry(long delayNanos) {
        return Optional.of("POST is not safe to repeat");
      }

      @Override
      public void await(long delayNanos) {
        throw new AssertionError("no wait after a refused retry");
      }
    };
    HerdGuardException e = assertThrows(HerdGuardException.class, () -> op.call(() -> {
      throw reset;
    }, postOnce));
    assertEquals(HerdGuardException.Reason.RETRIES_EXHAUSTED, e.reason());
    assertEquals(1, e.attempts());
    assertSame(reset, e.getCause());
    assertEquals("http@api.example.com: gave up after 1 attempts in 0 (POST is not safe to repeat); "
        + "last failure: java.io.IOException: reset", e.getMessage());
    assertEquals(1, op.circuitBreaker().getMetrics().getNumberOfFailedCalls());
    assertTrue(events.isEmpty(), "no retry announced, no budget refusal: " + events);

    AtomicInteger calls = new AtomicInteger();
    assertDoesNotThrow(() -> op.call(() -> {
      if (calls.incrementAndGet() == 1) {
        throw new IOException("reset");
      }
      return "ok";
    }));
    assertEquals(2, calls.get(), "the budget's one retry was still there");
  }

  @Test
  void retryControlEndsTheCallByThrowingFromItsWait() {
    GuardedOperation op = guard(config().withBreakerHalfOpenCalls(1)).operation("login");
    AtomicInteger calls = new AtomicInteger();
    assertThrows(InterruptedException.class, () -> op.call(() -> {
      calls.incrementAndGet();
      throw new IOException("reset");
    }, nanos -> {
      throw new InterruptedException("call cancelled");
    }));
    assertEquals(1, calls.get());
    assertEquals(1, op.circuitBreaker().getMetrics().getNumberOfFailedCalls());
  }

  @Test
  void interruptedCallReleasesItsPermissionInsteadOfCountingAFailure() {
    GuardedOperation op = guard(config().withBreakerHalfOpenCalls(1)).operation("login");
    op.circuitBreaker().transitionToOpenState();
    op.circuitBreaker().transitionToHalfOpenState();
    assertThrows(InterruptedException.class, () -> op.call(() -> {
      throw new InterruptedException();
    }));
    assertThrows(InterruptedIOException.class, () -> op.call(() -> {
      throw new InterruptedIOException("canceled");
    }));
    assertEquals(0, op.circuitBreaker().getMetrics().getNumberOfFailedCalls());
    // The single half-open permission came back each time: a real probe can still go out.
    assertTrue(op.circuitBreaker().tryAcquirePermission());
  }

  @Test
  void asyncRetriesOnTheSchedulerWithoutBlocking() throws Exception {
    GuardedOperation op = guard(config()).operation("login");
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<String> result = op.callAsync(() -> calls.incrementAndGet() <= 2
        ? CompletableFuture.failedFuture(new IOException("reset"))
        : CompletableFuture.completedFuture("session"));
    assertFalse(result.isDone());
    assertEquals(1, calls.get());
    scheduler.advance(Duration.ofMillis(999));
    assertEquals(1, calls.get());
    scheduler.advance(Duration.ofMillis(1));
    assertEquals(2, calls.get());
    scheduler.advance(Duration.ofMillis(1750));
    assertEquals("session", result.getNow(null));
    assertTrue(sleeps.isEmpty());
  }

  @Test
  void cancellingAnAsyncCallDuringItsBackoffStopsIt() {
    GuardedOperation op = guard(config()).operation("login");
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<String> result = op.callAsync(() -> {
      calls.incrementAndGet();
      return CompletableFuture.failedFuture(new IOException("reset"));
    });
    assertEquals(1, scheduler.pending());
    result.cancel(true);
    assertEquals(0, scheduler.pending());
    scheduler.advance(Duration.ofMinutes(10));
    assertEquals(1, calls.get());
    assertTrue(result.isCancelled());
  }

  @Test
  void cancellingAnAsyncCallInFlightCancelsItAndReleasesThePermission() {
    GuardedOperation op = guard(config()).operation("login");
    CompletableFuture<String> inFlight = new CompletableFuture<>();
    CompletableFuture<String> result = op.callAsync(() -> inFlight);
    result.cancel(true);
    assertTrue(inFlight.isCancelled());
    assertEquals(0, op.circuitBreaker().getMetrics().getNumberOfFailedCalls());
    assertEquals(0, op.circuitBreaker().getMetrics().getNumberOfSuccessfulCalls());
  }

  @Test
  void asyncFailureThatIsNotRetriedCompletesWithIt() {
    GuardedOperation op = guard(config()).operation("login");
    CompletableFuture<String> result = op.callAsync(
        () -> CompletableFuture.failedFuture(new IllegalArgumentException("no such user")));
    ExecutionException e = assertThrows(ExecutionException.class, result::get);
    assertInstanceOf(IllegalArgumentException.class, e.getCause());
    assertThrows(CancellationException.class, () -> {
      CompletableFuture<String> r = op.callAsync(CompletableFuture::new);
      r.cancel(true);
      r.join();
    });
  }

  @Test
  void asyncControlCanRefuseARetryAndTheFailureStillCountsInTheBreaker() {
    GuardedOperation op = guard(config()).operation("upload");
    AtomicInteger calls = new AtomicInteger();
    List<Long> asked = new ArrayList<>();
    GuardedOperation.RetryControl control = new GuardedOperation.RetryControl() {
      @Override
      public Optional<String> refuseRetry(long delayNanos) {
        asked.add(delayNanos);
        return Optional.of("POST is not safe to repeat");
      }

      @Override
      public void await(long delayNanos) {
        throw new AssertionError("an async call schedules its waits");
      }
    };
    CompletableFuture<String> result = op.callAsync(() -> {
      calls.incrementAndGet();
      return CompletableFuture.failedFuture(new IOException("reset"));
    }, control);
    ExecutionException e = assertThrows(ExecutionException.class, result::get);
    HerdGuardException stop = assertInstanceOf(HerdGuardException.class, e.getCause());
    assertEquals(HerdGuardException.Reason.RETRIES_EXHAUSTED, stop.reason());
    assertTrue(stop.getMessage().contains("POST is not safe to repeat"), stop.getMessage());
    assertInstanceOf(IOException.class, stop.getCause());
    assertEquals(1, calls.get());
    assertEquals(List.of(Duration.ofSeconds(1).toNanos()), asked, "asked once, with the backoff's delay");
    assertEquals(0, scheduler.pending(), "no retry scheduled");
    assertEquals(1, op.circuitBreaker().getMetrics().getNumberOfFailedCalls());
  }

  @Test
  void asyncControlThatAllowsTheRetryLeavesItToTheScheduler() {
    GuardedOperation op = guard(config()).operation("login");
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<String> result = op.callAsync(() -> calls.incrementAndGet() == 1
        ? CompletableFuture.failedFuture(new IOException("reset"))
        : CompletableFuture.completedFuture("session"), delay -> {
          throw new AssertionError("an async call schedules its waits");
        });
    assertEquals(1, scheduler.pending());
    scheduler.advance(Duration.ofSeconds(1));
    assertEquals("session", result.getNow(null));
    assertEquals(2, calls.get());
  }

  @Test
  void startupDelayComesFromTheConfigAndAwaitWaitsWhatIsLeft() throws Exception {
    HerdGuard guard = HerdGuard.builder(config().withStartupMaxDelay(Duration.ofSeconds(60)).build())
        .withClock(clock).withRandom(new FixedRandom(0.5)).withScheduler(scheduler)
        .withSleeper(nanos -> sleeps.add(Duration.ofNanos(nanos)))
        .build();
    assertEquals(Duration.ofSeconds(30), guard.startupDelay());
    clock.advance(Duration.ofSeconds(10));
    guard.awaitStartup();
    assertEquals(List.of(Duration.ofSeconds(20)), sleeps);

    CompletableFuture<Void> ready = guard.startupAsync();
    scheduler.advance(Duration.ofSeconds(20).minusMillis(1));
    assertFalse(ready.isDone());
    scheduler.advance(Duration.ofMillis(1));
    assertTrue(ready.isDone());
  }

  @Test
  void operationsAreSharedByNameAndNamesAreChecked() {
    HerdGuard guard = guard(config());
    assertSame(guard.operation("login"), guard.operation("login"));
    assertSame(guard.operation("login", "a.example"), guard.operation("login", "a.example"));
    assertEquals("operation name (\"Log In\") must be lower-case letters, digits, '-' and '_', "
        + "starting with a letter or digit",
        assertThrows(IllegalArgumentException.class, () -> guard.operation("Log In")).getMessage());
    assertEquals("host (\" \") must not be blank",
        assertThrows(IllegalArgumentException.class, () -> guard.operation("login", " ")).getMessage());
  }

  @Test
  void perOperationOverridesApply() {
    HerdGuard guard = guard(config().withOperation("login", java.util.Map.of("retry.max-attempts", "2")));
    AtomicInteger calls = new AtomicInteger();
    assertThrows(HerdGuardException.class, () -> guard.operation("login").call(() -> {
      calls.incrementAndGet();
      throw new IOException("reset");
    }));
    assertEquals(2, calls.get());
  }
}

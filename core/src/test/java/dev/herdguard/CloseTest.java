package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 3: after {@code close()}, every pending call completes at once and exceptionally,
 * saying the guard was closed; nothing hangs. These guards run on their own scheduler and real
 * time, with backoffs of an hour, so a call that was not ended by close would never end.
 */
class CloseTest {

  private static HerdGuard guard() {
    return HerdGuard.create(HerdGuardConfig.builder()
        .withStartupMaxDelay(Duration.ZERO)
        .withBackoffBase(Duration.ofHours(1))
        .withBackoffMax(Duration.ofHours(2))
        .withRetryMaxDuration(Duration.ofHours(24))
        .withRetryBudgetMinPerSecond(100)
        .build());
  }

  private static void assertClosed(CompletableFuture<?> f) {
    assertTrue(f.isDone(), "completed by close()");
    CompletionException e = assertThrows(CompletionException.class, f::join);
    HerdGuardException closed = assertInstanceOf(HerdGuardException.class, e.getCause());
    assertEquals(HerdGuardException.Reason.CLOSED, closed.reason());
    assertTrue(closed.getMessage().contains("the HerdGuard was closed"), closed.getMessage());
  }

  @Test
  void asyncCallsWaitingOutABackoffCompleteWhenTheGuardCloses() {
    HerdGuard guard = guard();
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int n = 0; n < 8; n++) {
      calls.add(guard.operation("login").callAsync(() -> CompletableFuture.failedFuture(new IOException("reset"))));
    }
    calls.forEach(f -> assertTrue(!f.isDone(), "waiting out an hour's backoff"));
    guard.close();
    calls.forEach(CloseTest::assertClosed);
  }

  @Test
  void aRetryThatMustBeScheduledAfterCloseEndsTheCall() {
    HerdGuard guard = guard();
    CompletableFuture<String> attempt = new CompletableFuture<>();
    CompletableFuture<String> call = guard.operation("login").callAsync(() -> attempt);
    guard.close();
    attempt.completeExceptionally(new IOException("reset")); // in flight during close; its retry cannot run
    assertClosed(call);
  }

  @Test
  void callsOnAClosedGuardFailAtOnce() {
    HerdGuard guard = guard();
    guard.close();
    assertClosed(guard.operation("login").callAsync(() -> CompletableFuture.completedFuture("never")));
    HerdGuardException e = assertThrows(HerdGuardException.class, () -> guard.operation("login").call(() -> "never"));
    assertEquals(HerdGuardException.Reason.CLOSED, e.reason());
    guard.close(); // idempotent
  }

  @Test
  void aBlockingCallAsleepInABackoffIsWokenByClose() throws Exception {
    HerdGuard guard = guard();
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    Thread caller = new Thread(() -> {
      try {
        guard.operation("login").call(() -> {
          throw new IOException("reset");
        });
      } catch (Throwable t) {
        outcome.set(t);
      }
    });
    caller.start();
    while (caller.getState() != Thread.State.TIMED_WAITING && caller.isAlive()) {
      Thread.onSpinWait(); // until it sleeps in its hour-long backoff
    }
    guard.close();
    caller.join();
    HerdGuardException closed = assertInstanceOf(HerdGuardException.class, outcome.get());
    assertEquals(HerdGuardException.Reason.CLOSED, closed.reason());
  }

  @Test
  void aPendingStartupFutureCompletesWhenTheGuardCloses() {
    HerdGuard guard = HerdGuard.create(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ofHours(1)).build());
    CompletableFuture<Void> startup = guard.startupAsync();
    if (guard.startupDelay().isZero()) {
      return; // the draw was 0: nothing to wait for
    }
    guard.close();
    assertClosed(startup);
  }
}

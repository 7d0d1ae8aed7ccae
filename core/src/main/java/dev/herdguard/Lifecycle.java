package dev.herdguard;

import dev.herdguard.internal.Sleeper;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A guard's open or closed state, shared by its operations: what {@link HerdGuard#close()} must
 * end. A call waiting out a backoff or a host's wait is either a thread asleep in {@link #sleeper}
 * or a future with an attempt scheduled, {@linkplain #track tracked} here until the attempt
 * starts; closing wakes the one and fails the other, so nothing waits for a scheduler that has
 * stopped. Thread-safe.
 */
final class Lifecycle {

  private final CountDownLatch closed = new CountDownLatch(1);
  /** Each call with an attempt scheduled, and its operation's name for the message. */
  private final ConcurrentHashMap<CompletableFuture<?>, String> waiting = new ConcurrentHashMap<>();
  private volatile boolean isClosed;

  boolean isClosed() {
    return isClosed;
  }

  /** The failure of a call that the guard's close ended. */
  HerdGuardException closedException(String operation) {
    return new HerdGuardException(HerdGuardException.Reason.CLOSED, operation, 0, java.time.Duration.ZERO, null,
        operation + ": the HerdGuard was closed; the call was ended", null);
  }

  /**
   * Tracks {@code call} while an attempt of it is scheduled. Returns false, having failed it, if
   * the guard is already closed.
   */
  boolean track(CompletableFuture<?> call, String operation) {
    waiting.put(call, operation);
    if (isClosed) {
      waiting.remove(call);
      call.completeExceptionally(closedException(operation));
      return false;
    }
    return true;
  }

  void untrack(CompletableFuture<?> call) {
    waiting.remove(call);
  }

  /**
   * {@code inner} for blocking waits, but woken by {@link #close()}: the system sleeper waits on
   * the close latch instead of sleeping, so a call asleep in a backoff ends when the guard closes.
   * A sleeper injected for tests is used as it is.
   */
  Sleeper sleeper(Sleeper inner, String operation) {
    if (inner != Sleeper.SYSTEM) {
      return inner;
    }
    return nanos -> {
      if (isClosed) {
        throw closedException(operation);
      }
      if (nanos > 0 && closed.await(nanos, TimeUnit.NANOSECONDS)) {
        throw closedException(operation);
      }
    };
  }

  void close() {
    isClosed = true;
    closed.countDown();
    waiting.forEach((call, operation) -> call.completeExceptionally(closedException(operation)));
    waiting.clear();
  }
}

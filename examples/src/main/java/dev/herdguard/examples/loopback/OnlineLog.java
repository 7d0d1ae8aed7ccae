package dev.herdguard.examples.loopback;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * When each client of a fleet came online (held a token), counted from the run's start, and a
 * latch for "the whole fleet is online" so a run can end as soon as it is done.
 *
 * <p>Thread-safe: clients report from whatever thread finished their login.
 */
final class OnlineLog {

  private static final long NEVER = -1;

  private final long epochNanos;
  private final AtomicLongArray onlineNanos;
  private final CountDownLatch all;

  OnlineLog(int clients, long epochNanos) {
    this.epochNanos = epochNanos;
    this.onlineNanos = new AtomicLongArray(clients);
    for (int i = 0; i < clients; i++) {
      onlineNanos.set(i, NEVER);
    }
    this.all = new CountDownLatch(clients);
  }

  /** Client {@code i} is online now; a second report is ignored. */
  void online(int i) {
    long at = Math.max(0, System.nanoTime() - epochNanos);
    if (onlineNanos.compareAndSet(i, NEVER, at)) {
      all.countDown();
    }
  }

  /**
   * Waits until every client is online or {@code deadlineNanos} (a {@link System#nanoTime()}) has
   * passed.
   *
   * @return whether every client is online
   * @throws InterruptedException if interrupted while waiting
   */
  boolean awaitAll(long deadlineNanos) throws InterruptedException {
    return all.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /** Clients online so far. */
  int count() {
    return (int) (onlineNanos.length() - all.getCount());
  }

  /** Each client's time online in milliseconds from the start; -1 if it never came online. */
  long[] millis() {
    long[] out = new long[onlineNanos.length()];
    for (int i = 0; i < out.length; i++) {
      long n = onlineNanos.get(i);
      out[i] = n == NEVER ? NEVER : TimeUnit.NANOSECONDS.toMillis(n);
    }
    return out;
  }
}

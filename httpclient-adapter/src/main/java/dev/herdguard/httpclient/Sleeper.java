package dev.herdguard.httpclient;

import java.util.concurrent.TimeUnit;

/**
 * How {@link HerdGuardHttpClient#send} waits out a backoff on the calling thread. A blocking JDK
 * call has no handle to cancel it but the thread itself, so the wait is a plain interruptible sleep:
 * an interrupt ends it at once. Tests replace it to record the waits instead.
 */
@FunctionalInterface
interface Sleeper {

  /** Interruptible, holds no monitor (safe on virtual threads). */
  Sleeper SYSTEM = nanos -> {
    if (nanos > 0) {
      TimeUnit.NANOSECONDS.sleep(nanos);
    }
  };

  /**
   * Waits {@code nanos}, or returns at once when {@code nanos <= 0}.
   *
   * @throws InterruptedException if the thread is interrupted while it waits
   */
  void sleep(long nanos) throws InterruptedException;
}

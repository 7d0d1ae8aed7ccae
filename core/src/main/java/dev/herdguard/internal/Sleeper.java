package dev.herdguard.internal;

import java.util.concurrent.TimeUnit;

/**
 * Waits on the calling thread. The one place where herdguard's blocking calls sleep, so that tests
 * and simulations can move a fake clock instead. Not part of the public API.
 */
@FunctionalInterface
public interface Sleeper {

  /** Sleeps with {@link TimeUnit#sleep}: interruptible, holds no monitor (safe on virtual threads). */
  Sleeper SYSTEM = nanos -> TimeUnit.NANOSECONDS.sleep(nanos);

  /**
   * Waits {@code nanos} nanoseconds, or returns at once when {@code nanos <= 0}.
   *
   * @throws InterruptedException if the thread is interrupted before or while it waits
   */
  void sleep(long nanos) throws InterruptedException;
}

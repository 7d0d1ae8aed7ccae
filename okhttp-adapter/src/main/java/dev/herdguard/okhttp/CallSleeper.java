package dev.herdguard.okhttp;

import java.util.concurrent.TimeUnit;
import okhttp3.Call;

/**
 * How a guarded call waits out a backoff. {@link Call#cancel()} does not interrupt the thread
 * that runs the call, and OkHttp 4.12 has no per-call hook that fires on cancel, so the wait
 * looks at {@link Call#isCanceled()} every {@link #SLICE_NANOS}: a cancel (or the call timeout,
 * which cancels) ends it within about 10 ms. Tests replace it to record the waits instead.
 */
@FunctionalInterface
interface CallSleeper {

  /** How often a wait checks for a cancel: short next to any backoff, long next to the check's cost. */
  long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  /** Sleeps in slices; interruptible, holds no monitor (safe on virtual threads). */
  CallSleeper POLLING = (call, nanos) -> {
    long end = System.nanoTime() + nanos;
    for (long left = nanos; left > 0; left = end - System.nanoTime()) {
      if (call.isCanceled()) {
        throw new InterruptedException("call canceled");
      }
      TimeUnit.NANOSECONDS.sleep(Math.min(left, SLICE_NANOS));
    }
  };

  /**
   * Waits {@code nanos}, or returns at once when {@code nanos <= 0}.
   *
   * @throws InterruptedException if the call is canceled or the thread interrupted while it waits
   */
  void sleep(Call call, long nanos) throws InterruptedException;
}

package dev.herdguard.okhttp;

import dev.herdguard.HerdGuard;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import okhttp3.Call;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * An OkHttp application interceptor that holds every call until the guard's {@linkplain
 * HerdGuard#startupDelay() startup delay} has passed, counted from when the guard was built, so a
 * fleet that restarts together spreads its first contact over {@code herdguard.startup.max-delay}
 * instead of logging in within the same second. Once the delay has passed a call goes through at
 * the cost of one volatile read. The first call held makes the guard log at INFO how long it waits
 * and which key sets it ({@code -Dherdguard.startup.max-delay=0} turns it off while developing).
 *
 * <p>A held call waits on its own thread (a dispatcher thread for {@code enqueue}), holding no
 * monitor. {@link Call#cancel()} and the call timeout end the wait within about 10 ms, with no
 * request sent; an interrupt ends it at once. Install it first, before {@link
 * HerdGuardInterceptor}, so that a held call holds no breaker permission, as {@link
 * HerdGuardOkHttp} does. A client whose calls are user-initiated should not wait: leave the gate
 * out there, and spread the first automatic contact instead.
 *
 * <p>Thread-safe.
 */
public final class StartupGate implements Interceptor {

  private final HerdGuard guard;
  /**
   * Asked of the guard by the first call held, not when the client is built, so that the guard's
   * INFO line about the wait appears when a call actually waits.
   */
  private volatile CompletableFuture<Void> ready;
  /**
   * When the delay has passed at the latest: the gate was made after the guard. Keeps the gate from
   * waiting forever if the guard is closed (its scheduler stopped) before the delay has passed.
   */
  private final long latestNanos;
  private volatile boolean open;

  private StartupGate(HerdGuard guard) {
    this.guard = Objects.requireNonNull(guard, "guard");
    this.latestNanos = System.nanoTime() + guard.startupDelay().toNanos();
    this.open = guard.startupDelay().isZero();
  }

  /**
   * A gate that holds calls until {@code guard}'s startup delay has passed.
   *
   * @param guard gives the startup delay; {@code herdguard.startup.max-delay=0} makes the gate free
   * @return the gate
   * @throws NullPointerException if {@code guard} is null
   */
  public static StartupGate of(HerdGuard guard) {
    return new StartupGate(guard);
  }

  /** Whether the startup delay has passed and calls go straight through. */
  public boolean isOpen() {
    return open;
  }

  /**
   * Waits for the startup delay, then proceeds.
   *
   * @throws IOException if the call is canceled while it waits, as OkHttp fails a canceled call
   * @throws InterruptedIOException if the thread is interrupted while it waits
   */
  @Override
  public Response intercept(Chain chain) throws IOException {
    if (!open) {
      await(chain.call());
    }
    return chain.proceed(chain.request());
  }

  private void await(Call call) throws IOException {
    CompletableFuture<Void> ready = this.ready;
    if (ready == null) {
      // Two first calls racing may both ask: the guard answers both from the same delay.
      this.ready = ready = guard.startupAsync();
    }
    try {
      for (long left = latestNanos - System.nanoTime(); !ready.isDone() && left > 0;
          left = latestNanos - System.nanoTime()) {
        if (call.isCanceled()) {
          throw new IOException("Canceled");
        }
        try {
          ready.get(Math.min(left, CallSleeper.SLICE_NANOS), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException stillWaiting) {
          // Look at the call again; a future that failed is done, and ends the loop.
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException io = new InterruptedIOException("interrupted while waiting for the startup delay");
      io.initCause(e);
      throw io;
    }
    open = true;
  }

  @Override
  public String toString() {
    return "StartupGate[" + (open ? "open" : "holding calls") + "]";
  }
}

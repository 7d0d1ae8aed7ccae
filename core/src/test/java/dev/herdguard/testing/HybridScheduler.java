package dev.herdguard.testing;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Work submitted now ({@code execute}, {@code submit}) runs at once on real threads; work scheduled
 * for later ({@code schedule*}) waits on a {@link FakeScheduler}'s virtual time. For tests where
 * logins must really run concurrently with callers while timers stay under the test's control.
 * Thread-safe; {@code shutdown} leaves the real pool alone (the test owns it).
 */
public final class HybridScheduler implements ScheduledExecutorService {

  private final ExecutorService now;
  private final FakeScheduler later;

  public HybridScheduler(ExecutorService now, FakeScheduler later) {
    this.now = now;
    this.later = later;
  }

  public FakeScheduler later() {
    return later;
  }

  /** Runs the timers due within {@code d} on the calling thread, moving the fake clock. */
  public void advance(Duration d) {
    later.advance(d);
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return later.schedule(command, delay, unit);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return later.schedule(callable, delay, unit);
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    return later.scheduleAtFixedRate(command, initialDelay, period, unit);
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    return later.scheduleWithFixedDelay(command, initialDelay, delay, unit);
  }

  @Override
  public void execute(Runnable command) {
    now.execute(command);
  }

  @Override
  public <T> Future<T> submit(Callable<T> task) {
    return now.submit(task);
  }

  @Override
  public <T> Future<T> submit(Runnable task, T result) {
    return now.submit(task, result);
  }

  @Override
  public Future<?> submit(Runnable task) {
    return now.submit(task);
  }

  @Override
  public void shutdown() {
    later.shutdown();
  }

  @Override
  public List<Runnable> shutdownNow() {
    return later.shutdownNow();
  }

  @Override
  public boolean isShutdown() {
    return later.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return later.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return later.awaitTermination(timeout, unit);
  }

  @Override
  public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
    return now.invokeAll(tasks);
  }

  @Override
  public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
      throws InterruptedException {
    return now.invokeAll(tasks, timeout, unit);
  }

  @Override
  public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException,
      java.util.concurrent.ExecutionException {
    return now.invokeAny(tasks);
  }

  @Override
  public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
      throws InterruptedException, java.util.concurrent.ExecutionException, java.util.concurrent.TimeoutException {
    return now.invokeAny(tasks, timeout, unit);
  }
}

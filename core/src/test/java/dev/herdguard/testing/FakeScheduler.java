package dev.herdguard.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link ScheduledExecutorService} on virtual time: tasks run only when a test calls
 * {@link #advance(Duration)} or {@link #runDue()}, on the test's thread, in time order, and the
 * {@link FakeClock} moves with them. Thread-safe for submitting; run it from one thread.
 */
public final class FakeScheduler implements ScheduledExecutorService {

  private final FakeClock clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
  private long sequence;
  private boolean shutdown;

  public FakeScheduler(FakeClock clock) {
    this.clock = clock;
  }

  public FakeClock clock() {
    return clock;
  }

  /** Runs, in order, every task due within {@code d}, moving the clock to each; then to now + d. */
  public void advance(Duration d) {
    long target = clock.nanos() + d.toNanos();
    while (true) {
      Task<?> next;
      lock.lock();
      try {
        next = queue.peek();
        if (next == null || next.dueNanos > target) {
          break;
        }
        queue.poll();
      } finally {
        lock.unlock();
      }
      if (next.dueNanos > clock.nanos()) {
        clock.advance(Duration.ofNanos(next.dueNanos - clock.nanos()));
      }
      next.run();
    }
    if (target > clock.nanos()) {
      clock.advance(Duration.ofNanos(target - clock.nanos()));
    }
  }

  /** Runs every task due now, including tasks they submit for now. */
  public void runDue() {
    advance(Duration.ZERO);
  }

  /** Tasks waiting, cancelled ones excluded. */
  public int pending() {
    lock.lock();
    try {
      return (int) queue.stream().filter(t -> !t.isCancelled()).count();
    } finally {
      lock.unlock();
    }
  }

  /** The delay until the next task is due, or null when none waits. */
  public Duration nextDelay() {
    lock.lock();
    try {
      return queue.stream()
          .filter(t -> !t.isCancelled())
          .mapToLong(t -> t.dueNanos)
          .min()
          .stream()
          .mapToObj(due -> Duration.ofNanos(due - clock.nanos()))
          .findFirst()
          .orElse(null);
    } finally {
      lock.unlock();
    }
  }

  private <V> Task<V> enqueue(Callable<V> callable, long delayNanos, long periodNanos) {
    lock.lock();
    try {
      if (shutdown) {
        throw new java.util.concurrent.RejectedExecutionException("scheduler is shut down");
      }
      Task<V> task = new Task<>(callable, clock.nanos() + Math.max(0, delayNanos), periodNanos, sequence++);
      queue.add(task);
      return task;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return enqueue(() -> {
      command.run();
      return null;
    }, unit.toNanos(delay), 0);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return enqueue(callable, unit.toNanos(delay), 0);
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    return enqueue(() -> {
      command.run();
      return null;
    }, unit.toNanos(initialDelay), unit.toNanos(period));
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    return scheduleAtFixedRate(command, initialDelay, delay, unit);
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public <T> Future<T> submit(Callable<T> task) {
    return schedule(task, 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public <T> Future<T> submit(Runnable task, T result) {
    return schedule(() -> {
      task.run();
      return result;
    }, 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public Future<?> submit(Runnable task) {
    return schedule(task, 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public void shutdown() {
    lock.lock();
    try {
      shutdown = true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown();
    lock.lock();
    try {
      List<Runnable> left = new ArrayList<>(queue);
      queue.clear();
      return left;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown && pending() == 0;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isTerminated();
  }

  @Override
  public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) {
    throw new UnsupportedOperationException("FakeScheduler runs only scheduled tasks");
  }

  @Override
  public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit) {
    throw new UnsupportedOperationException("FakeScheduler runs only scheduled tasks");
  }

  @Override
  public <T> T invokeAny(Collection<? extends Callable<T>> tasks) {
    throw new UnsupportedOperationException("FakeScheduler runs only scheduled tasks");
  }

  @Override
  public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit) {
    throw new UnsupportedOperationException("FakeScheduler runs only scheduled tasks");
  }

  private final class Task<V> implements ScheduledFuture<V>, Runnable {
    final Callable<V> callable;
    final long periodNanos;
    final long seq;
    final CompletableFuture<V> result = new CompletableFuture<>();
    volatile long dueNanos;

    Task(Callable<V> callable, long dueNanos, long periodNanos, long seq) {
      this.callable = callable;
      this.dueNanos = dueNanos;
      this.periodNanos = periodNanos;
      this.seq = seq;
    }

    @Override
    public void run() {
      if (result.isDone()) {
        return;
      }
      try {
        V v = callable.call();
        if (periodNanos > 0) {
          lock.lock();
          try {
            dueNanos += periodNanos;
            queue.add(this);
          } finally {
            lock.unlock();
          }
        } else {
          result.complete(v);
        }
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNanos - clock.nanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      Task<?> other = (Task<?>) o;
      int c = Long.compare(dueNanos, other.dueNanos);
      return c != 0 ? c : Long.compare(seq, other.seq);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = result.cancel(mayInterruptIfRunning);
      if (cancelled) {
        lock.lock();
        try {
          queue.remove(this);
        } finally {
          lock.unlock();
        }
      }
      return cancelled;
    }

    @Override
    public boolean isCancelled() {
      return result.isCancelled();
    }

    @Override
    public boolean isDone() {
      return result.isDone();
    }

    @Override
    public V get() throws InterruptedException, ExecutionException {
      if (!result.isDone()) {
        throw new IllegalStateException("FakeScheduler: advance the clock before get()");
      }
      return result.get();
    }

    @Override
    public V get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
      if (!result.isDone()) {
        throw new TimeoutException("FakeScheduler: task not run yet; advance the clock");
      }
      try {
        return result.get();
      } catch (CancellationException e) {
        throw e;
      }
    }
  }
}

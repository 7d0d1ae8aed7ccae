package dev.herdguard.httpclient;

import dev.herdguard.HerdGuardConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.QueueDispatcher;

/** What the adapter's tests share. */
final class TestSupport {

  private TestSupport() {}

  /**
   * Settings whose real waits are milliseconds: no startup delay, backoff 1..5 ms, server hints
   * taken exactly (no spread), and a budget that never runs dry unless a test says so.
   */
  static HerdGuardConfig.Builder fastConfig() {
    return HerdGuardConfig.builder()
        .withStartupMaxDelay(Duration.ZERO)
        .withBackoffBase(Duration.ofMillis(1))
        .withBackoffMax(Duration.ofMillis(5))
        .withRetryMaxAttempts(4)
        .withRetryAfterSpread(0)
        .withRetryBudgetRatio(100)
        .withRetryBudgetMinPerSecond(1000);
  }

  /**
   * The wrapped client of every test: HTTP/1.1, since MockWebServer on plain HTTP speaks nothing
   * else (the JDK would otherwise offer an h2c upgrade on each request).
   */
  static HttpClient plainClient() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  /** An empty queue answers 404 at once instead of holding the request: a test fails, never hangs. */
  static MockWebServer failFast(MockWebServer server) {
    QueueDispatcher dispatcher = new QueueDispatcher();
    dispatcher.setFailFast(true);
    server.setDispatcher(dispatcher);
    return server;
  }

  static HttpRequest.Builder get(MockWebServer server, String path) {
    return HttpRequest.newBuilder(URI.create(server.url(path).toString()));
  }

  /** Records the waits it is asked for instead of waiting. */
  static final class RecordingSleeper implements Sleeper {
    final List<Duration> waits = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void sleep(long nanos) {
      waits.add(Duration.ofNanos(nanos));
    }
  }

  /**
   * A scheduler for the guard that records each delay it is asked for. Unless {@link #hold} is set,
   * it runs each task at once instead of after its delay: an async retry happens without a real
   * wait. Held tasks run when {@link #release()} says so.
   */
  static final class RecordingScheduler extends ScheduledThreadPoolExecutor {
    final List<Duration> delays = Collections.synchronizedList(new ArrayList<>());
    final List<ScheduledFuture<?>> scheduled = Collections.synchronizedList(new ArrayList<>());
    private final List<Runnable> heldTasks = Collections.synchronizedList(new ArrayList<>());
    private final List<ScheduledFuture<?>> heldFutures = Collections.synchronizedList(new ArrayList<>());
    volatile boolean hold;
    /** Counted down when the first task is scheduled. */
    final java.util.concurrent.CountDownLatch scheduledOne = new java.util.concurrent.CountDownLatch(1);

    RecordingScheduler() {
      super(1, r -> {
        Thread t = new Thread(r, "test-scheduler");
        t.setDaemon(true);
        return t;
      });
      setRemoveOnCancelPolicy(true);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(java.util.concurrent.Callable<V> callable, long delay, TimeUnit unit) {
      java.util.concurrent.FutureTask<V> task = new java.util.concurrent.FutureTask<>(callable);
      schedule(task, delay, unit);
      return new TaskFuture<>(task, delay, unit);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      delays.add(Duration.ofNanos(unit.toNanos(delay)));
      ScheduledFuture<?> future;
      if (hold) {
        future = super.schedule(command, 1, TimeUnit.DAYS);
        heldTasks.add(command);
        heldFutures.add(future);
      } else {
        future = super.schedule(command, 0, unit);
      }
      scheduled.add(future);
      scheduledOne.countDown(); // last: a test that waits for it finds the task recorded
      return future;
    }

    /** Runs every held task that was not cancelled, as if its delay had passed. */
    void release() {
      hold = false;
      List<Runnable> tasks;
      List<ScheduledFuture<?>> futures;
      synchronized (heldTasks) {
        tasks = new ArrayList<>(heldTasks);
        futures = new ArrayList<>(heldFutures);
        heldTasks.clear();
        heldFutures.clear();
      }
      for (int i = 0; i < tasks.size(); i++) {
        if (futures.get(i).cancel(false)) {
          tasks.get(i).run();
        }
      }
    }
  }

  /** A {@link ScheduledFuture} over a {@link java.util.concurrent.FutureTask}, for scheduled callables. */
  private static final class TaskFuture<V> implements ScheduledFuture<V> {
    private final java.util.concurrent.FutureTask<V> task;
    private final long delayNanos;

    TaskFuture(java.util.concurrent.FutureTask<V> task, long delay, TimeUnit unit) {
      this.task = task;
      this.delayNanos = unit.toNanos(delay);
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(delayNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(java.util.concurrent.Delayed o) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      return task.cancel(mayInterruptIfRunning);
    }

    @Override
    public boolean isCancelled() {
      return task.isCancelled();
    }

    @Override
    public boolean isDone() {
      return task.isDone();
    }

    @Override
    public V get() throws InterruptedException, java.util.concurrent.ExecutionException {
      return task.get();
    }

    @Override
    public V get(long timeout, TimeUnit unit)
        throws InterruptedException, java.util.concurrent.ExecutionException, java.util.concurrent.TimeoutException {
      return task.get(timeout, unit);
    }
  }
}

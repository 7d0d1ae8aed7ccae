package dev.herdguard.examples.fleet;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The fleet simulator's clock and event loop: virtual time in ticks of one millisecond, with the
 * {@link InstantSource} and {@link ScheduledExecutorService} that herdguard's objects are built
 * with, so that a {@code HerdGuard}, a {@code TokenCache} or a {@code PeriodicCheck} schedules its
 * retries and timers here and reads the time from here.
 *
 * <p>The one idea: a fleet of a million clients produces hundreds of millions of events, so an
 * event is one {@code int} in a timing wheel, not an object in a heap. The wheel has one bucket per
 * millisecond for the next 65.5 seconds (every backoff, timeout and startup delay herdguard draws by
 * default); later events wait in a small heap until their tick. Events of one tick run in the order
 * they were scheduled, so a run is a pure function of its seed. A delay is rounded up to whole
 * milliseconds: never earlier than asked, as with a real scheduler.
 *
 * <p>Two kinds of events share the wheel: the simulator's own, a non-negative {@code int} handed to
 * the {@link Handler} (a client number and what happens to it), and library tasks, stored in a slot
 * table and referred to by a negative {@code int}.
 *
 * <p>Not thread-safe: one simulation runs on one thread, and everything it builds is confined to
 * it. Separate simulations may run on separate threads, each with its own scheduler.
 */
public final class VirtualScheduler extends AbstractExecutorService implements ScheduledExecutorService {

  /** Receives the simulator's own events. */
  @FunctionalInterface
  public interface Handler {
    /** Handles one event, as given to {@link #at}. */
    void handle(int event);
  }

  private static final int WHEEL_BITS = 16;
  private static final int WHEEL = 1 << WHEEL_BITS;
  private static final int MASK = WHEEL - 1;
  private static final long NANOS_PER_TICK = 1_000_000L;

  private final long epochMillis;
  private final InstantSource clock;
  private Handler handler = event -> {
    throw new IllegalStateException("no handler for event " + event);
  };
  private long now;

  // The wheel: bucket (tick & MASK) holds the events of that tick, in scheduling order.
  private final int[][] buckets = new int[WHEEL][];
  private final int[] sizes = new int[WHEEL];
  private long inWheel;

  // Events at least a wheel's span ahead: a binary heap ordered by (tick, sequence).
  private long[] farTicks = new long[64];
  private long[] farSeqs = new long[64];
  private int[] farEvents = new int[64];
  private int farSize;
  private long sequence;

  // Library tasks: slot i is referred to by event -(i + 1).
  private VirtualTask<?>[] tasks = new VirtualTask<?>[256];
  private int[] freeSlots = new int[256];
  private int freeCount;
  private int slotsUsed;

  /** Events due at or after this tick are never queued: the run ends before they are due. */
  private long end = Long.MAX_VALUE;

  private Throwable taskFailure;
  private long eventsRun;

  /**
   * A scheduler whose tick 0 is {@code epoch}.
   *
   * @param epoch the instant the clock shows at tick 0
   */
  public VirtualScheduler(Instant epoch) {
    this.epochMillis = epoch.toEpochMilli();
    this.clock = new InstantSource() {
      @Override
      public Instant instant() {
        return Instant.ofEpochMilli(epochMillis + now);
      }

      @Override
      public long millis() {
        return epochMillis + now;
      }
    };
  }

  /**
   * The tick at which the run will stop. Events and tasks due then or later are dropped when
   * scheduled, instead of waiting in the heap: a token cache's refresh timer set for tomorrow, say,
   * in a fifteen-minute run. A dropped task's future simply never completes.
   */
  public void endAt(long tick) {
    this.end = tick;
  }

  /** Sets who receives the simulator's own events. */
  public void setHandler(Handler handler) {
    this.handler = handler;
  }

  /** The clock of this virtual time, for herdguard's builders. */
  public InstantSource clock() {
    return clock;
  }

  /** The current tick: milliseconds since the epoch given to the constructor. */
  public long now() {
    return now;
  }

  /** Events and tasks run so far, for the benchmark's report. */
  public long eventsRun() {
    return eventsRun;
  }

  /**
   * Schedules the simulator's event {@code event} at {@code tick}; a tick in the past means now.
   *
   * @throws IllegalArgumentException if {@code event} is negative
   */
  public void at(long tick, int event) {
    if (event < 0) {
      throw new IllegalArgumentException("event (" + event + ") must be >= 0");
    }
    push(Math.max(tick, now), event);
  }

  /** Queues an event; answers false, and queues nothing, if it falls at or after the end. */
  private boolean push(long tick, int event) {
    if (tick >= end) {
      return false;
    }
    if (tick - now < WHEEL) {
      int b = (int) (tick & MASK);
      int[] bucket = buckets[b];
      int size = sizes[b];
      if (bucket == null) {
        bucket = buckets[b] = new int[16];
      } else if (size == bucket.length) {
        bucket = buckets[b] = Arrays.copyOf(bucket, size * 2);
      }
      bucket[size] = event;
      sizes[b] = size + 1;
      inWheel++;
    } else {
      pushFar(tick, sequence++, event);
    }
    return true;
  }

  /**
   * Runs every event due before {@code endTick}, in order, moving the clock to each; leaves the
   * clock at {@code endTick}. Stops early, at the tick where it happens, when {@code stop} says so
   * (checked once per tick).
   *
   * @throws IllegalStateException if a library task failed with an exception (the simulation has a
   *     bug: herdguard's own tasks catch what their callers' code throws)
   */
  public void runUntil(long endTick, java.util.function.BooleanSupplier stop) {
    while (now < endTick) {
      if (inWheel == 0) {
        if (farSize == 0) {
          now = endTick;
          break;
        }
        now = Math.min(endTick, Math.max(now, farTicks[0]));
        if (now >= endTick) {
          break;
        }
      }
      runTick();
      checkTasks();
      if (stop.getAsBoolean()) {
        return;
      }
      now++;
    }
    now = Math.max(now, endTick);
  }

  private void runTick() {
    // Far events of this tick were scheduled before any wheel event of this tick: they go first.
    while (farSize > 0 && farTicks[0] == now) {
      int event = farEvents[0];
      popFar();
      dispatch(event);
    }
    int b = (int) (now & MASK);
    if (sizes[b] == 0) {
      return;
    }
    // Events scheduled for now while this runs are appended here and run in this same pass.
    for (int i = 0; i < sizes[b]; i++) {
      int event = buckets[b][i];
      inWheel--;
      dispatch(event);
    }
    sizes[b] = 0;
    if (buckets[b].length > 4096) {
      buckets[b] = null; // do not keep a burst's worth of memory for every later lap
    }
  }

  private void dispatch(int event) {
    eventsRun++;
    if (event >= 0) {
      handler.handle(event);
      return;
    }
    int slot = -event - 1;
    VirtualTask<?> task = tasks[slot];
    tasks[slot] = null;
    freeSlot(slot);
    task.fire();
  }

  private void checkTasks() {
    if (taskFailure != null) {
      Throwable t = taskFailure;
      taskFailure = null;
      throw new IllegalStateException("a scheduled task failed: " + t, t);
    }
  }

  // ------------------------------------------------------------------ the far heap

  private void pushFar(long tick, long seq, int event) {
    if (farSize == farTicks.length) {
      farTicks = Arrays.copyOf(farTicks, farSize * 2);
      farSeqs = Arrays.copyOf(farSeqs, farSize * 2);
      farEvents = Arrays.copyOf(farEvents, farSize * 2);
    }
    int i = farSize++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!before(tick, seq, farTicks[parent], farSeqs[parent])) {
        break;
      }
      farTicks[i] = farTicks[parent];
      farSeqs[i] = farSeqs[parent];
      farEvents[i] = farEvents[parent];
      i = parent;
    }
    farTicks[i] = tick;
    farSeqs[i] = seq;
    farEvents[i] = event;
  }

  private void popFar() {
    int last = --farSize;
    long tick = farTicks[last];
    long seq = farSeqs[last];
    int event = farEvents[last];
    int i = 0;
    while (true) {
      int child = 2 * i + 1;
      if (child >= farSize) {
        break;
      }
      if (child + 1 < farSize && before(farTicks[child + 1], farSeqs[child + 1], farTicks[child], farSeqs[child])) {
        child++;
      }
      if (!before(farTicks[child], farSeqs[child], tick, seq)) {
        break;
      }
      farTicks[i] = farTicks[child];
      farSeqs[i] = farSeqs[child];
      farEvents[i] = farEvents[child];
      i = child;
    }
    farTicks[i] = tick;
    farSeqs[i] = seq;
    farEvents[i] = event;
  }

  private static boolean before(long tickA, long seqA, long tickB, long seqB) {
    return tickA < tickB || (tickA == tickB && seqA < seqB);
  }

  // ------------------------------------------------------------------ library tasks

  private int allocateSlot(VirtualTask<?> task) {
    int slot;
    if (freeCount > 0) {
      slot = freeSlots[--freeCount];
    } else {
      if (slotsUsed == tasks.length) {
        tasks = Arrays.copyOf(tasks, slotsUsed * 2);
      }
      slot = slotsUsed++;
    }
    tasks[slot] = task;
    return slot;
  }

  private void freeSlot(int slot) {
    if (freeCount == freeSlots.length) {
      freeSlots = Arrays.copyOf(freeSlots, freeCount * 2);
    }
    freeSlots[freeCount++] = slot;
  }

  private <V> VirtualTask<V> enqueue(Callable<V> callable, long delayNanos, long periodNanos) {
    VirtualTask<V> task = new VirtualTask<>(callable, periodNanos);
    scheduleTask(task, delayNanos);
    return task;
  }

  private void scheduleTask(VirtualTask<?> task, long delayNanos) {
    long ticks = delayNanos <= 0 ? 0 : (delayNanos + NANOS_PER_TICK - 1) / NANOS_PER_TICK;
    task.dueTick = now + ticks;
    if (task.dueTick < end) {
      push(task.dueTick, -allocateSlot(task) - 1);
    }
  }

  private static long nanos(long amount, TimeUnit unit) {
    return unit.toNanos(amount);
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return enqueue(callable(command), nanos(delay, unit), 0);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return enqueue(callable, nanos(delay, unit), 0);
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    return scheduleWithFixedDelay(command, initialDelay, period, unit);
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    if (delay <= 0) {
      throw new IllegalArgumentException("period (" + delay + ") must be > 0");
    }
    // A task runs instantly in virtual time, so fixed rate and fixed delay are the same schedule.
    return enqueue(callable(command), nanos(initialDelay, unit), nanos(delay, unit));
  }

  @Override
  public void execute(Runnable command) {
    enqueue(callable(command), 0, 0);
  }

  private static Callable<Object> callable(Runnable command) {
    if (command == null) {
      throw new NullPointerException("command");
    }
    return () -> {
      command.run();
      return null;
    };
  }

  /** Does nothing: a simulation ends when its loop stops calling {@link #runUntil}. */
  @Override
  public void shutdown() {}

  /** Does nothing, and returns no tasks; see {@link #shutdown()}. */
  @Override
  public List<Runnable> shutdownNow() {
    return new ArrayList<>();
  }

  @Override
  public boolean isShutdown() {
    return false;
  }

  @Override
  public boolean isTerminated() {
    return false;
  }

  /** Returns at once: there is no other thread to wait for. */
  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return false;
  }

  /** A task on virtual time; cancelling it leaves its event in the wheel, which then does nothing. */
  private final class VirtualTask<V> implements ScheduledFuture<V> {
    private final Callable<V> callable;
    private final long periodNanos;
    long dueTick;
    private boolean cancelled;
    private boolean done;
    private V result;
    private Throwable failure;

    VirtualTask(Callable<V> callable, long periodNanos) {
      this.callable = callable;
      this.periodNanos = periodNanos;
    }

    void fire() {
      if (cancelled || done) {
        return;
      }
      try {
        V value = callable.call();
        if (periodNanos > 0) {
          if (!cancelled) {
            scheduleTask(this, periodNanos);
          }
          return;
        }
        result = value;
      } catch (Throwable t) {
        // As a ScheduledThreadPoolExecutor would, keep it in the future; unlike one, make the run
        // fail: herdguard's tasks catch their callers' exceptions, so this is a simulator bug.
        failure = t;
        if (taskFailure == null) {
          taskFailure = t;
        }
      }
      done = true;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert((dueTick - now) * NANOS_PER_TICK, TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (done || cancelled) {
        return false;
      }
      cancelled = true;
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return done || cancelled;
    }

    /**
     * The result of a task that has run.
     *
     * @throws IllegalStateException if it has not run: waiting would block the only thread that
     *     moves virtual time
     */
    @Override
    public V get() throws ExecutionException {
      if (cancelled) {
        throw new CancellationException();
      }
      if (!done) {
        throw new IllegalStateException("waiting for a task on virtual time would block the simulation");
      }
      if (failure != null) {
        throw new ExecutionException(failure);
      }
      return result;
    }

    @Override
    public V get(long timeout, TimeUnit unit) throws ExecutionException {
      return get();
    }
  }
}

package dev.herdguard.examples.fleet;

import java.time.Duration;

/**
 * A login (or API) server that can collapse, as real ones do: it does {@code capacity} requests'
 * worth of work per second, one request after another from a FIFO queue that holds at most
 * {@code queueLimit} requests; when the queue is full it answers 503 (with a {@code Retry-After}
 * hint if configured), which costs it {@code rejectCost} of a request's work. Its clients give up
 * after {@code timeout}, but a request they gave up on stays in the queue and is served anyway:
 * that work is wasted. Once the queue is longer than {@code capacity * timeout}, every request
 * served is one whose client has already left; if the clients keep the queue full, goodput is
 * zero and stays zero. That is the collapse a naive fleet causes.
 *
 * <p>The one idea: with FIFO service at a known capacity, when a request will be served is known
 * the moment it arrives, so the server needs no events of its own. It keeps one number, the amount
 * of work (in requests, counted from time zero) at which its queue will be empty, and a function
 * from time to the work done by then, which accounts for a capacity that falls and recovers
 * ({@code slow-server}). {@link #send} answers at once with when and how the client hears back.
 *
 * <p>Not thread-safe: it belongs to one run.
 */
public final class SimServer {

  /** The request was served while its client waited. */
  public static final int OK = 0;
  /** The queue was full: 503, perhaps with a {@code Retry-After} hint. */
  public static final int BUSY = 1;
  /** The client gave up before the request was served. */
  public static final int TIMEOUT = 2;
  /** The server was down: the connection was refused at once, at no cost to the server. */
  public static final int REFUSED = 3;

  /**
   * The server's settings.
   *
   * @param capacity requests of work per second
   * @param queueLimit most requests waiting, including the one in service
   * @param rejectCost work a 503 costs, as a fraction of a request's
   * @param timeout how long a client waits for an answer
   * @param retryAfter the hint sent with a 503, or null for none
   * @param slowFrom start of a slowdown, or null for none
   * @param slowFor length of the slowdown
   * @param slowFactor the share of capacity left during the slowdown, in (0, 1]
   * @param downFor the server refuses every connection from time zero for this long
   * @param pacing a cooperating server: it answers 503 at once when a request would wait in its
   *     queue longer than {@code timeout}, with a {@code Retry-After} that hands each client its own
   *     slot, so that returns arrive at its capacity
   */
  public record Settings(
      double capacity,
      int queueLimit,
      double rejectCost,
      Duration timeout,
      Duration retryAfter,
      Duration slowFrom,
      Duration slowFor,
      double slowFactor,
      Duration downFor,
      boolean pacing) {

    /** Settings of a server that is never down and does not pace. */
    public Settings(double capacity, int queueLimit, double rejectCost, Duration timeout, Duration retryAfter,
        Duration slowFrom, Duration slowFor, double slowFactor) {
      this(capacity, queueLimit, rejectCost, timeout, retryAfter, slowFrom, slowFor, slowFactor, Duration.ZERO, false);
    }

    /** The same server, down (refusing connections) for {@code d} from time zero. */
    public Settings downFor(Duration d) {
      return new Settings(capacity, queueLimit, rejectCost, timeout, retryAfter, slowFrom, slowFor, slowFactor, d, pacing);
    }

    /** The same server, pacing its clients with {@code Retry-After} slots, or not. */
    public Settings pacing(boolean on) {
      return new Settings(capacity, queueLimit, rejectCost, timeout, retryAfter, slowFrom, slowFor, slowFactor, downFor, on);
    }

    /** Checks the values. */
    public Settings {
      if (!(capacity > 0)) {
        throw new IllegalArgumentException("--capacity (" + capacity + ") must be > 0");
      }
      if (queueLimit < 1) {
        throw new IllegalArgumentException("--queue (" + queueLimit + ") must be >= 1");
      }
      if (!(rejectCost >= 0 && rejectCost <= 1)) {
        throw new IllegalArgumentException("--reject-cost (" + rejectCost + ") must be in [0, 1]");
      }
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("--timeout (" + Flags.format(timeout) + ") must be > 0");
      }
      if (!(slowFactor > 0 && slowFactor <= 1)) {
        throw new IllegalArgumentException("--slow-factor (" + slowFactor + ") must be in (0, 1]");
      }
      if (downFor == null || downFor.isNegative()) {
        throw new IllegalArgumentException("--outage must be >= 0");
      }
    }

    /** Settings without a slowdown. */
    public static Settings steady(double capacity, int queueLimit, double rejectCost, Duration timeout,
        Duration retryAfter) {
      return new Settings(capacity, queueLimit, rejectCost, timeout, retryAfter, null, Duration.ZERO, 1.0);
    }

    String describe() {
      return String.format("%sserver %s/s, queue %,d, timeout %s, a 503 costs %s of a request%s%s%s",
          pacing ? "pacing " : "", Flags.number(capacity), queueLimit, Flags.format(timeout), Flags.number(rejectCost),
          retryAfter == null ? "" : ", Retry-After " + retryAfter.toSeconds(),
          downFor.isZero() ? "" : ", down (refusing connections) for the first " + Flags.format(downFor),
          slowFrom == null ? "" : String.format(", capacity %d%% from %s for %s",
              Math.round(slowFactor * 100), Flags.format(slowFrom), Flags.format(slowFor)));
    }
  }

  private final Settings settings;
  private final Traffic traffic;
  private final long timeoutMs;
  private final double capacity;
  // The slowdown as [s0, s1) in seconds, and the work done by its start and by its end.
  private final double s0;
  private final double s1;
  private final double slowCapacity;
  private final double w0;
  private final double w1;
  /** The work, counted from time zero, at which the queue will be empty. */
  private double drainedAt;
  private int outcome;
  private final long downUntilMs;
  /** A pacing server's next free slot, in seconds: the hint it gives the next client it turns away. */
  private double nextSlot;
  private Duration lastHint;

  SimServer(Settings settings, Traffic traffic) {
    this.settings = settings;
    this.traffic = traffic;
    this.timeoutMs = settings.timeout().toMillis();
    this.downUntilMs = settings.downFor().toMillis();
    this.capacity = settings.capacity();
    if (settings.slowFrom() == null) {
      s0 = Double.MAX_VALUE;
      s1 = Double.MAX_VALUE;
    } else {
      s0 = settings.slowFrom().toMillis() / 1000.0;
      s1 = s0 + settings.slowFor().toMillis() / 1000.0;
    }
    slowCapacity = capacity * settings.slowFactor();
    w0 = s0 == Double.MAX_VALUE ? Double.MAX_VALUE : capacity * s0;
    w1 = s0 == Double.MAX_VALUE ? Double.MAX_VALUE : w0 + slowCapacity * (s1 - s0);
    for (int s = 0; s < traffic.seconds(); s++) {
      traffic.capacity(s, s >= s0 && s < s1 ? slowCapacity : capacity);
    }
  }

  /** The settings. */
  public Settings settings() {
    return settings;
  }

  /**
   * A request arrives at {@code tick}. Returns the tick at which its client hears back, and sets
   * {@link #outcome()}: {@link #BUSY} at once, {@link #OK} when it is served, or {@link #TIMEOUT}
   * when the client gives up (the request is then served later, as wasted work).
   */
  public long send(long tick) {
    return send(tick, timeoutMs);
  }

  /**
   * {@link #send(long)} for a client that waits {@code clientTimeoutMs} for this request: one
   * whose patience has grown. A {@link #REFUSED} request, while the server is down, costs nothing.
   */
  public long send(long tick, long clientTimeoutMs) {
    traffic.sent(tick);
    lastHint = settings.retryAfter();
    if (tick < downUntilMs) {
      outcome = REFUSED;
      return tick;
    }
    double now = tick / 1000.0;
    double done = workDoneBy(now);
    if (drainedAt < done) {
      drainedAt = done;
    }
    boolean full = drainedAt - done >= settings.queueLimit();
    if (settings.pacing() && !full) {
      // Turn away at once what would wait longer than the client's timeout, and tell it when its turn is.
      double wait = timeOfWork(drainedAt + 1) - now;
      full = wait * 1000 > timeoutMs;
    }
    if (full) {
      drainedAt += settings.rejectCost();
      traffic.rejected(tick);
      outcome = BUSY;
      if (settings.pacing()) {
        nextSlot = Math.max(nextSlot, timeOfWork(drainedAt) - timeoutMs / 1000.0) + 1 / capacity;
        lastHint = Duration.ofSeconds(Math.max(1, (long) Math.ceil(nextSlot - now)));
      }
      return tick;
    }
    drainedAt += 1;
    double servedAt = timeOfWork(drainedAt);
    long servedTick = (long) Math.ceil(servedAt * 1000);
    boolean inTime = servedTick - tick <= clientTimeoutMs;
    traffic.served(servedAt, inTime);
    if (inTime) {
      outcome = OK;
      return servedTick;
    }
    outcome = TIMEOUT;
    return tick + clientTimeoutMs;
  }

  /** How the last {@link #send} ended: {@link #OK}, {@link #BUSY} or {@link #TIMEOUT}. */
  public int outcome() {
    return outcome;
  }

  /** The hint sent with the last 503, or null: a pacing server's slot, or the configured hint. */
  public Duration retryAfter() {
    return lastHint;
  }

  /** The client's timeout in ticks. */
  public long timeoutTicks() {
    return timeoutMs;
  }

  /** Work the server can have done by {@code t} seconds, running flat out from time zero. */
  double workDoneBy(double t) {
    if (t <= s0) {
      return capacity * t;
    }
    if (t <= s1) {
      return w0 + slowCapacity * (t - s0);
    }
    return w1 + capacity * (t - s1);
  }

  /** The inverse of {@link #workDoneBy}: when running flat out reaches {@code work}. */
  double timeOfWork(double work) {
    if (work <= w0) {
      return work / capacity;
    }
    if (work <= w1) {
      return s0 + (work - w0) / slowCapacity;
    }
    return s1 + (work - w1) / capacity;
  }
}

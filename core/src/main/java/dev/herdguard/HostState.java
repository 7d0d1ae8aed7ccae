package dev.herdguard;

import dev.herdguard.internal.Durations;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this process knows about one host: how many attempts to it failed in a row, and the
 * moment before which no attempt to it may start. Every {@link GuardedOperation} towards the host
 * shares it, first attempts of new calls included, because a client that makes one call at a time
 * (a login, an update check) is never stopped by a retry limit or a breaker window: only state that
 * spans calls, and restarts, slows such a fleet down enough for its server to recover.
 *
 * <p>The rules, each a key of {@code herdguard.host.*}:
 * <ul>
 *   <li><b>Engages on a streak only.</b> The wait starts once {@code host.min-failures} attempts in
 *       a row have failed and the streak has lasted {@code host.min-streak}, with no success between
 *       them; a success ends the streak. A busy host that fails some calls at random has a success
 *       between its failures and is never slowed. Attempts that were in flight together count once:
 *       a failure grows the wait only if nothing changed since its attempt started.
 *   <li><b>Grows with jitter.</b> The n-th wait of a streak is drawn in
 *       {@code [w(1 - spread), w(1 + spread)]} with {@code w = min(max-wait, base * multiplier^(n-1))}.
 *   <li><b>Weighs the signal.</b> A timeout, a 503/429 or another I/O failure says the server is
 *       alive and overloaded, and the wait grows to {@code host.max-wait}. A refused connection or an
 *       unknown host costs the server nothing, and the wait grows only to {@code host.down-max-wait},
 *       so a fleet comes back soon after a plain outage ends.
 *   <li><b>Honours the server.</b> A server hint ({@code Retry-After}) sets the wait for every call to
 *       the host, capped by {@code retry.retry-after.max} and spread by {@code retry.retry-after.spread}.
 *   <li><b>Grows patience.</b> After timeouts, {@link #attemptTimeout(Duration)} gives later attempts
 *       a longer timeout ({@code host.timeout-multiplier} per timeout, up to {@code host.max-timeout}),
 *       so that a request waiting in a deep queue is answered rather than abandoned and sent again.
 *   <li><b>Survives restarts.</b> With a {@link Store} (a file in {@code herdguard.state-dir} by
 *       default) the streak and the wait are kept, so a restarted or crash-looping client goes on
 *       where it stopped. A stored wait longer than the longest this host could have asked for (a
 *       clock moved, a damaged file) is cut to that.
 * </ul>
 *
 * <p>Waits run on the guard's monotonic ticker, never on the wall clock; the wall clock only turns
 * a stored wait into an instant and back. A healthy host costs each attempt one volatile read.
 *
 * <p>Get one from {@link HerdGuard#host(String)} or {@link GuardedOperation#host()}. Thread-safe.
 */
public final class HostState {

  private static final Logger log = LoggerFactory.getLogger(HostState.class);

  /** The kinds of failure the host state tells apart. */
  enum Signal {
    /** A timeout: the server is alive, its queue is long. Grows the wait and the patience. */
    TIMEOUT,
    /** A 503/429 or another I/O failure: alive and overloaded. */
    OVERLOADED,
    /** A refused connection, an unknown host: down, and it costs the server nothing. */
    DOWN
  }

  /**
   * One streak, immutable: a new object on every change, so that an attempt can tell whether the
   * state changed while it was in flight by comparing references.
   */
  static final class Streak {
    final int failures;
    final int level;
    final int timeouts;
    final long firstFailureNanos;
    final long notBeforeNanos;
    /** Whether {@link #notBeforeNanos} is a server's hint, which a success does not cancel. */
    final boolean hinted;

    Streak(int failures, int level, int timeouts, long firstFailureNanos, long notBeforeNanos, boolean hinted) {
      this.failures = failures;
      this.level = level;
      this.timeouts = timeouts;
      this.firstFailureNanos = firstFailureNanos;
      this.notBeforeNanos = notBeforeNanos;
      this.hinted = hinted;
    }
  }

  private final String host;
  private final Settings settings;
  private final LongSupplier ticker;
  private final InstantSource wallClock;
  private final RandomGenerator random;
  private final Store store;
  private final HerdGuardListener listener;
  /** Null while the host is healthy: the one read of the fast path. */
  private volatile Streak streak;
  /** Whether the store holds a streak for this host, so that a success knows to clear it. */
  private boolean stored;
  private long lastUserNanos;
  private boolean userUsed;

  HostState(String host, Settings settings, LongSupplier ticker, InstantSource wallClock,
      RandomGenerator random, Store store, HerdGuardListener listener) {
    this.host = host;
    this.settings = settings;
    this.ticker = ticker;
    this.wallClock = wallClock;
    this.random = random;
    this.store = store;
    this.listener = listener;
    restore();
  }

  /** The host this state is about. */
  public String host() {
    return host;
  }

  /**
   * How long until the next attempt to this host may start; zero when it may start now. For an
   * application that shows "retrying in 3 min".
   */
  public Duration remainingWait() {
    Streak s = streak;
    return s == null ? Duration.ZERO : Duration.ofNanos(Math.max(0, s.notBeforeNanos - ticker.getAsLong()));
  }

  /** Attempts to this host that failed in a row, since its last success. */
  public int consecutiveFailures() {
    Streak s = streak;
    return s == null ? 0 : s.failures;
  }

  /**
   * The timeout to give the next attempt to this host, for code that sets its own per attempt: the
   * {@code usual} one, times {@code host.timeout-multiplier} for each timeout in the current streak,
   * up to {@code host.max-timeout} (never below {@code usual}). A client that abandons a request
   * waiting in a deep queue and sends another makes the server work for nobody.
   *
   * @param usual the timeout an attempt gets when the host is healthy
   * @return the timeout for the next attempt
   * @throws IllegalArgumentException if {@code usual} is negative
   */
  public Duration attemptTimeout(Duration usual) {
    Objects.requireNonNull(usual, "usual");
    if (usual.isNegative()) {
      throw new IllegalArgumentException("usual timeout (" + Durations.format(usual) + ") must be >= 0");
    }
    Streak s = streak;
    if (s == null || s.timeouts == 0 || usual.isZero() || !settings.enabled) {
      return usual;
    }
    long cap = settings.maxTimeoutNanos;
    long usualNanos = usual.toNanos();
    if (usualNanos >= cap) {
      return usual;
    }
    double grown = usualNanos * Math.pow(settings.timeoutMultiplier, s.timeouts);
    return Duration.ofNanos((long) Math.min(cap, grown));
  }

  /**
   * Lets the next attempt to this host start now, past the host's wait, because a person asked for
   * it ("Sign in now"). At most once per {@code host.user-interval}, so that a user clicking again
   * and again does not become a herd of one; the wait that follows the attempt, if it fails, goes on
   * growing from where it was.
   *
   * @return true if an attempt may start now (also when there was no wait), false if the user's
   *     last pass was less than {@code host.user-interval} ago: {@link #remainingWait()} says how
   *     long the wait still is
   */
  public boolean userRetryNow() {
    synchronized (this) {
      Streak s = streak;
      long now = ticker.getAsLong();
      if (s == null || s.notBeforeNanos - now <= 0) {
        return true;
      }
      if (userUsed && now - lastUserNanos < settings.userIntervalNanos) {
        return false;
      }
      userUsed = true;
      lastUserNanos = now;
      streak = new Streak(s.failures, s.level, s.timeouts, s.firstFailureNanos, now, false);
    }
    log.info("{}: a user-initiated attempt goes past the host's wait", host);
    return true;
  }

  /**
   * Obeys a server's hint that came with an answer that is not a failure (a {@code Retry-After} on a
   * 200 or a 500, say): no attempt to this host starts before it, capped by
   * {@code retry.retry-after.max} and spread by {@code retry.retry-after.spread}. A hint on a
   * failure that herdguard retries (a 503, a 429) needs no call: the operation reads it.
   *
   * @param hint the wait the server asked for
   */
  public void obeyHint(Duration hint) {
    Objects.requireNonNull(hint, "hint");
    if (!settings.enabled || hint.isNegative() || hint.isZero()) {
      return;
    }
    long wait = hintNanos(hint);
    Streak changed;
    synchronized (this) {
      long now = ticker.getAsLong();
      Streak s = streak;
      long notBefore = now + wait;
      if (s != null && s.notBeforeNanos - notBefore >= 0) {
        return;
      }
      changed = s == null
          ? new Streak(0, 0, 0, now, notBefore, true)
          : new Streak(s.failures, s.level, s.timeouts, s.firstFailureNanos, notBefore, true);
      streak = changed;
    }
    persist(changed);
  }

  // ------------------------------------------------------------------ for GuardedOperation

  /** The streak as an attempt sees it when it starts: null when healthy. */
  Streak current() {
    return streak;
  }

  /** How long an attempt that saw {@code s} must still wait, in nanoseconds; 0 or less: none. */
  long waitNanos(Streak s) {
    return s == null ? 0 : s.notBeforeNanos - ticker.getAsLong();
  }

  /** An attempt succeeded: the streak ends; a hint's wait that is still running stays. */
  void onSuccess() {
    if (streak == null) {
      return;
    }
    boolean clear;
    synchronized (this) {
      Streak s = streak;
      if (s == null) {
        return;
      }
      long now = ticker.getAsLong();
      streak = s.hinted && s.notBeforeNanos - now > 0 ? new Streak(0, 0, 0, now, s.notBeforeNanos, true) : null;
      clear = streak == null && stored;
      stored = stored && !clear;
    }
    if (clear) {
      saveQuietly(new Saved(host, 0, 0, 0, null));
    }
  }

  /**
   * An attempt that started when the state was {@code seen} failed with a retryable failure, the
   * server's hint (or null) with it. Returns the wait it set, in nanoseconds, or 0 when it set none.
   */
  long onFailure(Streak seen, Throwable failure, Duration hint) {
    if (!settings.enabled) {
      return 0;
    }
    Signal signal = signal(failure);
    double u = random.nextDouble();
    Streak changed;
    synchronized (this) {
      Streak s = streak;
      if (s != seen) {
        // Another attempt that was in flight with this one has already moved the state (or a
        // success ended the streak): one round of concurrent failures counts once.
        return 0;
      }
      long now = ticker.getAsLong();
      int failures = s == null ? 1 : s.failures + 1;
      long first = s == null || s.failures == 0 ? now : s.firstFailureNanos;
      // Patience grows with each sign of a long queue: a timeout, or a server too busy to queue the
      // request at all (whose queue is then at its longest). A refused connection says nothing of it.
      int timeouts = (s == null ? 0 : s.timeouts) + (signal == Signal.DOWN ? 0 : 1);
      int level = s == null ? 0 : s.level;
      long notBefore = s == null ? now : s.notBeforeNanos;
      boolean engaged = failures >= settings.minFailures && now - first >= settings.minStreakNanos;
      long wait = 0;
      boolean hinted = false;
      if (hint != null && !hint.isNegative() && !hint.isZero()) {
        level = engaged ? level + 1 : level;
        wait = hintNanos(hint);
        hinted = true;
      } else if (engaged) {
        level++;
        if (signal == Signal.DOWN) {
          level = Math.min(level, settings.downLevel);
        }
        long cap = signal == Signal.DOWN ? settings.downMaxWaitNanos : settings.maxWaitNanos;
        wait = spread(Math.min(cap, settings.waitAtLevel(level)), u);
      }
      if (wait > 0 && now + wait - notBefore > 0) {
        notBefore = now + wait;
      } else {
        hinted = s != null && s.hinted;
      }
      changed = new Streak(failures, level, timeouts, first, notBefore, hinted);
      streak = changed;
      if (wait <= 0) {
        return 0;
      }
    }
    persist(changed);
    return Math.max(0, changed.notBeforeNanos - ticker.getAsLong());
  }

  private long hintNanos(Duration hint) {
    Duration capped = hint.compareTo(settings.hintMax) > 0 ? settings.hintMax : hint;
    RetryAfter.Decision d = settings.hints.decide(capped, random.nextDouble());
    return d instanceof RetryAfter.Decision.Wait ? ((RetryAfter.Decision.Wait) d).delay().toNanos() : capped.toNanos();
  }

  private long spread(long w, double u) {
    double s = settings.spread;
    return (long) (w * (1 - s + 2 * s * u));
  }

  /** How a failure weighs: see the class comment. */
  static Signal signal(Throwable failure) {
    if (failure instanceof SocketTimeoutException || failure instanceof TimeoutException
        || failure instanceof HttpTimeoutException) {
      return Signal.TIMEOUT;
    }
    if (failure instanceof ConnectException || failure instanceof UnknownHostException
        || failure instanceof NoRouteToHostException || failure instanceof PortUnreachableException) {
      return Signal.DOWN;
    }
    return Signal.OVERLOADED;
  }

  // ------------------------------------------------------------------ persistence

  private void restore() {
    if (!settings.enabled) {
      return;
    }
    Optional<Saved> saved;
    try {
      saved = store.load(host);
    } catch (IOException | RuntimeException e) {
      log.warn("{}: could not read the host's saved state, starting afresh: {}", host, e.toString());
      return;
    }
    if (saved.isEmpty() || saved.get().failures() == 0 && saved.get().notBefore() == null) {
      return;
    }
    Saved s = saved.get();
    long now = ticker.getAsLong();
    long remaining = 0;
    if (s.notBefore() != null) {
      long left = Duration.between(wallClock.instant(), s.notBefore()).toNanos();
      remaining = Math.max(0, Math.min(settings.longestWaitNanos, left));
      if (left > settings.longestWaitNanos) {
        log.warn("{}: the saved wait ({} left) is longer than this host could have asked for;"
            + " cut to {} (a clock moved, or the file was changed)", host,
            Durations.human(Duration.ofNanos(left)), Durations.human(Duration.ofNanos(remaining)));
      }
    }
    // A saved streak is an old one: count it as having lasted, so that it goes on growing.
    streak = new Streak(Math.max(0, s.failures()), Math.max(0, Math.min(s.level(), settings.maxLevel)),
        Math.max(0, Math.min(s.timeouts(), 64)), now - settings.minStreakNanos, now + remaining, false);
    stored = true;
  }

  private void persist(Streak s) {
    Instant notBefore = wallClock.instant().plusNanos(Math.max(0, s.notBeforeNanos - ticker.getAsLong()));
    synchronized (this) {
      stored = true;
    }
    saveQuietly(new Saved(host, s.failures, s.level, s.timeouts, notBefore));
  }

  private void saveQuietly(Saved saved) {
    try {
      store.save(saved);
    } catch (IOException | RuntimeException e) {
      log.warn("{}: could not save the host's state (it is kept in memory): {}", host, e.toString());
    }
  }

  @Override
  public String toString() {
    Streak s = streak;
    return s == null
        ? "HostState[" + host + ", healthy]"
        : "HostState[" + host + ", failures=" + s.failures + ", wait=" + Durations.format(remainingWait().truncatedTo(ChronoUnit.MILLIS)) + "]";
  }

  /**
   * A host's state as kept across restarts.
   *
   * @param host the host
   * @param failures attempts that failed in a row; 0 with a null {@code notBefore} means healthy
   * @param level how many waits the streak has had
   * @param timeouts timeouts in the streak
   * @param notBefore no attempt before this instant, on the wall clock; null for none
   */
  public record Saved(String host, int failures, int level, int timeouts, Instant notBefore) {
    /** Checks the host. */
    public Saved {
      Objects.requireNonNull(host, "host");
    }

    /** Whether there is nothing to keep: no failures and no wait. */
    public boolean healthy() {
      return failures == 0 && notBefore == null;
    }
  }

  /**
   * Where host states are kept across restarts. The default is a file, {@code hosts}, in
   * {@code herdguard.state-dir}, shared by the processes of the installation; without a state
   * folder they live in memory. Implementations must be thread-safe.
   */
  public interface Store {

    /**
     * The state saved for {@code host}, if any.
     *
     * @throws IOException if it cannot be read; the host then starts afresh
     */
    Optional<Saved> load(String host) throws IOException;

    /**
     * Saves {@code state}, or forgets its host when {@link Saved#healthy()}.
     *
     * @throws IOException if it cannot be written; the state is kept in memory
     */
    void save(Saved state) throws IOException;

    /** A store that keeps nothing: every start begins afresh. */
    static Store none() {
      return NoStore.INSTANCE;
    }

    /**
     * A store in memory, for tests and simulations: a new {@link HerdGuard} built with the same
     * store continues where the last one stopped, as a restarted process does with the file.
     */
    static Store inMemory() {
      return new MemoryStore();
    }
  }

  private enum NoStore implements Store {
    INSTANCE;

    @Override
    public Optional<Saved> load(String host) {
      return Optional.empty();
    }

    @Override
    public void save(Saved state) {}
  }

  private static final class MemoryStore implements Store {
    private final Map<String, Saved> saved = new ConcurrentHashMap<>();

    @Override
    public Optional<Saved> load(String host) {
      return Optional.ofNullable(saved.get(host));
    }

    @Override
    public void save(Saved state) {
      if (state.healthy()) {
        saved.remove(state.host());
      } else {
        saved.put(state.host(), state);
      }
    }

    @Override
    public String toString() {
      return "HostState.Store.inMemory" + saved.keySet();
    }
  }

  /** The {@code herdguard.host.*} keys, read once per guard. */
  static final class Settings {
    final boolean enabled;
    final int minFailures;
    final long minStreakNanos;
    final long baseNanos;
    final double multiplier;
    final long maxWaitNanos;
    final long downMaxWaitNanos;
    final double spread;
    final double timeoutMultiplier;
    final long maxTimeoutNanos;
    final long userIntervalNanos;
    final Duration hintMax;
    final RetryAfter hints;
    /** The level at which the wait reaches {@code down-max-wait}. */
    final int downLevel;
    /** The level at which the wait reaches {@code max-wait}: no higher level is kept. */
    final int maxLevel;
    /** The longest wait this host can ask for; a saved one beyond it is cut. */
    final long longestWaitNanos;

    Settings(HerdGuardConfig c) {
      enabled = c.hostEnabled();
      minFailures = c.hostMinFailures();
      minStreakNanos = c.hostMinStreak().toNanos();
      baseNanos = c.hostBase().toNanos();
      multiplier = c.hostMultiplier();
      maxWaitNanos = c.hostMaxWait().toNanos();
      downMaxWaitNanos = Math.min(maxWaitNanos, c.hostDownMaxWait().toNanos());
      spread = c.hostSpread();
      timeoutMultiplier = c.hostTimeoutMultiplier();
      maxTimeoutNanos = c.hostMaxTimeout().toNanos();
      userIntervalNanos = c.hostUserInterval().toNanos();
      hintMax = c.retryAfterMax();
      hints = RetryAfter.of(c.retryAfterMax(), c.retryAfterSpread());
      downLevel = levelReaching(downMaxWaitNanos);
      maxLevel = levelReaching(maxWaitNanos);
      double widest = Math.max(spread, c.retryAfterSpread());
      longestWaitNanos = (long) (Math.max(maxWaitNanos, hintMax.toNanos()) * (1 + widest));
    }

    /** The wait before jitter at {@code level} (1 for the first), before the cap. */
    long waitAtLevel(int level) {
      double w = baseNanos * Math.pow(multiplier, Math.max(0, level - 1));
      return w >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) w;
    }

    private int levelReaching(long cap) {
      if (multiplier == 1 || cap <= baseNanos) {
        return 1;
      }
      // The first level whose wait reaches the cap, from a logarithm (built once per guard, and a
      // simulated fleet builds a million guards), then checked against waitAtLevel's rounding.
      int level = (int) Math.max(1, Math.min(200, Math.ceil(Math.log((double) cap / baseNanos) / Math.log(multiplier)) + 1));
      while (level > 1 && waitAtLevel(level - 1) >= cap) {
        level--;
      }
      while (level < 200 && waitAtLevel(level) < cap) {
        level++;
      }
      return level;
    }
  }
}

package dev.herdguard.examples.fleet;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.HostState;
import dev.herdguard.LoginFailedException;
import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import dev.herdguard.TokenStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * {@code patch-tuesday} (Skype, August 2007): a monthly patch reboots the whole fleet within ten
 * minutes, and every client that needs a login asks the same login server for one.
 *
 * <p>Reboots are front-loaded, as after a forced restart: most machines come back soon after the
 * patch's deadline and stragglers follow. A client's reboot time is drawn from an exponential
 * distribution of mean {@code --reboot-mean} cut at {@code --window}. Why not uniform: 100,000
 * reboots spread evenly over ten minutes ask 167 logins/s of a 500/s server, and no policy then
 * matters; the incident was the bunching. With the default mean, 2m30s, reboots start at 1.36 times
 * the login server's capacity and stay above it for the first 46 seconds. The same reboot times are played for every policy. A <em>warm</em> fleet has a stored token on every machine, issued at a
 * random moment of the last token lifetime; a <em>cold</em> one has none.
 *
 * <ul>
 *   <li>{@link Policy#NAIVE naive}: logs in at start, retries {@code --naive-retry} after a 503 or
 *       a timeout, keeps no token (so warm and cold are the same run).
 *   <li>{@link Policy#HERDGUARD herdguard}: at start, a real {@link TokenCache} loads the stored
 *       token; if it is still usable, the client is online and sends nothing. Otherwise the client
 *       waits its {@code StartupJitter} delay, then logs in through a real {@link HerdGuard}'s
 *       {@code operation("login").callAsync(...)} (breaker, backoff, budget, server hints); the
 *       outcome goes through the cache, whose failure backoff decides when the next login starts.
 * </ul>
 *
 * <p>The login function of a {@link TokenCache} is synchronous, and a simulated login takes
 * virtual time, so a client runs the guarded login first and then lets its cache adopt the outcome
 * at the same virtual instant: a login function that returns the token just obtained, or throws
 * the failure. The cache makes every decision it makes in production (install and plan the token,
 * or record the failure and when the next attempt may start) at the moment it would make it.
 *
 * <p>Not thread-safe: a run belongs to one thread; separate runs may go in parallel.
 */
public final class PatchTuesday {

  static final Instant EPOCH = Instant.parse("2007-08-16T03:00:00Z");

  // Event kinds, in the low 3 bits of an event; the client number is in the others.
  private static final int REBOOT = 0;
  private static final int CONTACT = 1;
  private static final int ANSWER = 2;
  private static final int TIMED_OUT = 3;
  private static final int NAIVE_SEND = 4;
  private static final int CRASH = 5;

  /**
   * The scenario's parameters.
   *
   * @param clients the fleet
   * @param window every reboot falls within this long after the patch's deadline
   * @param rebootMean the mean of the (cut) exponential distribution of reboot times
   * @param tokenLifetime lifetime of a stored token and of a new one
   * @param server the login server
   * @param naiveRetry the naive client's fixed wait after a failure
   * @param horizon how long the run lasts at most
   * @param seed the seed of every random draw
   * @param config herdguard's configuration
   * @param crashAfter a herdguard client's process exits this long after a failed login and starts
   *     again at once, keeping its state folder (crash-loop); null for never
   */
  public record Settings(
      int clients,
      Duration window,
      Duration rebootMean,
      Duration tokenLifetime,
      SimServer.Settings server,
      Duration naiveRetry,
      Duration horizon,
      long seed,
      HerdGuardConfig config,
      Duration crashAfter) {

    /** Settings without a crash loop. */
    public Settings(int clients, Duration window, Duration rebootMean, Duration tokenLifetime,
        SimServer.Settings server, Duration naiveRetry, Duration horizon, long seed, HerdGuardConfig config) {
      this(clients, window, rebootMean, tokenLifetime, server, naiveRetry, horizon, seed, config, null);
    }

    /**
     * {@code big-fleet}'s settings, as {@code bin/demo big-fleet} plays them: 1,000,000 clients
     * rebooting as in patch-tuesday, cold, against a login server of 500/s, sized for a tenth of the fleet.
     */
    public static Settings bigFleet(HerdGuardConfig config) {
      Settings d = defaults(1_000_000);
      SimServer.Settings server = SimServer.Settings.steady(500, 10_000, 0.01, Duration.ofSeconds(5), null);
      return new Settings(d.clients(), d.window(), d.rebootMean(), d.tokenLifetime(), server, d.naiveRetry(),
          Duration.ofMinutes(75), d.seed(), config);
    }

    /** The same settings with another herdguard configuration. */
    public Settings withConfig(HerdGuardConfig c) {
      return new Settings(clients, window, rebootMean, tokenLifetime, server, naiveRetry, horizon, seed, c, crashAfter);
    }

    /** The defaults of the issue, scaled to {@code clients} (capacity 500/s per 100,000 clients). */
    public static Settings defaults(int clients) {
      double capacity = 500.0 * clients / 100_000;
      return new Settings(clients, Duration.ofMinutes(10), Duration.ofSeconds(150), Duration.ofHours(24),
          SimServer.Settings.steady(capacity, (int) Math.round(capacity * 20), 0.01, Duration.ofSeconds(5), null),
          Duration.ofSeconds(2), Duration.ofMinutes(15), 2007, HerdGuardConfig.defaults());
    }

    String describe() {
      return String.format("%,d clients reboot within %s (front-loaded: mean %s); tokens live %s; %s; "
              + "naive retries every %s;%s seed %d",
          clients, Flags.format(window), Flags.format(rebootMean), Flags.format(tokenLifetime),
          server.describe(), Flags.format(naiveRetry),
          crashAfter == null ? "" : " a herdguard client's process exits " + Flags.format(crashAfter)
              + " after a failed login and restarts, keeping its state;", seed);
    }
  }

  /**
   * One run's outcome.
   *
   * @param policy the fleet's policy
   * @param warm whether machines kept a token across the restart
   * @param clients the fleet's size
   * @param requests requests the server received
   * @param logins logins that succeeded
   * @param peakLoad the busiest second's requests against capacity
   * @param online99Ms when 99% of the fleet was online, in ms after the deadline; -1 if not within the run
   * @param idealMs when 99% could have been online at best; see {@link #idealOnline99}
   * @param wasted share of the server's work that produced nothing
   * @param meanOnlineMs the mean time from a client's reboot to its being online, over clients online in the run
   * @param onlineShare the share of the fleet online at the end of each second
   * @param traffic the server's second-by-second record
   * @param wallMillis how long the run took, in real time
   */
  public record Result(
      Policy policy,
      boolean warm,
      int clients,
      long requests,
      long logins,
      double peakLoad,
      long online99Ms,
      long idealMs,
      double wasted,
      long meanOnlineMs,
      double[] onlineShare,
      Traffic traffic,
      long wallMillis) {

    /** Requests per successful login; infinite when none succeeded. */
    public double requestsPerLogin() {
      return logins == 0 ? Double.POSITIVE_INFINITY : (double) requests / logins;
    }

    /** {@link #online99Ms} over {@link #idealMs}; infinite when 99% were never online. */
    public double online99VsIdeal() {
      return online99Ms < 0 ? Double.POSITIVE_INFINITY : (double) online99Ms / idealMs;
    }

    /** The share of the fleet that logged in. */
    public double loginShare() {
      return (double) logins / clients;
    }
  }

  private final Settings s;
  private final Policy policy;
  private final boolean warm;
  private final VirtualScheduler scheduler = new VirtualScheduler(EPOCH);
  private final Traffic traffic;
  private final SimServer server;
  private final int[] rebootTick;
  private final long[] storedIssuedAt;
  private final int[] onlineTick;
  private final boolean[] neededLogin;
  private int online;
  private long restarts;

  // herdguard's side, per client, only while it is logging in.
  private GuardFactory guards;
  private SplittableRandom policyRandom;
  private TokenCache[] caches;
  private HerdGuard[] clientGuards;
  private Object[] outcomes;
  private CompletableFuture<?>[] inFlight;
  // Events for a client that are no longer its current ones (a restarted process's, a moved contact) are dropped.
  private int[] generation;
  private long[] expectedAnswer;
  private long[] expectedContact;
  private HostState.Store[] hostStores;

  private PatchTuesday(Settings s, Policy policy, boolean warm) {
    this.s = s;
    this.policy = policy;
    this.warm = warm;
    int seconds = (int) s.horizon().toSeconds();
    this.traffic = new Traffic(seconds, s.server().rejectCost());
    this.server = new SimServer(s.server(), traffic);
    SplittableRandom root = new SplittableRandom(s.seed());
    SplittableRandom reboots = root.split();
    SplittableRandom tokens = root.split();
    this.policyRandom = root.split();
    this.rebootTick = new int[s.clients()];
    this.storedIssuedAt = warm ? new long[s.clients()] : null;
    double mean = s.rebootMean().toMillis();
    double cut = 1 - Math.exp(-s.window().toMillis() / mean);
    long lifetime = s.tokenLifetime().toMillis();
    for (int i = 0; i < s.clients(); i++) {
      rebootTick[i] = (int) Math.floor(-mean * Math.log(1 - reboots.nextDouble() * cut));
      long age = (long) (tokens.nextDouble() * lifetime);
      if (warm) {
        storedIssuedAt[i] = -age;
      }
    }
    this.onlineTick = new int[s.clients()];
    Arrays.fill(onlineTick, -1);
    this.neededLogin = new boolean[s.clients()];
  }

  /** Plays the scenario once. */
  public static Result run(Settings s, Policy policy, boolean warm) {
    long start = System.nanoTime();
    PatchTuesday run = new PatchTuesday(s, policy, warm);
    run.play();
    return run.result((System.nanoTime() - start) / 1_000_000);
  }

  private void play() {
    scheduler.endAt(s.horizon().toMillis());
    if (policy == Policy.HERDGUARD) {
      guards = new GuardFactory(s.config(), scheduler, policyRandom);
      caches = new TokenCache[s.clients()];
      clientGuards = new HerdGuard[s.clients()];
      outcomes = new Object[s.clients()];
      inFlight = new CompletableFuture<?>[s.clients()];
      generation = new int[s.clients()];
      expectedAnswer = new long[s.clients()];
      expectedContact = new long[s.clients()];
      if (s.crashAfter() != null) {
        hostStores = new HostState.Store[s.clients()];
      }
      scheduler.setHandler(this::herdguardEvent);
    } else {
      scheduler.setHandler(this::naiveEvent);
    }
    for (int i = 0; i < s.clients(); i++) {
      scheduler.at(rebootTick[i], event(i, REBOOT));
    }
    scheduler.runUntil(s.horizon().toMillis(), () -> online == s.clients());
  }

  private static int event(int client, int kind) {
    return client << 3 | kind;
  }

  // ------------------------------------------------------------------ naive

  private void naiveEvent(int event) {
    int i = event >>> 3;
    neededLogin[i] = true; // no cache: every start logs in
    long now = scheduler.now();
    long answer = server.send(now);
    switch (server.outcome()) {
      case SimServer.OK -> online(i, answer);
      case SimServer.BUSY, SimServer.REFUSED -> scheduler.at(now + s.naiveRetry().toMillis(), event(i, NAIVE_SEND));
      default -> scheduler.at(answer + s.naiveRetry().toMillis(), event(i, NAIVE_SEND));
    }
  }

  private void online(int i, long tick) {
    if (tick < s.horizon().toMillis()) {
      onlineTick[i] = (int) tick;
      online++;
    }
  }

  // ------------------------------------------------------------------ herdguard

  private void herdguardEvent(int event) {
    int i = event >>> 3;
    switch (event & 7) {
      case REBOOT -> reboot(i);
      case CONTACT -> {
        if (scheduler.now() == expectedContact[i]) {
          login(i);
        }
      }
      case ANSWER, TIMED_OUT -> {
        if (inFlight[i] != null && scheduler.now() == expectedAnswer[i]) {
          answer(i, (event & 7) == ANSWER);
        }
      }
      case CRASH -> crash(i);
      default -> throw new IllegalStateException("event " + event);
    }
  }

  private void reboot(int i) {
    TokenStore store = TokenStore.none();
    if (warm) {
      Instant issued = EPOCH.plusMillis(storedIssuedAt[i]);
      store = GuardFactory.storedToken(
          Token.of("stored-" + i, issued.plus(s.tokenLifetime())).withIssuedAt(issued));
    }
    TokenCache cache = guards.tokenCache(previous -> adopt(i), store);
    if (cache.peek().isPresent()) {
      // The stored token is still usable: this client is online and sends nothing.
      cache.close();
      online(i, scheduler.now());
      return;
    }
    neededLogin[i] = true;
    caches[i] = cache;
    long delay = guards.startupDelay().toMillis();
    contactAt(i, scheduler.now() + delay);
  }

  private void contactAt(int i, long tick) {
    expectedContact[i] = tick;
    scheduler.at(tick, event(i, CONTACT));
  }

  private void login(int i) {
    HerdGuard guard = clientGuards[i];
    if (guard == null) {
      guard = clientGuards[i] = hostStores == null ? guards.guard() : guards.guard(hostStore(i));
    }
    int gen = generation[i];
    guard.operation("login")
        .callAsync(() -> gen == generation[i] ? attempt(i) : CompletableFuture.failedFuture(new CancellationException()))
        .handle((token, failure) -> {
          if (gen != generation[i]) {
            return null; // the process that made this call has exited
          }
          outcomes[i] = failure != null ? unwrap(failure) : token;
          return caches[i].getAsync().handle((t, e) -> adopted(i, e));
        });
  }

  private HostState.Store hostStore(int i) {
    HostState.Store store = hostStores[i];
    return store != null ? store : (hostStores[i] = HostState.Store.inMemory());
  }

  /** One attempt of a client's guarded login: a request to the server, answered in virtual time. */
  private CompletionStage<Token> attempt(int i) {
    long now = scheduler.now();
    // The attempt's timeout is the host state's: longer after timeouts, so a deep queue's answer is waited for.
    long timeout = clientGuards[i].host("login").attemptTimeout(s.server().timeout()).toMillis();
    long answer = server.send(now, timeout);
    if (server.outcome() == SimServer.BUSY) {
      return CompletableFuture.failedFuture(SimFailures.busy(server.retryAfter()));
    }
    if (server.outcome() == SimServer.REFUSED) {
      return CompletableFuture.failedFuture(SimFailures.REFUSED);
    }
    CompletableFuture<Token> f = new CompletableFuture<>();
    inFlight[i] = f;
    expectedAnswer[i] = answer;
    scheduler.at(answer, event(i, server.outcome() == SimServer.OK ? ANSWER : TIMED_OUT));
    return f;
  }

  /**
   * A crash-looping client's process exits, 30 s (or {@code crashAfter}) after a failed login, and
   * starts again at once: a new token cache and a new guard, with the host state it had saved.
   */
  private void crash(int i) {
    if (onlineTick[i] >= 0 || caches[i] == null) {
      return;
    }
    generation[i]++;
    CompletableFuture<?> f = inFlight[i];
    inFlight[i] = null;
    if (f != null) {
      f.cancel(false);
    }
    caches[i].close();
    caches[i] = null;
    clientGuards[i] = null;
    expectedContact[i] = -1;
    restarts++;
    reboot(i);
  }

  @SuppressWarnings("unchecked")
  private void answer(int i, boolean ok) {
    CompletableFuture<Token> f = (CompletableFuture<Token>) inFlight[i];
    inFlight[i] = null;
    if (ok) {
      Instant now = scheduler.clock().instant();
      f.complete(Token.of("session-" + i, now.plus(s.tokenLifetime())).withIssuedAt(now));
    } else {
      f.completeExceptionally(SimFailures.TIMEOUT);
    }
  }

  /** The cache's login function: hands it what the guarded login just got. */
  private Token adopt(int i) throws Exception {
    Object outcome = outcomes[i];
    outcomes[i] = null;
    if (outcome instanceof Token t) {
      return t;
    }
    if (outcome instanceof Exception e) {
      throw e;
    }
    throw new IllegalStateException("login outcome " + outcome);
  }

  private Void adopted(int i, Throwable failure) {
    if (failure == null) {
      online(i, scheduler.now());
      caches[i].close();
      caches[i] = null;
      clientGuards[i] = null;
      return null;
    }
    Throwable cause = unwrap(failure);
    if (!(cause instanceof LoginFailedException lfe)) {
      throw new IllegalStateException("unexpected token cache failure", cause);
    }
    // The cache's failure backoff says when a login may start again: round up, or the cache
    // would still refuse, a fraction of a millisecond early.
    contactAt(i, tickAtOrAfter(lfe.nextAttemptAt()));
    if (s.crashAfter() != null) {
      scheduler.at(scheduler.now() + s.crashAfter().toMillis(), event(i, CRASH));
    }
    return null;
  }

  /** The first tick at or after {@code instant}. */
  static long tickAtOrAfter(Instant instant) {
    long nanos = Duration.between(EPOCH, instant).toNanos();
    return Math.floorDiv(nanos + 999_999, 1_000_000);
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  // ------------------------------------------------------------------ figures

  private Result result(long wallMillis) {
    long[] ideal = idealOnlineTicks();
    return new Result(policy, warm, s.clients(), traffic.totalSent(), traffic.totalUseful(), traffic.peakLoad(),
        percentile99(onlineTick), percentile99(ideal), traffic.wastedShare(), meanOnline(), onlineShare(),
        traffic, wallMillis);
  }

  private long meanOnline() {
    double sum = 0;
    long n = 0;
    for (int i = 0; i < onlineTick.length; i++) {
      if (onlineTick[i] >= 0) {
        sum += onlineTick[i] - rebootTick[i];
        n++;
      }
    }
    return n == 0 ? -1 : Math.round(sum / n);
  }

  private double[] onlineShare() {
    double[] share = new double[traffic.seconds()];
    for (int t : onlineTick) {
      if (t >= 0 && t / 1000 < share.length) {
        share[t / 1000]++;
      }
    }
    double total = 0;
    for (int sec = 0; sec < share.length; sec++) {
      total += share[sec];
      share[sec] = total / s.clients();
    }
    return share;
  }

  /**
   * When each client could have been online at best: at its reboot if it needed no login,
   * otherwise when a server working flat out at capacity, serving logins in reboot order from the
   * moment each client rebooted, would have logged it in. When the whole fleet reboots at once this
   * is the "logins needed ÷ capacity"; when reboots are spread, no policy can beat the
   * reboots themselves, and this says so.
   */
  private long[] idealOnlineTicks() {
    return idealOnline99(rebootTick, neededLogin, s.server().capacity());
  }

  /** The best online times, in no particular order: only their 99th percentile is used. */
  static long[] idealOnline99(int[] reboot, boolean[] needsLogin, double capacity) {
    int n = reboot.length;
    long[] online = new long[n];
    int[] logins = new int[n];
    int count = 0;
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (needsLogin[i]) {
        logins[count++] = reboot[i];
      } else {
        online[k++] = reboot[i];
      }
    }
    Arrays.sort(logins, 0, count);
    double free = 0;
    for (int j = 0; j < count; j++) {
      free = Math.max(free, logins[j] / 1000.0) + 1 / capacity;
      online[k++] = (long) Math.ceil(free * 1000);
    }
    return online;
  }

  private long percentile99(int[] ticks) {
    long[] all = new long[ticks.length];
    for (int i = 0; i < ticks.length; i++) {
      all[i] = ticks[i] < 0 ? Long.MAX_VALUE : ticks[i];
    }
    return percentile99(all);
  }

  private static long percentile99(long[] ticks) {
    long[] sorted = ticks.clone();
    Arrays.sort(sorted);
    long t = sorted[(int) Math.ceil(0.99 * sorted.length) - 1];
    return t == Long.MAX_VALUE ? -1 : t;
  }
}

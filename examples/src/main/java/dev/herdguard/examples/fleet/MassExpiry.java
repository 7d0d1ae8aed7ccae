package dev.herdguard.examples.fleet;

import dev.herdguard.HerdGuardConfig;
import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;

/**
 * {@code mass-expiry} (Azure, February 2013): every credential of a fleet was issued within one
 * minute with the same lifetime, so every one of them comes up for renewal within the same minute.
 *
 * <ul>
 *   <li>{@link Policy#NAIVE naive}: renews its token a fixed {@code --naive-margin} before it
 *       expires, and retries every {@code --naive-retry} until the renewal succeeds.
 *   <li>{@link Policy#HERDGUARD herdguard}: each client holds a real {@link TokenCache}, which
 *       plans its proactive refresh at a random point between {@code herdguard.token.refresh-from}
 *       and {@code refresh-until} of the token's life and retries a failed refresh with its
 *       backoff while the old token keeps serving.
 * </ul>
 *
 * <p>A cache's login function is synchronous. The server's FIFO model knows at once how a request
 * will end, so the function sends the refresh and returns the new token (or throws the 503 or the
 * timeout) at the moment the request is sent, not when its answer would arrive: the cache's own
 * timeline is early by the request's wait (milliseconds to seconds, against an hour of lifetime);
 * the server's load is exact.
 *
 * <p>Every simulated second the run asks each cache whether it would hand out a token
 * ({@link TokenCache#peek()}); a client that ever has none counts as without a valid token. Each
 * cache's own timer and watchdog run on the virtual scheduler, once a second each, which is what
 * bounds this scenario's scale: it defaults to 10,000 clients.
 *
 * <p>Not thread-safe: a run belongs to one thread.
 */
public final class MassExpiry {

  static final Instant EPOCH = Instant.parse("2013-02-22T12:00:00Z");

  private static final int ISSUED = 0;
  private static final int NAIVE_SEND = 1;
  private static final int SAMPLE = 2;

  /**
   * The scenario's parameters.
   *
   * @param clients the fleet
   * @param issueWindow every token was issued within this long
   * @param lifetime every token's lifetime
   * @param server the token server
   * @param naiveMargin how long before expiry a naive client renews
   * @param naiveRetry the naive client's fixed wait after a failure
   * @param horizon how long the run lasts
   * @param seed the seed of every random draw
   * @param config herdguard's configuration
   */
  public record Settings(
      int clients,
      Duration issueWindow,
      Duration lifetime,
      SimServer.Settings server,
      Duration naiveMargin,
      Duration naiveRetry,
      Duration horizon,
      long seed,
      HerdGuardConfig config) {

    /** 1-hour tokens issued within a minute; capacity 500/s per 100,000 clients. */
    public static Settings defaults(int clients) {
      double capacity = 500.0 * clients / 100_000;
      return new Settings(clients, Duration.ofMinutes(1), Duration.ofHours(1),
          SimServer.Settings.steady(capacity, (int) Math.round(capacity * 20), 0.01, Duration.ofSeconds(5), null),
          Duration.ofMinutes(5), Duration.ofSeconds(2), Duration.ofMinutes(70), 2013, HerdGuardConfig.defaults());
    }

    String describe() {
      return String.format("%,d clients, tokens of %s all issued within %s; %s; naive renews %s before expiry "
              + "and retries every %s; seed %d", clients, Flags.format(lifetime), Flags.format(issueWindow),
          server.describe(), Flags.format(naiveMargin), Flags.format(naiveRetry), seed);
    }
  }

  /**
   * One run's outcome.
   *
   * @param policy the fleet's policy
   * @param clients the fleet's size
   * @param requests requests the server received
   * @param renewed renewals that succeeded
   * @param peakRate the most requests per second, averaged over the busiest minute
   * @param evenRate the rate if every renewal were spread evenly over the refresh window
   * @param withoutToken clients that at some second had no valid token
   * @param wasted share of the server's work that produced nothing
   * @param traffic the server's second-by-second record
   * @param wallMillis how long the run took, in real time
   */
  public record Result(
      Policy policy,
      int clients,
      long requests,
      long renewed,
      double peakRate,
      double evenRate,
      int withoutToken,
      double wasted,
      Traffic traffic,
      long wallMillis) {

    /** {@link #peakRate} over {@link #evenRate}. */
    public double peakVsEven() {
      return peakRate / evenRate;
    }
  }

  private final Settings s;
  private final Policy policy;
  private final VirtualScheduler scheduler = new VirtualScheduler(EPOCH);
  private final Traffic traffic;
  private final SimServer server;
  private final int[] issuedTick;
  private final SplittableRandom policyRandom;
  private final boolean[] lacked;
  private long renewed;

  private TokenCache[] caches;
  private GuardFactory factory;
  private long[] expiresTick;

  private MassExpiry(Settings s, Policy policy) {
    this.s = s;
    this.policy = policy;
    this.traffic = new Traffic((int) s.horizon().toSeconds(), s.server().rejectCost());
    this.server = new SimServer(s.server(), traffic);
    SplittableRandom root = new SplittableRandom(s.seed());
    SplittableRandom issue = root.split();
    this.policyRandom = root.split();
    this.issuedTick = new int[s.clients()];
    for (int i = 0; i < s.clients(); i++) {
      issuedTick[i] = (int) (issue.nextDouble() * s.issueWindow().toMillis());
    }
    this.lacked = new boolean[s.clients()];
  }

  /** Plays the scenario once. */
  public static Result run(Settings s, Policy policy) {
    long start = System.nanoTime();
    MassExpiry run = new MassExpiry(s, policy);
    run.play();
    return run.result((System.nanoTime() - start) / 1_000_000);
  }

  private void play() {
    if (policy == Policy.HERDGUARD) {
      factory = new GuardFactory(s.config(), scheduler, policyRandom);
      caches = new TokenCache[s.clients()];
    } else {
      expiresTick = new long[s.clients()];
    }
    scheduler.endAt(s.horizon().toMillis());
    scheduler.setHandler(this::event);
    for (int i = 0; i < s.clients(); i++) {
      scheduler.at(issuedTick[i], i << 2 | ISSUED);
    }
    scheduler.at(s.issueWindow().toMillis(), SAMPLE);
    // Once every token has been renewed, nothing is due before the horizon but watchdogs.
    scheduler.runUntil(s.horizon().toMillis(), () -> renewed >= s.clients());
    if (caches != null) {
      for (TokenCache c : caches) {
        c.close();
      }
    }
  }

  private void event(int event) {
    int i = event >>> 2;
    switch (event & 3) {
      case ISSUED -> issued(i);
      case NAIVE_SEND -> naiveSend(i);
      default -> sample();
    }
  }

  private void issued(int i) {
    Instant now = scheduler.clock().instant();
    Token token = Token.of("issued-" + i, now.plus(s.lifetime())).withIssuedAt(now);
    if (policy == Policy.HERDGUARD) {
      // The token the mass issue handed out, kept where the cache finds it at start.
      caches[i] = factory.tokenCache(previous -> refresh(i), GuardFactory.storedToken(token));
    } else {
      expiresTick[i] = scheduler.now() + s.lifetime().toMillis();
      scheduler.at(expiresTick[i] - s.naiveMargin().toMillis(), i << 2 | NAIVE_SEND);
    }
  }

  /** The cache's login function: one request to the token server, answered at once (see the class). */
  private Token refresh(int i) throws Exception {
    long now = scheduler.now();
    server.send(now);
    switch (server.outcome()) {
      case SimServer.OK -> {
        renewed++;
        Instant at = scheduler.clock().instant();
        return Token.of("renewed-" + i + "-" + now, at.plus(s.lifetime())).withIssuedAt(at);
      }
      case SimServer.BUSY -> throw SimFailures.busy(server.retryAfter());
      default -> throw SimFailures.TIMEOUT;
    }
  }

  private void naiveSend(int i) {
    long now = scheduler.now();
    long answer = server.send(now);
    switch (server.outcome()) {
      case SimServer.OK -> {
        if (answer > expiresTick[i]) {
          lacked[i] = true;
        }
        if (answer < s.horizon().toMillis()) {
          renewed++;
        }
        expiresTick[i] = answer + s.lifetime().toMillis();
        scheduler.at(expiresTick[i] - s.naiveMargin().toMillis(), i << 2 | NAIVE_SEND);
      }
      case SimServer.BUSY -> scheduler.at(now + s.naiveRetry().toMillis(), i << 2 | NAIVE_SEND);
      default -> scheduler.at(answer + s.naiveRetry().toMillis(), i << 2 | NAIVE_SEND);
    }
  }

  /** Once a second: which clients have no token they could use now. */
  private void sample() {
    long now = scheduler.now();
    for (int i = 0; i < s.clients(); i++) {
      if (policy == Policy.HERDGUARD ? caches[i].peek().isEmpty() : now >= expiresTick[i]) {
        lacked[i] = true;
      }
    }
    scheduler.at(now + 1000, SAMPLE);
  }

  private Result result(long wallMillis) {
    int without = 0;
    for (boolean b : lacked) {
      if (b) {
        without++;
      }
    }
    double window = (s.config().tokenRefreshUntil() - s.config().tokenRefreshFrom()) * s.lifetime().toSeconds();
    return new Result(policy, s.clients(), traffic.totalSent(), renewed, traffic.peakRate(60),
        s.clients() / window, without, traffic.wastedShare(), traffic, wallMillis);
  }
}

package dev.herdguard;

import dev.herdguard.internal.DefaultTokenCache;
import dev.herdguard.internal.Durations;
import dev.herdguard.internal.MonotonicClock;
import dev.herdguard.internal.Randoms;
import dev.herdguard.internal.TokenCacheSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Holds one login token, so that a fleet of clients does not log in all at once: a restarted client
 * with a valid stored token sends no login, one client sends one login however many of its threads
 * need a token, and tokens issued together are not renewed together.
 *
 * <ul>
 *   <li><b>Hit.</b> {@link #get()} on a valid token is one volatile read: no lock, no wait, not
 *       even a clock read. The cache's scheduler withdraws the token when it turns stale (see
 *       below); until then every caller gets it.
 *   <li><b>Single flight.</b> While no valid token exists, exactly one login runs, on the cache's
 *       executor; every caller waits for that one (each with its own bounded wait) and gets the
 *       same token or the same failure. A slow login never lets a second one start: a caller whose
 *       wait runs out gets {@link TokenWaitTimeoutException} and the login goes on.
 *   <li><b>Proactive refresh.</b> Each token gets one refresh instant, drawn at random between
 *       {@code refresh-from} and {@code refresh-until} of its lifetime (default 75% and 90%). The
 *       refresh runs in the background while the current token keeps serving, and keeps serving
 *       while the refresh fails, until the token has less than {@code min-remaining} left.
 *   <li><b>Failure backoff.</b> After a failed login every caller gets that failure at once ({@link
 *       LoginFailedException}) until the next attempt is due, after a delay from the {@link
 *       Backoff}; a login that answers 403 costs the server one request per delay, not one per call.
 *   <li><b>Invalidate.</b> {@link #invalidate(Token)} after a 401 drops the token only if it is
 *       still the current one, so a late 401 on an old token never throws away a fresh one.
 *   <li><b>Expiry alarm.</b> When the token has less than {@code expiry-warning} left and its
 *       refresh keeps failing (two attempts in a row have failed, or one has and the next would
 *       come after the token turns stale), the cache logs a WARN with the time left and calls
 *       {@link HerdGuardListener#onTokenExpiryWarning}, once per token. A single failed refresh
 *       is logged at INFO: the token still serves.
 *   <li><b>Persistence.</b> A {@link TokenStore} (a file: {@link Builder#withFile}) keeps the token
 *       across restarts and lets processes on one machine share it.
 * </ul>
 *
 * <p><b>Margins scale with the lifetime.</b> The lifetime {@code L} runs from the token's {@link
 * Token#issuedAt()} (or its arrival) to its {@link Token#expiresAt()}. A token is <em>stale</em>,
 * no longer handed out, from {@code expiresAt - min(min-remaining, L/10)}; the expiry warning starts
 * at {@code expiresAt - min(expiry-warning, L/4)}; the refresh window is {@code [from·L, until·L]}.
 * With the defaults a 1-hour token refreshes between minute 45 and 54 and is stale 30 s before its
 * expiry; a 60-second token refreshes between second 45 and 54 and is stale 6 s before expiry; a
 * 24-hour token refreshes between hour 18 and 21.6 and is stale 30 s before expiry. A token that
 * arrives without an expiry gets {@code default-lifetime}; one that arrives already expired, or so
 * close to expiry that it would be stale at once, is an error of the login function, and counts
 * as a failed login. So is a token whose value an HTTP header cannot carry (a line break or other
 * control character other than tab, a character outside US-ASCII, a leading or trailing space or
 * tab): OkHttp and {@code java.net.http} refuse such a header, so the token could serve no call; the
 * failure's message says which kind of character, and where, never the value. Such a token is
 * neither cached nor stored, and a token file that holds one is set aside. A token loaded from the store late in its life is refreshed at a random point
 * of what is left of its window, so a fleet that restarts together does not refresh together.
 *
 * <p><b>Timeliness.</b> Because a hit reads no clock, the token is withdrawn by a task on the
 * executor at its stale instant, and a watchdog on the executor compares the wall clock every
 * second. A token is therefore handed out at most about a second (plus the executor's delay) past
 * its stale instant, which the {@code min-remaining} margin absorbs; after a machine wakes from
 * sleep, during which monotonic timers may not run, within a second of the executor's threads
 * resuming. Calls that miss always read the clock. A token the server rejects anyway should be
 * passed to {@link #invalidate(Token)}.
 *
 * <p>Thread-safe. Login functions run on the executor, never on a caller's thread and never twice
 * at once; no monitor is held while waiting, so callers may be virtual threads. Dependent stages
 * added to {@link #getAsync()}'s future without an executor may run on the cache's thread: use the
 * {@code *Async} variants with your own executor for slow work.
 */
public interface TokenCache extends AutoCloseable {

  /**
   * Obtains a token from the login server.
   *
   * <p>Called on the cache's executor, one call at a time per cache (and per token file, across
   * processes). It should bound its own duration (an HTTP timeout): the cache never starts a second
   * login because the first is slow.
   */
  @FunctionalInterface
  interface Login {
    /**
     * Logs in.
     *
     * @param previous the last token this cache held, even if it expired or was invalidated, so
     *     that a refresh grant can use its attributes; empty at the first login
     * @return the new token; without an expiry it gets {@code default-lifetime}
     * @throws Exception if the login failed; callers then get a {@link LoginFailedException}
     */
    Token login(Optional<Token> previous) throws Exception;
  }

  /**
   * A builder for a cache that logs in with {@code login}.
   *
   * @param login the login function
   * @return a builder with the defaults of the {@code herdguard.token.*} keys
   * @throws NullPointerException if {@code login} is null
   */
  static Builder builder(Login login) {
    return new Builder(login);
  }

  /**
   * The token, logging in if no valid one is held, waiting at most the cache's {@linkplain
   * Builder#withMaxWait default wait}. A hit takes no lock and reads no clock.
   *
   * @return a valid token
   * @throws LoginFailedException if the last login failed and the next attempt is not due yet, or
   *     if the login this call waited for failed
   * @throws TokenWaitTimeoutException if the login did not finish within the wait
   * @throws IllegalStateException if the cache is closed
   * @throws InterruptedException if interrupted while waiting
   */
  Token get() throws InterruptedException;

  /**
   * The token, logging in if no valid one is held, waiting at most {@code maxWait}.
   *
   * @param maxWait the longest this call waits for a login; {@code 0} waits not at all
   * @return a valid token
   * @throws LoginFailedException if the last login failed and the next attempt is not due yet, or
   *     if the login this call waited for failed
   * @throws TokenWaitTimeoutException if the login did not finish within {@code maxWait}
   * @throws IllegalArgumentException if {@code maxWait} is negative
   * @throws IllegalStateException if the cache is closed
   * @throws InterruptedException if interrupted while waiting
   */
  Token get(Duration maxWait) throws InterruptedException;

  /**
   * The token as a future: complete at once on a hit, otherwise when the running (or a new) login
   * finishes. It fails with {@link LoginFailedException}, or {@link IllegalStateException} if the
   * cache is or gets closed. Cancelling it affects this caller only.
   *
   * @return a future of a valid token
   */
  CompletableFuture<Token> getAsync();

  /**
   * The token callers would get now, without logging in or waiting.
   *
   * @return the current valid token, or empty
   */
  Optional<Token> peek();

  /**
   * Drops {@code token} if it is still the current token, typically after the server answered 401
   * to a request that carried it; the next {@link #get()} logs in. A token that has already been
   * replaced is left alone, so a late 401 on an old token does not throw away a fresh one. Tokens
   * are compared by value.
   *
   * @param token the rejected token
   * @return true if it was the current token and is now dropped
   * @throws NullPointerException if {@code token} is null
   */
  boolean invalidate(Token token);

  /**
   * Stops the cache: cancels its timers, fails pending waits with {@link IllegalStateException},
   * and shuts down the executor if the cache created it. The stored token stays stored. Calling it
   * again does nothing.
   */
  @Override
  void close();

  /**
   * Builds a {@link TokenCache}. Setters check their argument for null at once; {@link #build()}
   * checks the values together. When a setting is set twice the last call wins; {@link #withStore}
   * and {@link #withFile} set the same thing.
   *
   * <p>Not thread-safe: build on one thread.
   */
  final class Builder {
    private final Login login;
    private InstantSource clock = InstantSource.system();
    private LongSupplier ticker;
    private boolean clockGiven;
    private RandomGenerator random = Randoms.threadLocal();
    private ScheduledExecutorService executor;
    private TokenStore store = TokenStore.none();
    private Backoff backoff = Backoff.decorrelatedJitter(Duration.ofMillis(500), Duration.ofSeconds(60));
    private double refreshFrom = 0.75;
    private double refreshUntil = 0.9;
    private Duration minRemaining = Duration.ofSeconds(30);
    private Duration defaultLifetime = Duration.ofHours(1);
    private Duration expiryWarning = Duration.ofMinutes(15);
    private Duration maxWait = Duration.ofSeconds(30);
    private HerdGuardListener listener = HerdGuardListener.NONE;

    private Builder(Login login) {
      this.login = Objects.requireNonNull(login, "login");
    }

    /**
     * The clock that token expiries are compared with. Default: the system clock.
     *
     * @return this builder
     */
    public Builder withClock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      this.clockGiven = true;
      return this;
    }

    /**
     * The monotonic ticker, in nanoseconds, that the wait after a failed login is measured on, so
     * that a wall clock stepped back cannot lock logins out. Default {@code System::nanoTime}, or
     * the clock given to {@link #withClock} (a simulation on virtual time).
     *
     * @return this builder
     */
    public Builder withTicker(LongSupplier nanoTicker) {
      this.ticker = Objects.requireNonNull(nanoTicker, "nanoTicker");
      return this;
    }

    /**
     * The source of the refresh instants' and the backoff's draws. The cache draws only while
     * holding its own lock, so a generator that is not thread-safe (a seeded {@code
     * SplittableRandom}) may be given, as long as nothing else uses it. Default: a thread-safe
     * generator over {@code ThreadLocalRandom}.
     *
     * @return this builder
     */
    public Builder withRandom(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * The executor that runs logins and refreshes and times the refresh and the stale instant. It
     * should have at least two threads, so that a slow login does not delay the timer that
     * withdraws a stale token. The cache does not shut it down. Default: a daemon scheduler of two
     * threads that the cache creates and {@link TokenCache#close()} shuts down.
     *
     * @return this builder
     */
    public Builder withExecutor(ScheduledExecutorService executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Where the token is kept across restarts. Default: {@link TokenStore#none()}.
     *
     * @return this builder
     */
    public Builder withStore(TokenStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * Keeps the token in a file: the same as {@code withStore(TokenStore.file(file))}. The {@code
     * herdguard.token.file} key; by default {@code <state-dir>/token} in a {@code HerdGuard}.
     *
     * @return this builder
     */
    public Builder withFile(Path file) {
      return withStore(TokenStore.file(Objects.requireNonNull(file, "file")));
    }

    /**
     * The delays between failed logins. Default: decorrelated jitter from 500 ms up to 60 s (the
     * {@code herdguard.backoff.*} defaults).
     *
     * @return this builder
     */
    public Builder withBackoff(Backoff backoff) {
      this.backoff = Objects.requireNonNull(backoff, "backoff");
      return this;
    }

    /**
     * The part of a token's lifetime in which its proactive refresh is drawn: {@code
     * herdguard.token.refresh-from} and {@code herdguard.token.refresh-until}. Default: 0.75 and
     * 0.9. {@link #build()} requires {@code 0 < from < until <= 1}.
     *
     * @return this builder
     */
    public Builder withRefreshWindow(double from, double until) {
      this.refreshFrom = from;
      this.refreshUntil = until;
      return this;
    }

    /**
     * {@code herdguard.token.min-remaining}: a token with less than this left is no longer handed
     * out. Scaled down for short tokens to a tenth of the lifetime. Default: 30 s. Must be {@code
     * >= 0}.
     *
     * @return this builder
     */
    public Builder withMinRemaining(Duration minRemaining) {
      this.minRemaining = Objects.requireNonNull(minRemaining, "minRemaining");
      return this;
    }

    /**
     * {@code herdguard.token.default-lifetime}: the lifetime of a token that arrives without an
     * expiry. Default: 1 h. Must be {@code > 0}.
     *
     * @return this builder
     */
    public Builder withDefaultLifetime(Duration defaultLifetime) {
      this.defaultLifetime = Objects.requireNonNull(defaultLifetime, "defaultLifetime");
      return this;
    }

    /**
     * {@code herdguard.token.expiry-warning}: warn when the token has less than this left and its
     * refresh keeps failing. Scaled down for short tokens to a quarter of the lifetime. Default:
     * 15 min. Must be {@code >= 0}; {@code 0} turns the warning off.
     *
     * @return this builder
     */
    public Builder withExpiryWarning(Duration expiryWarning) {
      this.expiryWarning = Objects.requireNonNull(expiryWarning, "expiryWarning");
      return this;
    }

    /**
     * How long {@link TokenCache#get()} waits for a login. Default: 30 s. Must be {@code >= 0}.
     *
     * @return this builder
     */
    public Builder withMaxWait(Duration maxWait) {
      this.maxWait = Objects.requireNonNull(maxWait, "maxWait");
      return this;
    }

    /**
     * Receives logins, failures, expiry warnings and store failures. Default: {@link
     * HerdGuardListener#NONE}.
     *
     * @return this builder
     */
    public Builder withListener(HerdGuardListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Checks the settings and builds the cache. Loads the stored token, if any: a still-valid one
     * is used at once, without a login; a stored token that cannot be read is set aside with a
     * warning, as if absent.
     *
     * @return a new cache; close it when done
     * @throws IllegalArgumentException naming every setting out of range, its value and the rule
     */
    public TokenCache build() {
      List<String> problems = new ArrayList<>();
      if (!(refreshFrom > 0.0 && refreshFrom < 1.0)) {
        problems.add("token.refresh-from (" + refreshFrom + ") must be > 0 and < 1");
      }
      if (!(refreshUntil > 0.0 && refreshUntil <= 1.0)) {
        problems.add("token.refresh-until (" + refreshUntil + ") must be > 0 and <= 1");
      }
      if (problems.isEmpty() && !(refreshFrom < refreshUntil)) {
        problems.add("token.refresh-until (" + refreshUntil + ") must be > token.refresh-from ("
            + refreshFrom + ")");
      }
      if (minRemaining.isNegative()) {
        problems.add("token.min-remaining (" + Durations.format(minRemaining) + ") must be >= 0");
      }
      if (defaultLifetime.isNegative() || defaultLifetime.isZero()) {
        problems.add("token.default-lifetime (" + Durations.format(defaultLifetime) + ") must be > 0");
      }
      if (expiryWarning.isNegative()) {
        problems.add("token.expiry-warning (" + Durations.format(expiryWarning) + ") must be >= 0");
      }
      if (maxWait.isNegative()) {
        problems.add("token cache maxWait (" + Durations.format(maxWait) + ") must be >= 0");
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(String.join("; ", problems));
      }
      return new DefaultTokenCache(new TokenCacheSettings(
          login, clock, ticker != null ? ticker : clockGiven ? MonotonicClock.tickerOf(clock) : System::nanoTime,
          random, executor, store, backoff, refreshFrom, refreshUntil,
          minRemaining, defaultLifetime, expiryWarning, maxWait, listener));
    }
  }
}

package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.internal.TokenPlan;
import dev.herdguard.testing.FakeClock;
import dev.herdguard.testing.FakeScheduler;
import dev.herdguard.testing.HybridScheduler;
import dev.herdguard.testing.LogCapture;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TokenCacheTest {

  private static final long SEED = 7;

  private final FakeClock clock = new FakeClock();
  private final Instant t0 = clock.instant();
  private final FakeScheduler scheduler = new FakeScheduler(clock);
  private final TestLogin login = new TestLogin(clock);
  private final RecordingListener events = new RecordingListener();
  private final List<TokenCache> caches = new ArrayList<>();
  private ExecutorService realThreads;

  @AfterEach
  void closeAll() {
    caches.forEach(TokenCache::close);
    if (realThreads != null) {
      realThreads.shutdownNow();
    }
  }

  private TokenCache.Builder builder() {
    return TokenCache.builder(login)
        .withClock(clock)
        .withExecutor(scheduler)
        .withRandom(new SplittableRandom(SEED))
        .withListener(events);
  }

  private TokenCache build(TokenCache.Builder b) {
    TokenCache cache = b.build();
    caches.add(cache);
    return cache;
  }

  /** The token, letting the login run on virtual time. */
  private Token fetch(TokenCache cache) {
    CompletableFuture<Token> f = cache.getAsync();
    scheduler.runDue();
    assertTrue(f.isDone(), "the login ran");
    return f.join();
  }

  private static LoginFailedException failureOf(CompletableFuture<Token> f) {
    assertTrue(f.isCompletedExceptionally(), "failed at once");
    CompletionException e = assertThrows(CompletionException.class, f::join);
    return assertInstanceOf(LoginFailedException.class, e.getCause());
  }

  private HybridScheduler hybrid() {
    realThreads = Executors.newFixedThreadPool(2);
    return new HybridScheduler(realThreads, scheduler);
  }

  private Token issue(int n) {
    return Token.of("secret-token-" + n, clock.instant().plus(Duration.ofHours(1)));
  }

  @Test
  void firstCallLogsInOnceAndEveryLaterCallHits() throws Exception {
    TokenCache cache = build(builder());
    CompletableFuture<Token> f = cache.getAsync();
    assertFalse(f.isDone());
    assertEquals(Optional.empty(), cache.peek());
    scheduler.runDue();
    Token token = f.join();
    assertEquals("secret-token-1", token.value());
    assertEquals(Optional.of(t0), token.issuedAt());
    assertEquals(Optional.of(t0.plus(Duration.ofHours(1))), token.expiresAt());
    for (int i = 0; i < 1_000; i++) {
      assertSame(token, cache.get());
      assertSame(token, cache.get(Duration.ZERO));
      assertSame(token, cache.getAsync().getNow(null));
    }
    assertEquals(Optional.of(token), cache.peek());
    assertEquals(1, login.calls());
    assertEquals(List.of(Optional.empty()), login.previous);
    assertEquals(List.of(Duration.ofHours(1)), events.logins);
  }

  @Test
  void refreshRunsAtTheInstantDrawnInTheWindowAndGetsThePreviousToken() throws Exception {
    TokenCache cache = build(builder());
    Token first = fetch(cache);
    // The cache's first draw plans the first token's refresh.
    double u = new SplittableRandom(SEED).nextDouble();
    Instant refreshAt = TokenPlan.of(t0, t0.plus(Duration.ofHours(1)), t0, 0.75, 0.9,
        Duration.ofSeconds(30), Duration.ofMinutes(15), u).refreshAt();
    assertTrue(!refreshAt.isBefore(t0.plus(Duration.ofMinutes(45))) && refreshAt.isBefore(t0.plus(Duration.ofMinutes(54))),
        refreshAt.toString());

    scheduler.advance(Duration.between(t0, refreshAt).minusMillis(1));
    assertEquals(1, login.calls());
    assertSame(first, cache.get());
    scheduler.advance(Duration.ofMillis(1));
    assertEquals(2, login.calls());
    Token second = cache.get();
    assertEquals("secret-token-2", second.value());
    assertEquals(Optional.of(first), login.previous.get(1));
    assertEquals(List.of(), events.expiryWarnings);
  }

  @Test
  void currentTokenServesWhileItsRefreshFailsUntilOnlyMinRemainingIsLeft() throws Exception {
    TokenCache cache = build(builder().withBackoff(Backoff.exponential(Duration.ofMillis(500), Duration.ofSeconds(10))));
    Token first = fetch(cache);
    login.failWith = new IOException("login server down");
    scheduler.advance(Duration.ofMinutes(59).plusSeconds(29));
    assertTrue(login.calls() > 2, "the refresh was retried in the background: " + login.calls());
    assertSame(first, cache.get(), "30 s and 1 ms left: still served");

    scheduler.advance(Duration.ofSeconds(1));
    assertEquals(Optional.empty(), cache.peek());
    int calls = login.calls();
    LoginFailedException e = failureOf(cache.getAsync());
    assertEquals(calls, login.calls(), "the failure came at once, without a login");
    assertTrue(e.nextAttemptAt().isAfter(clock.instant()));
    assertEquals("login server down", e.getCause().getMessage());
    assertThrows(LoginFailedException.class, () -> cache.get(Duration.ofSeconds(5)));

    // The server recovers: the background retry, due before the token expires, renews it.
    login.failWith = null;
    assertTrue(e.nextAttemptAt().isBefore(t0.plus(Duration.ofHours(1))));
    scheduler.advance(Duration.between(clock.instant(), e.nextAttemptAt()));
    Token renewed = cache.get(Duration.ZERO);
    assertNotEquals(first.value(), renewed.value());
    assertEquals(Optional.of(first), login.previous.get(login.previous.size() - 1));
  }

  @Test
  void currentTokenServesWhileTheRefreshRunsAndStaleCallersWaitForThatRefresh() throws Exception {
    CountDownLatch refreshEntered = new CountDownLatch(1);
    CountDownLatch releaseRefresh = new CountDownLatch(1);
    login.behaviour = (n, prev) -> {
      if (n == 2) {
        refreshEntered.countDown();
        assertTrue(releaseRefresh.await(30, TimeUnit.SECONDS));
      }
      return issue(n);
    };
    HybridScheduler hybrid = hybrid();
    TokenCache cache = build(builder().withExecutor(hybrid));
    Token first = cache.get(Duration.ofSeconds(30));

    hybrid.advance(Duration.ofMinutes(55));
    assertTrue(refreshEntered.await(30, TimeUnit.SECONDS));
    assertSame(first, cache.get(Duration.ZERO), "refresh running: the current token serves");
    assertEquals(2, login.calls());

    hybrid.advance(Duration.ofMinutes(4).plusSeconds(30)); // stale now, refresh still running
    CompletableFuture<Token> waiting = cache.getAsync();
    assertThrows(TokenWaitTimeoutException.class, () -> cache.get(Duration.ZERO));
    assertEquals(2, login.calls(), "a stale token makes callers wait for the refresh, not start another");
    releaseRefresh.countDown();
    assertEquals("secret-token-2", waiting.get(30, TimeUnit.SECONDS).value());
    assertEquals(2, login.calls());
  }

  @Test
  void failedLoginIsAnsweredAtOnceUntilTheBackoffAllowsTheNextAttempt() {
    // A misconfigured login answering 403, called every 100 ms for 10 minutes: the server sees
    // one attempt per backoff delay (0.5, 1, 2 ... 60 s), not 6,000.
    TokenCache cache = build(builder().withBackoff(Backoff.exponential(Duration.ofMillis(500), Duration.ofSeconds(60))));
    login.failWith = new IOException("HTTP 403 Forbidden");
    List<Duration> attemptsAt = new ArrayList<>();
    for (int i = 0; i < 6_000; i++) {
      CompletableFuture<Token> f = cache.getAsync();
      if (!f.isDone()) {
        attemptsAt.add(Duration.between(t0, clock.instant()));
        scheduler.runDue();
      }
      LoginFailedException e = failureOf(f);
      assertEquals("HTTP 403 Forbidden", e.getCause().getMessage());
      assertEquals(attemptsAt.size(), e.failures());
      scheduler.advance(Duration.ofMillis(100));
    }
    assertEquals(16, login.calls());
    List<Duration> expected = new ArrayList<>();
    for (double s : new double[] {0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5, 63.5, 123.5, 183.5, 243.5, 303.5, 363.5, 423.5, 483.5, 543.5}) {
      expected.add(Duration.ofMillis((long) (s * 1000)));
    }
    assertEquals(expected, attemptsAt);
    assertEquals(Duration.ofMillis(500), events.failures.get(0));
    assertEquals(Duration.ofSeconds(60), events.failures.get(15));
  }

  @Test
  void successAfterFailuresStartsTheBackoffAgain() {
    TokenCache cache = build(builder().withBackoff(Backoff.exponential(Duration.ofMillis(500), Duration.ofSeconds(60))));
    login.failWith = new IOException("down");
    for (int i = 0; i < 3; i++) {
      CompletableFuture<Token> f = cache.getAsync();
      scheduler.runDue();
      LoginFailedException e = failureOf(f);
      scheduler.advance(Duration.between(clock.instant(), e.nextAttemptAt()));
    }
    login.failWith = null;
    Token token = fetch(cache);
    assertTrue(cache.invalidate(token));
    login.failWith = new IOException("down again");
    CompletableFuture<Token> f = cache.getAsync();
    scheduler.runDue();
    assertEquals(clock.instant().plusMillis(500), failureOf(f).nextAttemptAt());
  }

  @Test
  void invalidateDropsOnlyTheCurrentToken() throws Exception {
    TokenCache cache = build(builder());
    Token first = fetch(cache);
    scheduler.advance(Duration.ofMinutes(55)); // refreshed by now
    Token second = cache.get();
    assertEquals("secret-token-2", second.value());

    assertFalse(cache.invalidate(first), "a late 401 on the old token");
    assertSame(second, cache.get());
    assertEquals(2, login.calls());

    assertTrue(cache.invalidate(Token.of(second.value(), Instant.EPOCH)), "compared by value");
    assertEquals(Optional.empty(), cache.peek());
    assertFalse(cache.invalidate(second), "already dropped");
    Token third = fetch(cache);
    assertEquals("secret-token-3", third.value());
    assertEquals(Optional.of(second), login.previous.get(2));
  }

  @Test
  void tokenWithoutExpiryGetsTheDefaultLifetime() throws Exception {
    login.behaviour = (n, prev) -> Token.withoutExpiry("secret-plain-" + n);
    TokenCache cache = build(builder().withDefaultLifetime(Duration.ofMinutes(10)));
    Token token = fetch(cache);
    assertEquals(Optional.of(t0.plus(Duration.ofMinutes(10))), token.expiresAt());
    assertEquals(Optional.of(t0), token.issuedAt());
    scheduler.advance(Duration.ofMinutes(7).plusSeconds(29));
    assertEquals(1, login.calls());
    scheduler.advance(Duration.ofMinutes(1).plusSeconds(31)); // 9:00, the window's end
    assertEquals(2, login.calls());
  }

  @Test
  void tokenThatArrivesExpiredIsAnErrorOfTheLoginFunction() {
    login.behaviour = (n, prev) -> Token.of("secret-stale", clock.instant().minusSeconds(1));
    TokenCache cache = build(builder());
    CompletableFuture<Token> f = cache.getAsync();
    scheduler.runDue();
    LoginFailedException e = failureOf(f);
    assertEquals("the login function returned a token that had already expired (expires at "
        + t0.minusSeconds(1) + ", now " + t0 + ")", e.getCause().getMessage());
    assertTrue(e.getMessage().contains("had already expired"), e.getMessage());
    failureOf(cache.getAsync());
    assertEquals(1, login.calls(), "the backoff applies as to any failed login");
  }

  @Test
  void tokenThatArrivesInsideTheMarginIsAnErrorOfTheLoginFunction() {
    login.behaviour = (n, prev) -> Token.of("secret-late", clock.instant().plusSeconds(10))
        .withIssuedAt(clock.instant().minus(Duration.ofHours(1)));
    TokenCache cache = build(builder());
    CompletableFuture<Token> f = cache.getAsync();
    scheduler.runDue();
    assertEquals("the login function returned a token that expires at " + t0.plusSeconds(10) + ", only 10s from now, "
        + "inside the margin of token.min-remaining (30s, at most a tenth of its lifetime): it could not be used",
        failureOf(f).getCause().getMessage());
  }

  @Test
  void sixtySecondTokenIsServedUntilATenthOfItsLifeIsLeft() throws Exception {
    login.lifetime = Duration.ofSeconds(60);
    TokenCache cache = build(builder());
    Token first = fetch(cache);
    login.failWith = new IOException("down");
    scheduler.advance(Duration.ofMillis(44_999));
    assertEquals(1, login.calls(), "no refresh before 45 s");
    scheduler.advance(Duration.ofSeconds(9)); // 53.999 s
    assertTrue(login.calls() >= 2, "refreshed within [45 s, 54 s)");
    assertSame(first, cache.get(Duration.ZERO), "6 s left: served, although min-remaining is 30 s");
    scheduler.advance(Duration.ofMillis(1));
    assertEquals(Optional.empty(), cache.peek());
    scheduler.advance(Duration.ofMillis(5_999)); // 59.999 s
    assertEquals(1, events.expiryWarnings.size());
    assertTrue(events.expiryWarnings.get(0).compareTo(Duration.ofSeconds(15)) <= 0, events.expiryWarnings.toString());
  }

  @Test
  void twentyFourHourTokenRefreshesLateInItsLifeAndKeepsThirtySecondsOfMargin() throws Exception {
    login.lifetime = Duration.ofHours(24);
    TokenCache cache = build(builder());
    Token first = fetch(cache);
    login.failWith = new IOException("down");
    scheduler.advance(Duration.ofHours(18).minusMillis(1));
    assertEquals(1, login.calls(), "no refresh before 18 h");
    scheduler.advance(Duration.ofMinutes(3 * 60 + 36)); // 21.6 h
    assertTrue(login.calls() >= 2, "refreshed within [18 h, 21.6 h)");
    assertEquals(List.of(), events.expiryWarnings, "no warning while more than 15 min is left");
    scheduler.advance(Duration.between(clock.instant(), t0.plus(Duration.ofHours(24)).minusSeconds(30).minusMillis(1)));
    assertSame(first, cache.get(Duration.ZERO));
    assertEquals(1, events.expiryWarnings.size());
    scheduler.advance(Duration.ofMillis(1));
    assertEquals(Optional.empty(), cache.peek());
  }

  @Test
  void expiryWarningComesOncePerTokenWithTheTimeLeft() throws Exception {
    TokenCache cache;
    try (LogCapture logs = new LogCapture()) {
      cache = build(builder());
      fetch(cache);
      login.failWith = new IOException("down");
      scheduler.advance(Duration.ofMinutes(59).plusSeconds(59));
      assertEquals(1, events.expiryWarnings.size());
      Duration left = events.expiryWarnings.get(0);
      // Two failures in a row inside the last 15 minutes (the refresh window starts there).
      assertTrue(left.compareTo(Duration.ofMinutes(15)) <= 0 && left.compareTo(Duration.ofMinutes(5)) > 0, left.toString());
      List<String> warnings = logs.lines("and its refresh keeps failing");
      assertEquals(1, warnings.size(), logs.text());
      assertTrue(warnings.get(0).contains("WARN"), warnings.get(0));
      String expected = "token expires in " + dev.herdguard.internal.Durations.human(left)
          + " (at " + t0.plus(Duration.ofHours(1)) + ")";
      assertTrue(warnings.get(0).contains(expected), warnings.get(0));
    }
    // The next token gets its own warning. (Two minutes: past the token's expiry and the backoff.)
    scheduler.advance(Duration.ofMinutes(2));
    login.failWith = null;
    fetch(cache);
    login.failWith = new IOException("down");
    scheduler.advance(Duration.ofMinutes(59));
    assertEquals(2, events.expiryWarnings.size());
  }

  @Test
  void refreshThatReturnsNoNewerTokenCountsAsAFailureNotAsAStormOfRefreshes() throws Exception {
    Instant expiry = t0.plus(Duration.ofHours(1));
    List<Instant> loginsAt = new CopyOnWriteArrayList<>();
    login.behaviour = (n, prev) -> {
      loginsAt.add(clock.instant());
      return Token.of("secret-same", expiry); // a server that hands out its cached token
    };
    TokenCache cache = build(builder());
    Token first = fetch(cache);
    scheduler.advance(Duration.ofMinutes(59).plusSeconds(29));
    assertSame(first, cache.get(Duration.ZERO));
    for (int i = 1; i < loginsAt.size(); i++) {
      assertTrue(Duration.between(loginsAt.get(i - 1), loginsAt.get(i)).compareTo(Duration.ofMillis(500)) >= 0,
          "logins at " + loginsAt);
    }
    assertTrue(loginsAt.size() > 2);
    assertTrue(events.failureCauses.stream().allMatch(c -> c.getMessage().endsWith("the refresh made no progress")));
    assertEquals(1, events.expiryWarnings.size());
  }

  @Test
  void callerChoosesHowLongToWaitAndAnExpiredWaitStartsNoSecondLogin() throws Exception {
    TokenCache cache = build(builder());
    assertThrows(TokenWaitTimeoutException.class, () -> cache.get(Duration.ZERO));
    TokenWaitTimeoutException e = assertThrows(TokenWaitTimeoutException.class, () -> cache.get(Duration.ofMillis(1)));
    assertEquals(Duration.ofMillis(1), e.waited());
    assertThrows(TokenWaitTimeoutException.class, () -> cache.get(Duration.ZERO));
    assertEquals(1, scheduler.pending(), "one login queued");
    scheduler.runDue();
    assertEquals(1, login.calls());
    assertEquals("secret-token-1", cache.get(Duration.ZERO).value());
    assertThrows(IllegalArgumentException.class, () -> cache.get(Duration.ofMillis(-1)));
  }

  @Test
  void slowLoginOnARealThreadIsWaitedForNeverOvertaken() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    login.behaviour = (n, prev) -> {
      assertTrue(release.await(30, TimeUnit.SECONDS));
      return issue(n);
    };
    TokenCache cache = build(builder().withExecutor(hybrid()));
    ExecutorService callers = Executors.newFixedThreadPool(8);
    try {
      List<Future<Class<?>>> outcomes = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        outcomes.add(callers.submit(() -> {
          try {
            cache.get(Duration.ofMillis(20));
            return null;
          } catch (RuntimeException e) {
            return e.getClass();
          }
        }));
      }
      for (Future<Class<?>> o : outcomes) {
        assertEquals(TokenWaitTimeoutException.class, o.get(30, TimeUnit.SECONDS));
      }
      assertEquals(1, login.calls());
      release.countDown();
      assertEquals("secret-token-1", cache.get(Duration.ofSeconds(30)).value());
      assertEquals(1, login.calls());
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void cancellingOneCallersFutureLeavesTheOthersAlone() {
    TokenCache cache = build(builder());
    CompletableFuture<Token> a = cache.getAsync();
    CompletableFuture<Token> b = cache.getAsync();
    assertTrue(a.cancel(true));
    scheduler.runDue();
    assertEquals("secret-token-1", b.join().value());
    assertEquals(1, login.calls());
  }

  @Test
  void tokenThatExpiredWhileTheMachineSleptIsDroppedWhenTheExecutorWakesAndNotRefreshedInTheBackground() {
    TokenCache cache = build(builder());
    Token first = fetch(cache);
    // Suspend: the wall clock jumps two hours, the executor's timers are late.
    clock.set(t0.plus(Duration.ofHours(2)));
    scheduler.runDue();
    assertEquals(Optional.empty(), cache.peek());
    assertEquals(1, login.calls(), "a dead token is replaced on demand, not by a background login");
    assertEquals("secret-token-2", fetch(cache).value());
    assertEquals(Optional.of(first), login.previous.get(1));
  }

  @Test
  void closeFailsPendingCallsAndLeavesNoTimers() throws Exception {
    TokenCache cache = build(builder());
    fetch(cache);
    assertTrue(cache.invalidate(cache.get()));
    CompletableFuture<Token> pending = cache.getAsync();
    cache.close();
    CompletionException e = assertThrows(CompletionException.class, pending::join);
    assertEquals("token cache is closed", e.getCause().getMessage());
    assertThrows(IllegalStateException.class, cache::get);
    assertInstanceOf(IllegalStateException.class, assertThrows(CompletionException.class, () -> cache.getAsync().join()).getCause());
    scheduler.runDue(); // the queued login finds the cache closed
    assertEquals(0, scheduler.pending());
    assertFalse(cache.invalidate(Token.of("secret-token-2", Instant.MAX)));
    assertEquals(Optional.empty(), cache.peek());
    cache.close();
  }

  @Test
  void listenerThatThrowsDoesNotBreakTheCache() throws Exception {
    TokenCache cache = build(builder().withListener(new HerdGuardListener() {
      @Override
      public void onLogin(Duration lifetime) {
        throw new IllegalStateException("listener bug");
      }
    }));
    assertEquals("secret-token-1", fetch(cache).value());
    assertEquals("secret-token-1", cache.get().value());
  }

  @Test
  void tokenValuesAppearInNoLogLineExceptionMessageOrToString() throws Exception {
    List<String> texts = new ArrayList<>();
    try (LogCapture logs = new LogCapture()) {
      TokenStore failingStore = new TokenStore() {
        @Override
        public Optional<Token> load() {
          return Optional.empty();
        }

        @Override
        public void save(Token token) throws IOException {
          throw new IOException("disk full while writing " + token.value());
        }

        @Override
        public void clear() {}
      };
      TokenCache cache = build(builder()
          .withStore(failingStore)
          .withBackoff(Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(60))));
      Token first = fetch(cache);
      texts.add(first.toString());
      texts.add(cache.toString());
      login.behaviour = (n, prev) -> {
        throw new IOException("server rejected refresh_token " + prev.get().attribute("refresh_token").get()
            + " of " + prev.get().value());
      };
      scheduler.advance(Duration.ofMinutes(59).plusSeconds(45));
      LoginFailedException failed = failureOf(cache.getAsync());
      texts.add(failed.getMessage());
      texts.add(failed.toString());
      try {
        cache.get(Duration.ZERO);
      } catch (LoginFailedException e) {
        texts.add(e.getMessage());
      }
      scheduler.advance(Duration.ofMinutes(5)); // expired: the next call logs in, with the old token as previous
      CompletableFuture<Token> afterExpiry = cache.getAsync();
      scheduler.runDue();
      texts.add(failureOf(afterExpiry).getMessage());
      texts.add(logs.text());
      assertTrue(logs.text().contains("server rejected refresh_token *** of ***"), logs.text());
    }
    texts.add(new TokenWaitTimeoutException(Duration.ofSeconds(1)).getMessage());
    for (String text : texts) {
      assertFalse(text.contains("secret-token-"), text);
      assertFalse(text.contains("secret-refresh-"), text);
    }
    assertFalse(events.storeFailures.isEmpty());
  }
}

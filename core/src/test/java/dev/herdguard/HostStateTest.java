package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.testing.FakeClock;
import dev.herdguard.testing.FakeScheduler;
import dev.herdguard.testing.FixedRandom;
import dev.herdguard.testing.LogCapture;
import dev.herdguard.testing.OwnerOnly;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host state's rules on a fake clock: exact waits for given draws, the weighing of signals,
 * reset on success, hints, patience, persistence, the user's override, and a busy healthy host
 * that is never slowed.
 */
class HostStateTest {

  private final FakeClock clock = new FakeClock();
  /** The monotonic ticker, apart from the wall clock so that tests can move them apart. */
  private final AtomicLong ticker = new AtomicLong(1_000_000_000_000L);
  private final FakeScheduler scheduler = new FakeScheduler(clock);
  private final List<Duration> sleeps = new ArrayList<>();
  private final List<String> hostWaits = new ArrayList<>();
  private HostState.Store store = HostState.Store.none();

  private final HerdGuardListener recorder = new HerdGuardListener() {
    @Override
    public void onHostWait(String host, int failures, Duration wait) {
      hostWaits.add(host + " " + failures + " " + wait.toMillis() + "ms");
    }
  };

  /** Moves both clocks, as real time does. */
  private void advance(Duration d) {
    clock.advance(d);
    ticker.addAndGet(d.toNanos());
  }

  private HerdGuard guard(HerdGuardConfig.Builder config) {
    return HerdGuard.builder(config.withStartupMaxDelay(Duration.ZERO).build())
        .withClock(clock)
        .withTicker(ticker::get)
        .withRandom(new FixedRandom(0.5))
        .withScheduler(scheduler)
        .withListener(recorder)
        .withHostStore(store)
        .withSleeper(nanos -> {
          sleeps.add(Duration.ofNanos(nanos));
          advance(Duration.ofNanos(nanos));
        })
        .build();
  }

  /** One attempt per call, so that what is measured is the host state across calls; waits doubling, for round numbers. */
  private static HerdGuardConfig.Builder oneAttempt() {
    return HerdGuardConfig.builder().withRetryMaxAttempts(1).withHostMultiplier(2);
  }

  private static void fail(GuardedOperation op, Exception failure) {
    assertThrows(Exception.class, () -> op.call(() -> {
      throw failure;
    }));
  }

  @Test
  void waitsGrowFromTheBaseWithEachFailureOfAStreakUpToTheCap() {
    HerdGuard guard = guard(oneAttempt());
    GuardedOperation op = guard.operation("login", "auth.example.com");
    HostState host = guard.host("auth.example.com");
    assertSame(host, op.host());
    fail(op, new SocketTimeoutException("read timed out"));
    assertEquals(Duration.ZERO, host.remainingWait(), "one failure is not a streak");
    advance(Duration.ofSeconds(1));
    List<Long> waits = new ArrayList<>();
    for (int n = 0; n < 12; n++) {
      fail(op, new SocketTimeoutException("read timed out"));
      waits.add(host.remainingWait().toMillis());
      advance(host.remainingWait());
    }
    // u = 0.5 draws the middle of [w/2, 3w/2]: exactly w = 1s * 2^(n-1), capped at 5m.
    assertEquals(List.of(1_000L, 2_000L, 4_000L, 8_000L, 16_000L, 32_000L, 64_000L, 128_000L, 256_000L,
        300_000L, 300_000L, 300_000L), waits);
    assertEquals(13, host.consecutiveFailures());
  }

  @Test
  void theWaitIsDrawnWithinItsSpread() {
    HerdGuard low = HerdGuard.builder(oneAttempt().withStartupMaxDelay(Duration.ZERO).build())
        .withClock(clock).withTicker(ticker::get).withRandom(new FixedRandom(0)).build();
    GuardedOperation op = low.operation("login");
    fail(op, new SocketTimeoutException());
    advance(Duration.ofSeconds(1));
    fail(op, new SocketTimeoutException());
    assertEquals(Duration.ofMillis(500), op.host().remainingWait(), "u = 0 draws w * (1 - 0.5)");
  }

  @Test
  void aBusyHostThatFailsSomeCallsAtRandomIsNeverSlowed() throws Exception {
    // 1,000 calls a second for two minutes, 5% failing at random: successes between the failures.
    HerdGuard guard = guard(oneAttempt());
    GuardedOperation op = guard.operation("api", "api.example.com");
    SplittableRandom random = new SplittableRandom(42);
    int failures = 0;
    for (int call = 0; call < 120_000; call++) {
      assertEquals(Duration.ZERO, op.host().remainingWait());
      boolean fails = random.nextDouble() < 0.05;
      failures += fails ? 1 : 0;
      try {
        op.call(() -> {
          if (fails) {
            throw new SocketTimeoutException("read timed out");
          }
          return "ok";
        });
      } catch (HerdGuardException expected) {
        assertEquals(HerdGuardException.Reason.RETRIES_EXHAUSTED, expected.reason());
      }
      advance(Duration.ofMillis(1));
    }
    assertTrue(failures > 5_500, "failures: " + failures);
    assertEquals(List.of(), hostWaits);
    assertEquals(List.of(), sleeps, "no call was delayed");
  }

  @Test
  void aSuccessEndsTheStreak() {
    HerdGuard guard = guard(oneAttempt());
    GuardedOperation op = guard.operation("login");
    fail(op, new SocketTimeoutException());
    advance(Duration.ofSeconds(2));
    fail(op, new SocketTimeoutException());
    assertEquals(Duration.ofSeconds(1), op.host().remainingWait());
    advance(Duration.ofSeconds(1));
    assertEquals("ok", assertDoesNotThrowCall(op));
    assertEquals(0, op.host().consecutiveFailures());
    assertEquals(Duration.ZERO, op.host().remainingWait());
    assertEquals(Duration.ofSeconds(5), op.host().attemptTimeout(Duration.ofSeconds(5)));
    // A new streak starts from the base again.
    fail(op, new SocketTimeoutException());
    advance(Duration.ofSeconds(2));
    fail(op, new SocketTimeoutException());
    assertEquals(Duration.ofSeconds(1), op.host().remainingWait());
  }

  private static String assertDoesNotThrowCall(GuardedOperation op) {
    try {
      return op.call(() -> "ok");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void refusedConnectionsGrowTheWaitOnlyToDownMaxWait() {
    HerdGuard guard = guard(oneAttempt());
    GuardedOperation op = guard.operation("login");
    fail(op, new ConnectException("Connection refused"));
    advance(Duration.ofSeconds(1));
    List<Long> waits = new ArrayList<>();
    for (int n = 0; n < 10; n++) {
      fail(op, new ConnectException("Connection refused"));
      waits.add(op.host().remainingWait().toMillis());
      advance(op.host().remainingWait());
    }
    assertEquals(List.of(1_000L, 2_000L, 4_000L, 8_000L, 16_000L, 30_000L, 30_000L, 30_000L, 30_000L, 30_000L),
        waits, "a down server costs nothing: 30s at most");
    // When it comes back overloaded, the wait grows on from there, not from a level reached while down.
    fail(op, new SocketTimeoutException());
    assertEquals(Duration.ofSeconds(64), op.host().remainingWait());
    // A refused connection says nothing of the server's queue: it does not grow the patience.
    assertEquals(Duration.ofSeconds(10), op.host().attemptTimeout(Duration.ofSeconds(5)));
  }

  @Test
  void patienceGrowsWithTimeoutsAndBusyAnswersUpToMaxTimeout() {
    HerdGuard guard = guard(oneAttempt());
    GuardedOperation op = guard.operation("login");
    HostState host = op.host();
    Duration usual = Duration.ofSeconds(5);
    assertEquals(usual, host.attemptTimeout(usual));
    List<Long> timeouts = new ArrayList<>();
    for (int n = 0; n < 6; n++) {
      fail(op, n % 2 == 0 ? new SocketTimeoutException() : new ServerBusyException("503", null));
      timeouts.add(host.attemptTimeout(usual).toSeconds());
      advance(Duration.ofSeconds(1).plus(host.remainingWait()));
    }
    assertEquals(List.of(10L, 20L, 40L, 60L, 60L, 60L), timeouts);
    assertEquals(Duration.ofMinutes(2), host.attemptTimeout(Duration.ofMinutes(2)), "never below the usual one");
    assertThrows(IllegalArgumentException.class, () -> host.attemptTimeout(Duration.ofSeconds(-1)));
  }

  @Test
  void attemptsInFlightTogetherCountOnce() throws Exception {
    HerdGuard guard = guard(HerdGuardConfig.builder().withRetryMaxAttempts(1).withHostMinFailures(1)
        .withHostMinStreak(Duration.ZERO));
    GuardedOperation op = guard.operation("login");
    // Three calls in flight at once, all failing: one round, so the wait grows once.
    List<CompletableFuture<String>> answers = new ArrayList<>();
    List<CompletableFuture<String>> calls = new ArrayList<>();
    for (int n = 0; n < 3; n++) {
      CompletableFuture<String> answer = new CompletableFuture<>();
      answers.add(answer);
      calls.add(op.callAsync(() -> answer));
    }
    answers.forEach(a -> a.completeExceptionally(new SocketTimeoutException()));
    assertEquals(1, op.host().consecutiveFailures());
    assertEquals(Duration.ofSeconds(1), op.host().remainingWait());
    calls.forEach(c -> assertTrue(c.isCompletedExceptionally()));
  }

  @Test
  void aServerHintGatesEveryOperationTowardsTheHost() throws Exception {
    HerdGuard guard = guard(oneAttempt());
    GuardedOperation login = guard.operation("login", "auth.example.com");
    GuardedOperation refresh = guard.operation("refresh", "auth.example.com");
    fail(login, new ServerBusyException("503", Duration.ofSeconds(30)));
    // The hint is spread over [h, 1.2h]: u = 0.5 draws 33s.
    assertEquals(Duration.ofSeconds(33), refresh.host().remainingWait());
    assertEquals("ok", refresh.call(() -> "ok"));
    assertEquals(List.of(Duration.ofSeconds(33)), sleeps, "the other operation's first attempt waited for the hint");
    // A hint longer than retry.retry-after.max still gates the host, for the max.
    fail(login, new ServerBusyException("503", Duration.ofDays(3)));
    assertEquals(Duration.ofMinutes(11), login.host().remainingWait());
  }

  @Test
  void aHintOnAnAnswerThatIsNotAFailureOutlivesTheSuccess() throws Exception {
    HerdGuard guard = guard(oneAttempt());
    GuardedOperation op = guard.operation("updates", "updates.example.com");
    assertEquals("200", op.call(() -> {
      op.host().obeyHint(Duration.ofSeconds(100));
      return "200";
    }));
    assertEquals(Duration.ofSeconds(110), op.host().remainingWait());
    assertEquals(0, op.host().consecutiveFailures());
  }

  @Test
  void aWaitInAMessageOrToStringReadsAsAPersonWritesItNeverInIso() {
    HerdGuard guard = guard(oneAttempt().withRetryMaxDuration(Duration.ofSeconds(20)));
    GuardedOperation op = guard.operation("login");
    op.host().obeyHint(Duration.ofSeconds(60));
    // A real ticker is never on a millisecond: 66s less 1.234567ms is left.
    advance(Duration.ofNanos(1_234_567));
    try (LogCapture logs = new LogCapture()) {
      HerdGuardException e = assertThrows(HerdGuardException.class, () -> op.call(() -> "never"));
      assertTrue(e.getMessage().contains("next attempt in 65998ms"), e.getMessage());
      for (String text : List.of(e.getMessage(), op.host().toString(), logs.text())) {
        assertFalse(text.matches("(?s).*\\bPT\\d.*"), text);
      }
    }
  }

  @Test
  void aBlockingCallWhoseWaitEndsAfterMaxDurationStopsAtOnceWithTheTimeLeft() {
    HerdGuard guard = guard(oneAttempt().withRetryMaxDuration(Duration.ofSeconds(20)));
    GuardedOperation op = guard.operation("login");
    op.host().obeyHint(Duration.ofSeconds(60));
    HerdGuardException e = assertThrows(HerdGuardException.class, () -> op.call(() -> "never"));
    assertEquals(HerdGuardException.Reason.HOST_WAIT, e.reason());
    assertEquals(Optional.of(Duration.ofSeconds(66)), e.retryAfter());
    assertTrue(e.getMessage().contains("login: login asked for a wait; next attempt in "), e.getMessage());
    assertEquals(List.of(), sleeps);
  }

  @Test
  void aCallerWithADeadlineGetsTheTimeLeftInsteadOfAWait() {
    HerdGuard guard = guard(oneAttempt());
    GuardedOperation op = guard.operation("login");
    op.host().obeyHint(Duration.ofSeconds(10));
    HerdGuardException e = assertThrows(HerdGuardException.class, () -> op.call(() -> "never",
        new GuardedOperation.RetryControl() {
          @Override
          public Optional<String> refuseWait(long delayNanos) {
            return Optional.of("the call's timeout ends first");
          }

          @Override
          public void await(long delayNanos) {
            throw new AssertionError("must not wait");
          }
        }));
    assertEquals(HerdGuardException.Reason.HOST_WAIT, e.reason());
    assertEquals(Optional.of(Duration.ofSeconds(11)), e.retryAfter());
    assertTrue(e.getMessage().endsWith("and the call's timeout ends first"), e.getMessage());
  }

  @Test
  void anAsyncCallIsScheduledPastTheWaitWithoutBlocking() throws Exception {
    HerdGuard guard = guard(oneAttempt());
    GuardedOperation op = guard.operation("login");
    op.host().obeyHint(Duration.ofSeconds(10));
    AtomicInteger attempts = new AtomicInteger();
    CompletableFuture<String> f = op.callAsync(() -> {
      attempts.incrementAndGet();
      return CompletableFuture.completedFuture("ok");
    });
    assertFalse(f.isDone());
    assertEquals(0, attempts.get());
    // The scheduler runs on the wall-and-ticker clock of the fake scheduler: move both.
    ticker.addAndGet(Duration.ofSeconds(11).toNanos());
    scheduler.advance(Duration.ofSeconds(11));
    assertEquals("ok", f.get());
    assertEquals(1, attempts.get());
  }

  @Test
  void aWallClockSteppedBackDoesNotLengthenTheWait() {
    HerdGuard guard = guard(oneAttempt());
    GuardedOperation op = guard.operation("login");
    fail(op, new SocketTimeoutException());
    advance(Duration.ofSeconds(1));
    fail(op, new SocketTimeoutException());
    clock.set(clock.instant().minus(Duration.ofHours(1)));
    assertEquals(Duration.ofSeconds(1), op.host().remainingWait());
    ticker.addAndGet(Duration.ofSeconds(1).toNanos());
    assertEquals(Duration.ZERO, op.host().remainingWait());
  }

  @Test
  void aUserMayGoPastTheWaitOncePerUserInterval() throws Exception {
    HerdGuard guard = guard(oneAttempt());
    GuardedOperation op = guard.operation("login");
    op.host().obeyHint(Duration.ofMinutes(5));
    assertTrue(op.host().userRetryNow());
    assertEquals(Duration.ZERO, op.host().remainingWait());
    fail(op, new SocketTimeoutException());
    assertTrue(op.host().remainingWait().compareTo(Duration.ZERO) == 0 || op.host().consecutiveFailures() == 1);
    op.host().obeyHint(Duration.ofMinutes(5));
    advance(Duration.ofSeconds(59));
    assertFalse(op.host().userRetryNow(), "a second click within host.user-interval");
    assertTrue(op.host().remainingWait().compareTo(Duration.ofMinutes(4)) > 0);
    advance(Duration.ofSeconds(1));
    assertTrue(op.host().userRetryNow(), "a minute later");
    assertEquals("ok", op.call(() -> "ok"));
    assertEquals(List.of(), sleeps);
  }

  @Test
  void theStateSurvivesARestartThroughItsStore() {
    store = HostState.Store.inMemory();
    HerdGuard first = guard(oneAttempt());
    GuardedOperation op = first.operation("login", "auth.example.com");
    fail(op, new SocketTimeoutException());
    advance(Duration.ofSeconds(1));
    for (int n = 0; n < 5; n++) {
      fail(op, new SocketTimeoutException());
      advance(op.host().remainingWait());
    }
    fail(op, new SocketTimeoutException());
    assertEquals(Duration.ofSeconds(32), op.host().remainingWait());
    advance(Duration.ofSeconds(12));

    // The process restarts: a new guard, the same store, a ticker that starts elsewhere.
    ticker.set(42);
    HerdGuard second = guard(oneAttempt());
    HostState host = second.host("auth.example.com");
    assertEquals(Duration.ofSeconds(20), host.remainingWait(), "goes on where it stopped");
    assertEquals(7, host.consecutiveFailures());
    advance(host.remainingWait());
    fail(second.operation("login", "auth.example.com"), new SocketTimeoutException());
    assertEquals(Duration.ofSeconds(64), host.remainingWait(), "and on growing, not from the base");
    assertEquals("ok", assertDoesNotThrowCall(second.operation("login", "auth.example.com")));
    assertEquals(Duration.ZERO, guard(oneAttempt()).host("auth.example.com").remainingWait(),
        "a success is saved too");
  }

  @Test
  void aSavedWaitFurtherAheadThanTheLongestPossibleIsCut() {
    store = HostState.Store.inMemory();
    try {
      store.save(new HostState.Saved("auth.example.com", 9, 9, 0, clock.instant().plus(Duration.ofDays(300))));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    try (LogCapture logs = new LogCapture()) {
      HostState host = guard(oneAttempt()).host("auth.example.com");
      // The longest: max(host.max-wait 5m, retry-after.max 10m) * (1 + the wider spread 0.5).
      assertEquals(Duration.ofMinutes(15), host.remainingWait());
      assertEquals(1, logs.lines("WARN").size(), logs.text());
      assertTrue(logs.text().contains("cut to 15m"), logs.text());
    }
  }

  @Test
  void hostStateOffLeavesEveryCallToItself() {
    HerdGuard guard = guard(oneAttempt().withHostEnabled(false));
    GuardedOperation op = guard.operation("login");
    for (int n = 0; n < 10; n++) {
      fail(op, new SocketTimeoutException());
      advance(Duration.ofSeconds(1));
    }
    assertEquals(Duration.ZERO, op.host().remainingWait());
    assertEquals(Duration.ofSeconds(5), op.host().attemptTimeout(Duration.ofSeconds(5)));
    assertEquals(List.of(), sleeps);
  }

  // ------------------------------------------------------------------ the file

  @Test
  void theFileInTheStateFolderIsSharedByTheProcessesOfAnInstallation(@TempDir Path dir) throws IOException {
    Path hosts = dir.resolve("hosts");
    HostState.Store a = new dev.herdguard.internal.HostStateFile(hosts);
    HostState.Store b = new dev.herdguard.internal.HostStateFile(hosts);
    Instant until = Instant.parse("2026-11-10T09:00:00Z");
    a.save(new HostState.Saved("auth.example.com", 3, 2, 1, until));
    b.save(new HostState.Saved("updates.example.com", 5, 4, 0, null));
    assertEquals(Optional.of(new HostState.Saved("auth.example.com", 3, 2, 1, until)), b.load("auth.example.com"));
    assertEquals(5, a.load("updates.example.com").orElseThrow().failures());
    if (Files.getFileStore(hosts).supportsFileAttributeView("posix")) {
      assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(hosts)));
    }
    a.save(new HostState.Saved("auth.example.com", 0, 0, 0, null));
    assertEquals(Optional.empty(), b.load("auth.example.com"));
    assertTrue(b.load("updates.example.com").isPresent());
  }

  @Test
  void aGuardWithAStateFolderKeepsItsHostsThere(@TempDir Path dir) {
    HerdGuardConfig.Builder config = oneAttempt().withStateDir(dir);
    HerdGuard first = HerdGuard.builder(config.withStartupMaxDelay(Duration.ZERO).build())
        .withClock(clock).withTicker(ticker::get).withRandom(new FixedRandom(0.5)).build();
    first.host("auth.example.com").obeyHint(Duration.ofSeconds(100));
    HerdGuard second = HerdGuard.builder(config.build())
        .withClock(clock).withTicker(ticker::get).withRandom(new FixedRandom(0.5)).build();
    assertEquals(Duration.ofSeconds(110), second.host("auth.example.com").remainingWait());
    assertTrue(Files.exists(dir.resolve("hosts")));
  }

  @Test
  void aDamagedFileIsSetAsideWithAWarning(@TempDir Path dir) throws IOException {
    Path hosts = dir.resolve("hosts");
    OwnerOnly.set(Files.writeString(hosts, "herdguard-hosts 1\nauth.example.com 3 2 1 -\ncrc32 00000000\n",
        StandardCharsets.UTF_8));
    try (LogCapture logs = new LogCapture()) {
      assertEquals(Optional.empty(), new dev.herdguard.internal.HostStateFile(hosts).load("auth.example.com"));
      assertTrue(logs.text().contains("checksum does not match"), logs.text());
    }
    assertFalse(Files.exists(hosts));
    try (var listing = Files.list(dir)) {
      assertTrue(listing.anyMatch(p -> p.getFileName().toString().startsWith("hosts.bad-")));
    }
  }

  @Test
  void aHostFileOthersCanReadIsRefusedAndSetAside(@TempDir Path dir) throws IOException {
    Path hosts = dir.resolve("hosts");
    HostState.Store store = new dev.herdguard.internal.HostStateFile(hosts);
    store.save(new HostState.Saved("auth.example.com", 3, 2, 1, null));
    if (!Files.getFileStore(hosts).supportsFileAttributeView("posix")) {
      return;
    }
    Files.setPosixFilePermissions(hosts, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    try (LogCapture logs = new LogCapture()) {
      assertEquals(Optional.empty(), store.load("auth.example.com"));
      assertEquals(1, logs.lines("WARN").size(), logs.text());
    }
    assertFalse(Files.exists(hosts));
  }

  @Test
  void anUnreadableStoreStartsTheHostAfresh() {
    store = new HostState.Store() {
      @Override
      public Optional<HostState.Saved> load(String host) throws IOException {
        throw new IOException("disk on fire");
      }

      @Override
      public void save(HostState.Saved state) throws IOException {
        throw new IOException("disk on fire");
      }
    };
    try (LogCapture logs = new LogCapture()) {
      HerdGuard guard = guard(oneAttempt());
      GuardedOperation op = guard.operation("login");
      op.host().obeyHint(Duration.ofSeconds(5));
      assertEquals(Duration.ofMillis(5500), op.host().remainingWait(), "kept in memory");
      assertEquals(2, logs.lines("WARN").size(), logs.text());
    }
  }

  @Test
  void signalsAreWeighed() throws Exception {
    assertEquals(HostState.Signal.TIMEOUT, HostState.signal(new SocketTimeoutException()));
    assertEquals(HostState.Signal.TIMEOUT, HostState.signal(new java.util.concurrent.TimeoutException()));
    assertEquals(HostState.Signal.TIMEOUT, HostState.signal(new java.net.http.HttpTimeoutException("slow")));
    assertEquals(HostState.Signal.DOWN, HostState.signal(new ConnectException()));
    assertEquals(HostState.Signal.DOWN, HostState.signal(new java.net.UnknownHostException()));
    assertEquals(HostState.Signal.OVERLOADED, HostState.signal(new ServerBusyException("503", null)));
    assertEquals(HostState.Signal.OVERLOADED, HostState.signal(new IOException("connection reset")));
  }
}

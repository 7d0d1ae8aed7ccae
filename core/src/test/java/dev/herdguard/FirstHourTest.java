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
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, items 1, 3 and 4: what a new user meets in the first hour. A wait says why; the natural
 * code (a lambda that throws {@code IOException}, a {@code void} method, waiting for a check run
 * before closing) compiles and does what it reads; the startup delay has one start.
 */
class FirstHourTest {

  private final FakeClock clock = new FakeClock();
  private final FakeScheduler scheduler = new FakeScheduler(clock);
  private final List<Long> slept = new ArrayList<>();

  private HerdGuard guard(HerdGuardConfig config) {
    return HerdGuard.builder(config)
        .withClock(clock)
        .withRandom(new FixedRandom(0.5))
        .withScheduler(scheduler)
        .withSleeper(nanos -> {
          slept.add(nanos);
          clock.advance(Duration.ofNanos(nanos));
        })
        .build();
  }

  // ---- item 1: a silent wait looks like a hang ----

  @Test
  void theFirstStartupWaitSaysHowLongWhichKeyAndHowToTurnItOff() throws Exception {
    HerdGuard guard = guard(HerdGuardConfig.defaults()); // 60s max, draw 0.5: 30s
    try (LogCapture logs = new LogCapture()) {
      guard.awaitStartup();
      guard.awaitStartup(); // passed: no wait, no line
      guard.startupAsync();
      List<String> lines = logs.lines("herdguard.startup.max-delay");
      assertEquals(1, lines.size(), logs.text());
      String line = lines.get(0);
      assertTrue(line.contains("INFO"), line);
      assertTrue(line.contains("Waiting 30s before the first contact"), line);
      assertTrue(line.contains("[0, 1m]"), line);
      assertTrue(line.contains("-Dherdguard.startup.max-delay=0 turns it off while developing"), line);
    }
    assertEquals(List.of(Duration.ofSeconds(30).toNanos(), 0L), slept);
  }

  @Test
  void startupAsyncSaysItOnceToo() {
    HerdGuard guard = guard(HerdGuardConfig.defaults());
    try (LogCapture logs = new LogCapture()) {
      CompletableFuture<Void> ready = guard.startupAsync();
      guard.startupAsync();
      assertEquals(1, logs.lines("Waiting 30s before the first contact").size(), logs.text());
      scheduler.advance(Duration.ofSeconds(30));
      assertTrue(ready.isDone());
    }
  }

  @Test
  void noStartupDelayNoLine() throws Exception {
    HerdGuard guard = guard(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO).build());
    try (LogCapture logs = new LogCapture()) {
      guard.awaitStartup();
      guard.startupAsync();
      assertEquals(List.of(), logs.lines("herdguard.startup.max-delay"));
    }
  }

  @Test
  void aBlockingCallHeldLongByItsHostSaysWhyOnceAMinute() throws Exception {
    HerdGuard guard = guard(HerdGuardConfig.builder()
        .withStartupMaxDelay(Duration.ZERO)
        .withHostMinFailures(1).withHostMinStreak(Duration.ZERO)
        .withHostBase(Duration.ofSeconds(20)).withHostSpread(0)
        .withBackoffBase(Duration.ofMillis(100)).withBackoffMax(Duration.ofMillis(200))
        .withRetryBudgetMinPerSecond(1000)
        .build());
    GuardedOperation op = guard.operation("login", "auth.example.com");
    AtomicInteger attempts = new AtomicInteger();
    try (LogCapture logs = new LogCapture()) {
      for (int call = 0; call < 5; call++) {
        assertEquals("ok", op.call(() -> {
          if (attempts.incrementAndGet() % 2 == 1) {
            throw new IOException("reset");
          }
          return "ok";
        }));
      }
      List<String> lines = logs.lines("holding this call");
      // Five calls, each held about 20 s (100 s in all): one line, then the next a minute later.
      assertEquals(2, lines.size(), logs.text());
      assertTrue(lines.get(0).contains("INFO"), lines.get(0));
      assertTrue(lines.get(0).contains("login@auth.example.com: holding this call 20s before its next attempt: "
          + "auth.example.com failed 1 time in a row"), lines.get(0));
      assertTrue(lines.get(0).contains("herdguard.host.*"), lines.get(0));
    }
  }

  @Test
  void shortWaitsAreNotAnnounced() throws Exception {
    HerdGuard guard = guard(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO)
        .withHostEnabled(false).withBackoffMax(Duration.ofSeconds(9)).withRetryBudgetMinPerSecond(1000).build());
    AtomicInteger attempts = new AtomicInteger();
    try (LogCapture logs = new LogCapture()) {
      assertEquals("ok", guard.operation("login").call(() -> {
        if (attempts.incrementAndGet() < 4) {
          throw new IOException("reset");
        }
        return "ok";
      }));
      assertEquals(List.of(), logs.lines("holding this call"));
    }
    assertEquals(4, attempts.get());
  }

  // ---- item 3: the natural code compiles and does what it reads ----

  /** A realistic client: its methods throw IOException, one returns nothing. */
  static final class Client {
    int fetches;
    int checks;

    String fetch() throws IOException {
      if (++fetches == 1) {
        throw new IOException("reset");
      }
      return "data";
    }

    void checkNow() throws IOException {
      checks++;
    }

    String refuse() throws IOException {
      throw new java.io.FileNotFoundException("no such account");
    }
  }

  // This method declares IOException and InterruptedException only: with call(Callable) it would
  // have to declare Exception, and that it compiles is half of the test.
  @Test
  void callThrowsOnlyWhatItsLambdaThrows() throws IOException, InterruptedException {
    HerdGuard guard = guard(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO).build());
    Client client = new Client();
    assertEquals("data", guard.operation("fetch").call(() -> client.fetch()));
    assertEquals("data", guard.operation("fetch").call(client::fetch));
    assertEquals(3, client.fetches);
    guard.operation("check").run(client::checkNow);
    assertEquals(1, client.checks);
  }

  @Test
  void aLambdaThatThrowsNothingCheckedNeedsNoCatch() throws InterruptedException {
    HerdGuard guard = guard(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO).build());
    assertEquals(4, guard.operation("len").call(() -> "four".length()));
  }

  @Test
  void aNonRetriedCheckedFailureIsRethrownAsItself() {
    HerdGuard guard = guard(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO)
        .withRetryBudgetMinPerSecond(1000).build());
    Client client = new Client();
    Exception wrapped = new Exception("not retryable");
    Exception e = assertThrows(Exception.class, () -> guard.operation("x").call(() -> {
      throw wrapped;
    }));
    assertSame(wrapped, e);
    // An IOException is retried until the attempts run out, then herdguard says why, with it as cause.
    HerdGuardException stop = assertThrows(HerdGuardException.class,
        () -> guard.operation("refuse").call(client::refuse));
    assertEquals(HerdGuardException.Reason.RETRIES_EXHAUSTED, stop.reason());
    assertEquals("no such account", stop.getCause().getMessage());
  }

  @Test
  void periodicCheckTakesAVoidMethodAndRunNowCanBeWaitedFor() throws Exception {
    HerdGuard guard = guard(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO).build());
    Client client = new Client();
    PeriodicCheck updates = guard.periodicCheck("updates", client::checkNow).start();
    scheduler.advance(Duration.ZERO);
    int before = client.checks;
    CompletableFuture<Void> run = updates.runNow();
    assertSame(run, updates.runNow(), "requests before the run starts are one run");
    assertFalse(run.isDone());
    scheduler.runDue();
    assertTrue(run.isDone());
    run.get();
    assertEquals(before + 1, client.checks);
    updates.close();
  }

  @Test
  void runNowFailsWithTheTasksFailureAndCloseCancelsARunNotStarted() throws Exception {
    HerdGuard guard = guard(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO).build());
    IOException down = new IOException("update server down");
    PeriodicCheck failing = guard.periodicCheck("failing", () -> {
      throw down;
    }).start();
    CompletableFuture<Void> run = failing.runNow();
    scheduler.runDue();
    ExecutionException e = assertThrows(ExecutionException.class, run::get);
    assertSame(down, e.getCause());

    PeriodicCheck closing = guard.periodicCheck("closing", () -> { }).start();
    CompletableFuture<Void> pending = closing.runNow();
    closing.close();
    assertThrows(CancellationException.class, pending::join);
    failing.close();
  }

  @Test
  void aRunNowDuringARunIsServedByTheNextRun() throws Exception {
    HerdGuard guard = guard(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO).build());
    List<CompletableFuture<Void>> during = new ArrayList<>();
    PeriodicCheck[] check = new PeriodicCheck[1];
    AtomicInteger runs = new AtomicInteger();
    check[0] = guard.periodicCheck("nested", () -> {
      if (runs.incrementAndGet() == 1) {
        during.add(check[0].runNow());
      }
    }).start();
    CompletableFuture<Void> first = check[0].runNow();
    scheduler.runDue();
    assertTrue(first.isDone());
    assertFalse(first == during.get(0), "asked during run 1: a request of its own, for the run after it");
    assertTrue(during.get(0).isDone());
    assertEquals(2, runs.get());
    check[0].close();
  }

  // ---- item 4: one start for the startup delay ----

  @Test
  void everyWaitForTheStartupDelayEndsAtTheSameInstant() throws Exception {
    HerdGuard guard = guard(HerdGuardConfig.defaults()); // 30s from the guard's creation
    long built = clock.nanos();
    clock.advance(Duration.ofSeconds(12)); // the application takes a while to get going
    CompletableFuture<Void> ready = guard.startupAsync();
    PeriodicCheck check = guard.periodicCheck("updates", () -> { }).start();
    assertEquals(clock.instant().plusSeconds(18), check.nextRun().orElseThrow());
    guard.awaitStartup();
    assertEquals(Duration.ofSeconds(30).toNanos(), clock.nanos() - built);
    scheduler.runDue();
    assertTrue(ready.isDone());
    check.close();
  }
}

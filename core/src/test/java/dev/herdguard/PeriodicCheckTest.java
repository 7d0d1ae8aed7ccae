package dev.herdguard;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.herdguard.testing.FakeClock;
import dev.herdguard.testing.FakeScheduler;
import dev.herdguard.testing.OwnerOnly;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PeriodicCheckTest {

  private static final Duration INTERVAL = Duration.ofHours(6);
  private static final double SPREAD = 0.2;
  private static final Duration STARTUP = Duration.ofMinutes(2);
  private static final Duration LOW = Duration.ofMinutes(288); // 6h * 0.8
  private static final Duration HIGH = Duration.ofMinutes(432); // 6h * 1.2

  private final FakeClock clock = new FakeClock();
  private final FakeScheduler scheduler = new FakeScheduler(clock);
  private final List<Instant> runs = new ArrayList<>();

  @TempDir
  Path dir;

  // ---------------------------------------------------------------------------------------------
  // The pure functions.

  @Test
  void periodIsTheIntervalStretchedByTheDraw() {
    assertEquals(LOW, PeriodicCheck.period(INTERVAL, SPREAD, 0.0));
    assertEquals(Duration.ofMinutes(324), PeriodicCheck.period(INTERVAL, SPREAD, 0.25));
    assertEquals(INTERVAL, PeriodicCheck.period(INTERVAL, SPREAD, 0.5));
    // The upper end is reached up to rounding: the range is closed, as the key's documentation says.
    assertTrue(PeriodicCheck.period(INTERVAL, SPREAD, Math.nextDown(1.0)).compareTo(HIGH) <= 0);
    assertTrue(PeriodicCheck.period(INTERVAL, SPREAD, Math.nextDown(1.0)).compareTo(HIGH.minusNanos(1000)) > 0);
    assertEquals(INTERVAL, PeriodicCheck.period(INTERVAL, 0.0, 0.9));
    // No wrap-around for an absurd interval.
    assertEquals(Duration.ofNanos(Long.MAX_VALUE), PeriodicCheck.period(Duration.ofDays(200_000), SPREAD, 0.9));
  }

  @Test
  void firstDelayWaitsForTheRestOfThePeriodAfterARecordedSuccess() {
    Instant now = Instant.parse("2026-11-10T09:00:00Z");
    Duration period = Duration.ofHours(6);
    // No record: the startup delay, exactly.
    assertEquals(STARTUP, PeriodicCheck.firstDelay(Optional.empty(), now, STARTUP, period));
    assertEquals(Duration.ZERO, PeriodicCheck.firstDelay(Optional.empty(), now, Duration.ZERO, period));
    // Checked an hour ago: the rest of the period.
    assertEquals(Duration.ofHours(5),
        PeriodicCheck.firstDelay(Optional.of(now.minus(Duration.ofHours(1))), now, STARTUP, period));
    // Due in one minute: still no sooner than the startup delay.
    assertEquals(STARTUP,
        PeriodicCheck.firstDelay(Optional.of(now.minus(Duration.ofMinutes(359))), now, STARTUP, period));
    // Checked long ago: the startup delay.
    assertEquals(STARTUP,
        PeriodicCheck.firstDelay(Optional.of(now.minus(Duration.ofDays(40))), now, STARTUP, period));
    // A record from the future (the clock moved back) counts as now: one whole period.
    assertEquals(period,
        PeriodicCheck.firstDelay(Optional.of(now.plus(Duration.ofHours(1))), now, STARTUP, period));
    assertEquals(period,
        PeriodicCheck.firstDelay(Optional.of(Instant.parse("2080-01-01T00:00:00Z")), now, STARTUP, period));
  }

  @Test
  void failureBackoffIsCappedAtTheIntervalByItsRangeAndScalesWithTheIntervalByDefault() {
    assertEquals(Backoff.decorrelatedJitter(Duration.ofMinutes(6), INTERVAL),
        PeriodicCheck.failureBackoff(null, INTERVAL));
    assertEquals(Backoff.decorrelatedJitter(Duration.ofSeconds(1), Duration.ofMinutes(1)),
        PeriodicCheck.failureBackoff(null, Duration.ofMinutes(1)));
    Backoff library = Backoff.decorrelatedJitter(Duration.ofMillis(500), Duration.ofSeconds(60));
    assertSame(library, PeriodicCheck.failureBackoff(library, INTERVAL));
    assertEquals(Backoff.fullJitter(Duration.ofMinutes(1), INTERVAL),
        PeriodicCheck.failureBackoff(Backoff.fullJitter(Duration.ofMinutes(1), Duration.ofDays(7)), INTERVAL));
  }

  /**
   * The Patch Tuesday herd: 10,000 clients that all last checked at the same instant reboot
   * together an hour later, each with its own startup jitter in [0, 60s). Trusting only the startup
   * delay would put all of them in the first minute; with the record they spread over the 2.4
   * hours the period's spread allows, and none comes before 3.8 hours.
   */
  @Test
  void aFleetRebootedTogetherAfterACheckSpreadsItsFirstRuns() {
    Instant lastCheck = Instant.parse("2026-11-10T08:00:00Z");
    Instant reboot = lastCheck.plus(Duration.ofHours(1));
    SplittableRandom random = new SplittableRandom(2007);
    int clients = 10_000;
    int[] perMinute = new int[8 * 60];
    int[] naivePerMinute = new int[8 * 60];
    for (int i = 0; i < clients; i++) {
      Duration startup = Duration.ofNanos((long) (random.nextDouble() * Duration.ofSeconds(60).toNanos()));
      Duration period = PeriodicCheck.period(INTERVAL, SPREAD, random.nextDouble());
      Duration first = PeriodicCheck.firstDelay(Optional.of(lastCheck), reboot, startup, period);
      assertTrue(first.compareTo(LOW.minusHours(1)) >= 0 && first.compareTo(HIGH.minusHours(1)) <= 0, "first " + first);
      perMinute[(int) first.toMinutes()]++;
      naivePerMinute[(int) PeriodicCheck.firstDelay(Optional.empty(), reboot, startup, period).toMinutes()]++;
    }
    int busiest = Arrays.stream(perMinute).max().orElseThrow();
    // 144 minutes share 10,000 runs: about 70 each. No minute may take more than 1.5%.
    assertTrue(busiest <= clients * 15 / 1000, "busiest minute holds " + busiest);
    assertEquals(clients, naivePerMinute[0], "without the record every client checks in the first minute");
  }

  /**
   * 10,000 real checks without a record, started together on one virtual scheduler with the default
   * startup delay: their first runs spread over the first minute, second by second.
   */
  @Test
  void aFleetWithoutRecordsSpreadsByTheDefaultStartupDelay() {
    SplittableRandom random = new SplittableRandom(2009);
    Instant start = clock.instant();
    int clients = 10_000;
    int[] perSecond = new int[60];
    for (int i = 0; i < clients; i++) {
      PeriodicCheck check = PeriodicCheck.builder("updates", () -> null)
          .withClock(clock)
          .withScheduler(scheduler)
          .withRandom(random)
          .build()
          .start();
      Duration first = Duration.between(start, check.nextRun().orElseThrow());
      assertTrue(!first.isNegative() && first.compareTo(Duration.ofSeconds(60)) < 0, "first " + first);
      perSecond[(int) first.toSeconds()]++;
    }
    int busiest = Arrays.stream(perSecond).max().orElseThrow();
    // About 167 a second; 2.5% would be half as many again.
    assertTrue(busiest <= clients * 25 / 1000, "busiest second holds " + busiest);
  }

  // ---------------------------------------------------------------------------------------------
  // The schedule.

  @Test
  void firstRunComesAfterExactlyTheStartupDelayThenEveryDrawnPeriod() {
    PeriodicCheck check = recording().withRandom(new SplittableRandom(42)).build().start();
    SplittableRandom draws = new SplittableRandom(42);
    draws.nextDouble(); // the period drawn at start, unused without a record
    Instant started = clock.instant();
    assertEquals(Optional.of(started.plus(STARTUP)), check.nextRun());

    scheduler.advance(STARTUP.minusNanos(1));
    assertEquals(List.of(), runs);
    scheduler.advance(Duration.ofNanos(1));
    assertEquals(List.of(started.plus(STARTUP)), runs);

    Duration shortest = HIGH;
    Duration longest = LOW;
    for (int n = 1; n <= 500; n++) {
      Instant previous = runs.get(runs.size() - 1);
      Duration expected = PeriodicCheck.period(INTERVAL, SPREAD, draws.nextDouble());
      assertEquals(Optional.of(previous.plus(expected)), check.nextRun(), "period " + n);
      scheduler.advance(expected);
      Duration gap = Duration.between(previous, runs.get(runs.size() - 1));
      assertEquals(expected, gap, "period " + n);
      assertTrue(gap.compareTo(LOW) >= 0 && gap.compareTo(HIGH) <= 0, "period " + n + ": " + gap);
      shortest = gap.compareTo(shortest) < 0 ? gap : shortest;
      longest = gap.compareTo(longest) > 0 ? gap : longest;
    }
    assertEquals(501, runs.size());
    // The draws really use the whole width, not a sliver of it.
    assertTrue(shortest.compareTo(LOW.plusMinutes(5)) < 0, "shortest " + shortest);
    assertTrue(longest.compareTo(HIGH.minusMinutes(5)) > 0, "longest " + longest);
    assertEquals(Optional.of(runs.get(500)), check.lastSuccess());
    assertEquals(0, check.consecutiveFailures());
  }

  @Test
  void aRebootAnHourAfterACheckWaitsForTheRestOfThePeriod() throws IOException {
    PeriodicCheck before = recording().withStateDir(dir).withRandom(new SplittableRandom(1)).build().start();
    scheduler.advance(STARTUP);
    Instant lastCheck = clock.instant();
    assertEquals(List.of(lastCheck), runs);
    assertEquals(Optional.of(lastCheck), before.lastSuccess());
    before.close();

    // Reboot an hour later: a new process, a new scheduler, the same clock and state folder.
    clock.advance(Duration.ofHours(1));
    Instant rebooted = clock.instant();
    FakeScheduler afterReboot = new FakeScheduler(clock);
    PeriodicCheck after = PeriodicCheck.builder("updates", record())
        .withStateDir(dir).withStartupDelay(STARTUP).withClock(clock).withScheduler(afterReboot)
        .withRandom(new SplittableRandom(7)).build();
    assertEquals(Optional.empty(), after.lastSuccess());
    after.start();
    Duration period = PeriodicCheck.period(INTERVAL, SPREAD, new SplittableRandom(7).nextDouble());
    assertEquals(Optional.of(lastCheck), after.lastSuccess());
    assertEquals(Optional.of(lastCheck.plus(period)), after.nextRun());

    afterReboot.advance(Duration.ofMinutes(30));
    assertEquals(1, runs.size(), "no check within the first half hour after the reboot");
    afterReboot.advance(Duration.between(clock.instant(), lastCheck.plus(period)).minusNanos(1));
    assertEquals(1, runs.size());
    afterReboot.advance(Duration.ofNanos(1));
    assertEquals(List.of(lastCheck, lastCheck.plus(period)), runs);
    assertTrue(Duration.between(rebooted, runs.get(1)).compareTo(LOW.minusHours(1)) >= 0);
    after.close();

    // Without the record the same reboot checks right after the startup delay.
    Files.delete(PeriodicCheck.stateFile(dir, "updates"));
    clock.advance(Duration.ofHours(1));
    FakeScheduler third = new FakeScheduler(clock);
    PeriodicCheck fresh = PeriodicCheck.builder("updates", record())
        .withStateDir(dir).withStartupDelay(STARTUP).withClock(clock).withScheduler(third).build().start();
    Instant start = clock.instant();
    assertEquals(Optional.empty(), fresh.lastSuccess());
    third.advance(STARTUP);
    assertEquals(start.plus(STARTUP), runs.get(2));
  }

  @Test
  void aRecordFromTheFutureWaitsOnePeriodFromNow() throws IOException {
    Files.createDirectories(dir.resolve("checks"));
    OwnerOnly.set(Files.writeString(PeriodicCheck.stateFile(dir, "updates"), "last-success=2030-01-01T00:00:00Z\n", UTF_8));
    PeriodicCheck check = recording().withStateDir(dir).withRandom(new SplittableRandom(3)).build().start();
    Duration period = PeriodicCheck.period(INTERVAL, SPREAD, new SplittableRandom(3).nextDouble());
    assertEquals(Optional.of(clock.instant().plus(period)), check.nextRun());
  }

  @Test
  void failuresBackOffUpToTheIntervalAndASuccessResets() {
    Duration interval = Duration.ofHours(1);
    AtomicBoolean failing = new AtomicBoolean(true);
    List<String> events = new ArrayList<>();
    PeriodicCheck check = PeriodicCheck.builder("updates", () -> {
          runs.add(clock.instant());
          if (failing.get()) {
            throw new IOException("update server answered 503");
          }
          return null;
        })
        .withInterval(interval)
        .withBackoff(Backoff.exponential(Duration.ofMinutes(10), Duration.ofDays(1)))
        .withStartupDelay(STARTUP).withClock(clock).withScheduler(scheduler)
        .withRandom(new SplittableRandom(5))
        .withListener(new HerdGuardListener() {
          @Override
          public void onRetry(String operation, int attempt, Duration delay, Throwable cause) {
            events.add(operation + " " + attempt + " " + delay + " " + cause.getMessage());
          }
        })
        .build();
    assertEquals(Backoff.exponential(Duration.ofMinutes(10), interval), check.failureBackoff());
    check.start();
    scheduler.advance(STARTUP);

    long[] minutes = {10, 20, 40, 60, 60, 60};
    for (long m : minutes) {
      assertEquals(Duration.ofMinutes(m), scheduler.nextDelay());
      scheduler.advance(Duration.ofMinutes(m));
    }
    assertEquals(7, runs.size());
    assertEquals(7, check.consecutiveFailures());
    assertEquals(Optional.empty(), check.lastSuccess());
    assertEquals("updates 1 PT10M update server answered 503", events.get(0));
    assertEquals("updates 4 PT1H update server answered 503", events.get(3));
    assertEquals(7, events.size());

    failing.set(false);
    scheduler.advance(Duration.ofMinutes(60));
    assertEquals(0, check.consecutiveFailures());
    assertEquals(Optional.of(clock.instant()), check.lastSuccess());
    SplittableRandom draws = new SplittableRandom(5);
    draws.nextDouble(); // the period drawn at start
    assertEquals(PeriodicCheck.period(interval, SPREAD, draws.nextDouble()), scheduler.nextDelay());

    failing.set(true);
    scheduler.advance(scheduler.nextDelay());
    assertEquals(Duration.ofMinutes(10), scheduler.nextDelay(), "the backoff starts again after a success");
    assertEquals(7 + 1, events.size());
  }

  @Test
  void theDefaultBackoffIsDecorrelatedJitterScaledToTheInterval() {
    PeriodicCheck check = PeriodicCheck.builder("updates", () -> {
          throw new IllegalStateException("offline");
        })
        .withStartupDelay(STARTUP).withClock(clock).withScheduler(scheduler)
        .withRandom(new SplittableRandom(11)).build();
    Backoff backoff = check.failureBackoff();
    assertEquals(Backoff.decorrelatedJitter(Duration.ofMinutes(6), INTERVAL), backoff);
    check.start();
    scheduler.advance(STARTUP);

    SplittableRandom draws = new SplittableRandom(11);
    draws.nextDouble(); // the period drawn at start
    long previous = 0;
    for (int n = 1; n <= 40; n++) {
      long expected = backoff.delayNanos(n, previous, draws.nextDouble());
      Duration delay = scheduler.nextDelay();
      assertEquals(Duration.ofNanos(expected), delay, "failure " + n);
      assertTrue(delay.compareTo(Duration.ofMinutes(6)) >= 0 && delay.compareTo(INTERVAL) < 0, "failure " + n);
      scheduler.advance(delay);
      previous = expected;
    }
    assertEquals(41, check.consecutiveFailures());
  }

  @Test
  void anythingTheTaskThrowsIsAFailureThatNeverEndsTheSchedule() {
    List<Callable<Object>> outcomes = List.of(
        () -> {
          throw new IllegalStateException("boom");
        },
        () -> {
          throw new IOException("connection reset");
        },
        () -> {
          throw new AssertionError("an Error too");
        },
        () -> {
          throw new InterruptedException("interrupted");
        },
        () -> "ok");
    AtomicInteger call = new AtomicInteger();
    PeriodicCheck check = PeriodicCheck.builder("updates", () -> {
          runs.add(clock.instant());
          return outcomes.get(Math.min(call.getAndIncrement(), outcomes.size() - 1)).call();
        })
        .withInterval(Duration.ofHours(1))
        .withBackoff(Backoff.exponential(Duration.ofMinutes(1), Duration.ofHours(1)))
        .withStartupDelay(Duration.ZERO).withClock(clock).withScheduler(scheduler)
        .withRandom(new SplittableRandom(13))
        .withListener(new HerdGuardListener() {
          @Override
          public void onRetry(String operation, int attempt, Duration delay, Throwable cause) {
            throw new IllegalStateException("a listener that throws must not matter");
          }
        })
        .build()
        .start();
    scheduler.advance(Duration.ofDays(1));
    assertTrue(Thread.interrupted(), "the task's interrupt is passed on, not swallowed");
    assertTrue(runs.size() > 20, "runs " + runs.size());
    assertEquals(0, check.consecutiveFailures());
    assertTrue(check.lastSuccess().isPresent());
    assertEquals(1, scheduler.pending());
  }

  @Test
  void closeCancelsTheNextRunForGood() {
    PeriodicCheck check = recording().build().start();
    scheduler.advance(STARTUP);
    assertEquals(1, runs.size());
    check.close();
    assertEquals(Optional.empty(), check.nextRun());
    assertEquals(0, scheduler.pending());
    scheduler.advance(Duration.ofDays(30));
    assertEquals(1, runs.size());
    check.close(); // again: nothing happens

    assertEquals("periodic check 'updates' is closed: build a new one to start again",
        assertThrows(IllegalStateException.class, check::start).getMessage());
    assertEquals("periodic check 'updates' is closed: runNow() needs a started check",
        assertThrows(IllegalStateException.class, check::runNow).getMessage());
    assertFalse(scheduler.isShutdown(), "an injected scheduler is not the check's to shut down");
  }

  @Test
  void closeFromInsideTheTaskStopsAfterThatRun() {
    AtomicReference<PeriodicCheck> self = new AtomicReference<>();
    PeriodicCheck check = PeriodicCheck.builder("updates", () -> {
          runs.add(clock.instant());
          self.get().close();
          return null;
        })
        .withStartupDelay(STARTUP).withClock(clock).withScheduler(scheduler).build();
    self.set(check);
    check.start();
    scheduler.advance(Duration.ofDays(30));
    assertEquals(1, runs.size());
    assertEquals(Optional.of(runs.get(0)), check.lastSuccess(), "a run that succeeded counts even while closing");
  }

  @Test
  void startTwiceSchedulesOnce() {
    PeriodicCheck check = recording().build();
    assertEquals(Optional.empty(), check.nextRun());
    assertSame(check, check.start());
    assertSame(check, check.start());
    assertEquals(1, scheduler.pending());
    scheduler.advance(STARTUP);
    assertEquals(1, runs.size());
  }

  @Test
  void runNowRunsAtOnceAndTheScheduleGoesOnFromThere() {
    PeriodicCheck check = recording().withRandom(new SplittableRandom(9)).build();
    assertEquals("periodic check 'updates' is not started: runNow() needs a started check",
        assertThrows(IllegalStateException.class, check::runNow).getMessage());
    check.start();
    check.runNow();
    assertEquals(Duration.ZERO, scheduler.nextDelay());
    scheduler.runDue();
    assertEquals(List.of(clock.instant()), runs);
    // The cancelled startup run never comes.
    scheduler.advance(STARTUP);
    assertEquals(1, runs.size());
    assertEquals(1, scheduler.pending());
    SplittableRandom draws = new SplittableRandom(9);
    draws.nextDouble(); // the period drawn at start
    assertEquals(Optional.of(runs.get(0).plus(PeriodicCheck.period(INTERVAL, SPREAD, draws.nextDouble()))),
        check.nextRun());
  }

  @Test
  void runNowDuringARunMergesIntoOneMoreRunRightAfter() {
    AtomicReference<PeriodicCheck> self = new AtomicReference<>();
    PeriodicCheck check = PeriodicCheck.builder("updates", () -> {
          runs.add(clock.instant());
          if (runs.size() == 1) {
            self.get().runNow();
            self.get().runNow();
            assertEquals(Optional.empty(), self.get().nextRun(), "no next run is known while one runs");
          }
          return null;
        })
        .withStartupDelay(STARTUP).withClock(clock).withScheduler(scheduler).build();
    self.set(check);
    check.start();
    scheduler.advance(STARTUP);
    assertEquals(2, runs.size());
    assertEquals(runs.get(0), runs.get(1));
    Duration next = scheduler.nextDelay();
    assertTrue(next.compareTo(LOW) >= 0 && next.compareTo(HIGH) <= 0, "next " + next);
  }

  // ---------------------------------------------------------------------------------------------
  // The state file.

  @Test
  void theStateFileIsPrivateReadableTextWrittenWithoutLeftovers() throws IOException {
    recording().withStateDir(dir).build().start();
    scheduler.advance(STARTUP);
    Path file = PeriodicCheck.stateFile(dir, "updates");
    assertEquals(dir.resolve("checks").resolve("updates"), file);
    assertEquals(List.of("# herdguard periodic check: the last run that succeeded", "last-success=" + runs.get(0)),
        Files.readAllLines(file, UTF_8));
    scheduler.advance(HIGH);
    assertEquals("last-success=" + runs.get(1), Files.readAllLines(file, UTF_8).get(1));
    try (Stream<Path> files = Files.list(file.getParent())) {
      assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
    }
    if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "garbage\n",
      "",
      "last-success=yesterday\n",
      "last-success=2026-13-45T99:00:00Z\n",
      "\u0000\u0001\u00ff binary",
  })
  void aCorruptStateFileCountsAsNoRecord(String content) throws IOException {
    Path file = PeriodicCheck.stateFile(dir, "updates");
    Files.createDirectories(file.getParent());
    OwnerOnly.set(Files.writeString(file, content, UTF_8));
    PeriodicCheck check = recording().withStateDir(dir).build().start();
    assertEquals(Optional.empty(), check.lastSuccess());
    assertEquals(Optional.of(clock.instant().plus(STARTUP)), check.nextRun());
    scheduler.advance(STARTUP);
    assertEquals(1, runs.size());
    assertEquals("last-success=" + runs.get(0), Files.readAllLines(file, UTF_8).get(1), "the next success repairs it");
  }

  @Test
  void aStateFileThatIsNotTextOrTooLargeToBeOursCountsAsNoRecord() throws IOException {
    Path file = PeriodicCheck.stateFile(dir, "updates");
    Files.createDirectories(file.getParent());
    byte[] notUtf8 = {'l', 'a', 's', 't', (byte) 0xff, (byte) 0xfe, '\n'};
    byte[] tooLarge = ("last-success=2026-11-10T07:00:00Z\n" + "#".repeat(10_000)).getBytes(UTF_8);
    for (byte[] content : List.of(notUtf8, tooLarge)) {
      OwnerOnly.set(Files.write(file, content));
      PeriodicCheck check = recording().withStateDir(dir).build().start();
      assertEquals(Optional.empty(), check.lastSuccess());
      assertEquals(Optional.of(clock.instant().plus(STARTUP)), check.nextRun());
      check.close();
    }
  }

  @Test
  void aStateFolderThatIsAFileDoesNotStopTheChecks() throws IOException {
    Path notAFolder = Files.writeString(dir.resolve("state"), "a file where the folder should be", UTF_8);
    PeriodicCheck check = recording().withStateDir(notAFolder).withRandom(new SplittableRandom(4)).build().start();
    scheduler.advance(STARTUP);
    scheduler.advance(HIGH);
    scheduler.advance(HIGH);
    assertEquals(3, runs.size());
    assertEquals(Optional.of(runs.get(2)), check.lastSuccess(), "kept in memory when it cannot be written");
    assertEquals(1, scheduler.pending());
  }

  @Test
  void aStateFileThatIsAFolderCannotBeReadOrReplacedYetTheChecksGoOn() throws IOException {
    Path file = PeriodicCheck.stateFile(dir, "updates");
    Files.createDirectories(file.resolve("inside"));
    PeriodicCheck check = recording().withStateDir(dir).build().start();
    assertEquals(Optional.empty(), check.lastSuccess());
    scheduler.advance(STARTUP);
    scheduler.advance(HIGH);
    assertEquals(2, runs.size());
    assertTrue(Files.isDirectory(file));
    assertEquals(Optional.of(runs.get(1)), check.lastSuccess());
  }

  // ---------------------------------------------------------------------------------------------
  // Threads.

  /**
   * On a four-thread pool, eight threads released at once call runNow while a run is in progress:
   * the run that must never happen is a second one overlapping the first.
   */
  @Test
  void runsNeverOverlapEvenOnAMultiThreadedScheduler() throws Exception {
    ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(4);
    try {
      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch hold = new CountDownLatch(1);
      CountDownLatch secondDone = new CountDownLatch(1);
      AtomicInteger inFlight = new AtomicInteger();
      AtomicInteger maxInFlight = new AtomicInteger();
      AtomicInteger count = new AtomicInteger();
      PeriodicCheck check = PeriodicCheck.builder("updates", () -> {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            int n = count.incrementAndGet();
            try {
              if (n == 1) {
                entered.countDown();
                assertTrue(hold.await(10, TimeUnit.SECONDS));
              }
            } finally {
              inFlight.decrementAndGet();
            }
            if (n == 2) {
              secondDone.countDown();
            }
            return null;
          })
          .withStartupDelay(Duration.ofHours(1)).withScheduler(pool).withRandom(new SplittableRandom(8)).build().start();
      check.runNow();
      assertTrue(entered.await(10, TimeUnit.SECONDS));

      CountDownLatch gate = new CountDownLatch(1);
      CountDownLatch called = new CountDownLatch(8);
      for (int i = 0; i < 8; i++) {
        Thread t = new Thread(() -> {
          try {
            gate.await();
            check.runNow();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            called.countDown();
          }
        });
        t.start();
      }
      gate.countDown();
      assertTrue(called.await(10, TimeUnit.SECONDS));
      hold.countDown();
      assertTrue(secondDone.await(10, TimeUnit.SECONDS));
      awaitTrue(() -> check.nextRun().isPresent());

      assertEquals(1, maxInFlight.get(), "two runs overlapped");
      assertEquals(2, count.get(), "eight requests during one run make one more run");
      Duration next = Duration.between(Instant.now(), check.nextRun().orElseThrow());
      assertTrue(next.compareTo(LOW.minusMinutes(1)) > 0, "next " + next);
      check.close();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theOwnedSchedulerIsOneDaemonThreadThatCloseEnds() throws Exception {
    CountDownLatch ran = new CountDownLatch(1);
    AtomicReference<Thread> thread = new AtomicReference<>();
    PeriodicCheck check = PeriodicCheck.builder("app.updates", () -> {
          thread.set(Thread.currentThread());
          ran.countDown();
          return null;
        })
        .withStartupDelay(Duration.ofHours(1))
        .withRandom(new SplittableRandom(6))
        .build()
        .start();
    check.runNow();
    assertTrue(ran.await(10, TimeUnit.SECONDS));
    Thread t = thread.get();
    assertNotNull(t);
    assertEquals("herdguard-check-app.updates", t.getName());
    assertTrue(t.isDaemon());
    check.close();
    t.join(10_000);
    assertFalse(t.isAlive(), "close ends the check's own thread");
  }

  // ---------------------------------------------------------------------------------------------
  // Validation.

  @Test
  void rejectsBadSettingsNamingTheValueAndTheRule() {
    Callable<Object> task = () -> null;
    String nameRule = "must be 1 to 64 of a-z 0-9 . _ -, starting and ending with a letter or digit";
    for (String bad : new String[] {"Updates", "", "../etc", "a/b", "update.", "-x", "a".repeat(65), "é"}) {
      assertEquals("check name (" + bad + ") " + nameRule,
          assertThrows(IllegalArgumentException.class, () -> PeriodicCheck.builder(bad, task)).getMessage());
    }
    assertEquals("check name (nul.updates) must not be a Windows device name (nul): it names a file",
        assertThrows(IllegalArgumentException.class, () -> PeriodicCheck.builder("nul.updates", task)).getMessage());
    for (String good : new String[] {"a", "updates", "app.update-check_2", "a".repeat(64), "console"}) {
      assertEquals(good, PeriodicCheck.builder(good, task).build().name());
    }
    assertThrows(NullPointerException.class, () -> PeriodicCheck.builder(null, task));
    assertThrows(NullPointerException.class, () -> PeriodicCheck.builder("updates", (Callable<?>) null));

    PeriodicCheck.Builder b = PeriodicCheck.builder("updates", task);
    assertEquals("check interval (500ms) must be >= 1s",
        assertThrows(IllegalArgumentException.class, () -> b.withInterval(Duration.ofMillis(500))).getMessage());
    assertEquals("check interval (-6h) must be >= 1s",
        assertThrows(IllegalArgumentException.class, () -> b.withInterval(Duration.ofHours(-6))).getMessage());
    assertEquals("check spread (1.0) must be in [0, 1)",
        assertThrows(IllegalArgumentException.class, () -> b.withSpread(1.0)).getMessage());
    assertEquals("check spread (-0.1) must be in [0, 1)",
        assertThrows(IllegalArgumentException.class, () -> b.withSpread(-0.1)).getMessage());
    assertEquals("check spread (NaN) must be in [0, 1)",
        assertThrows(IllegalArgumentException.class, () -> b.withSpread(Double.NaN)).getMessage());
    assertEquals("startup delay (-1s) must be >= 0",
        assertThrows(IllegalArgumentException.class, () -> b.withStartupDelay(Duration.ofSeconds(-1))).getMessage());
    assertThrows(NullPointerException.class, () -> b.withStateDir(null));
    assertThrows(NullPointerException.class, () -> b.withClock(null));

    b.withInterval(Duration.ofHours(1)).withBackoff(Backoff.exponential(Duration.ofHours(2), Duration.ofHours(4)));
    assertEquals("backoff base (2h) must be <= check interval (1h): "
            + "a retry after a failure must come no later than the next regular run",
        assertThrows(IllegalArgumentException.class, b::build).getMessage());
    // The last call wins: a longer interval makes the same backoff fit.
    assertEquals(Backoff.exponential(Duration.ofHours(2), Duration.ofHours(3)),
        b.withInterval(Duration.ofHours(3)).build().failureBackoff());

    assertEquals("u (1.0) must be in [0, 1)",
        assertThrows(IllegalArgumentException.class, () -> PeriodicCheck.period(INTERVAL, SPREAD, 1.0)).getMessage());
    assertEquals("check interval (0) must be > 0",
        assertThrows(IllegalArgumentException.class, () -> PeriodicCheck.period(Duration.ZERO, SPREAD, 0.5)).getMessage());
    assertEquals("period (0) must be > 0",
        assertThrows(IllegalArgumentException.class,
            () -> PeriodicCheck.firstDelay(Optional.empty(), Instant.EPOCH, STARTUP, Duration.ZERO)).getMessage());
  }

  // ---------------------------------------------------------------------------------------------

  private PeriodicCheck.Builder recording() {
    return PeriodicCheck.builder("updates", record())
        .withStartupDelay(STARTUP)
        .withClock(clock)
        .withScheduler(scheduler)
        .withRandom(new SplittableRandom(1));
  }

  private Callable<Object> record() {
    return () -> {
      runs.add(clock.instant());
      return null;
    };
  }

  private static void awaitTrue(BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("condition not met within 10 s");
      }
      Thread.onSpinWait();
    }
  }
}

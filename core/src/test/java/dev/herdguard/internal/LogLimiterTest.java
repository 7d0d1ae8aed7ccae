package dev.herdguard.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.testing.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** {@link LogLimiter} on a fake ticker: once, then a count at most once per interval. */
class LogLimiterTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final LogLimiter limiter = new LogLimiter(Duration.ofMinutes(1), now::get);

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void theFirstEventIsLoggedAndRepeatsWithinTheIntervalAreCounted() {
    assertEquals(0, limiter.permit("a"));
    for (int i = 0; i < 99; i++) {
      assertEquals(LogLimiter.SUPPRESS, limiter.permit("a"));
    }
    advance(Duration.ofSeconds(59));
    assertEquals(LogLimiter.SUPPRESS, limiter.permit("a"));
    advance(Duration.ofSeconds(1));
    assertEquals(100, limiter.permit("a"), "the first event after the interval carries the count");
    assertEquals(LogLimiter.SUPPRESS, limiter.permit("a"));
    advance(Duration.ofMinutes(5));
    assertEquals(1, limiter.permit("a"));
    advance(Duration.ofMinutes(1));
    assertEquals(0, limiter.permit("a"), "nothing was suppressed in the last interval");
  }

  @Test
  void kindsAreCountedApart() {
    assertEquals(0, limiter.permit("budget login@a"));
    assertEquals(0, limiter.permit("budget login@b"));
    assertEquals(LogLimiter.SUPPRESS, limiter.permit("budget login@a"));
    assertEquals(0, limiter.permit("breaker login@a"));
  }

  @Test
  void aTickerThatGoesBackEndsTheIntervalInsteadOfSilencingTheKind() {
    assertEquals(0, limiter.permit("a"));
    assertEquals(LogLimiter.SUPPRESS, limiter.permit("a"));
    now.addAndGet(-Duration.ofHours(1).toNanos());
    assertEquals(1, limiter.permit("a"));
    assertEquals(LogLimiter.SUPPRESS, limiter.permit("a"));
  }

  @Test
  void aReadSlightlyBehindAnotherThreadsIsStillWithinTheInterval() {
    assertEquals(0, limiter.permit("a"));
    now.addAndGet(-Duration.ofMillis(1).toNanos());
    assertEquals(LogLimiter.SUPPRESS, limiter.permit("a"), "not a second first line");
  }

  @Test
  void everyEventIsCountedOnceUnderConcurrency() throws Exception {
    int threads = 8;
    int perThread = 20_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch gate = new CountDownLatch(1);
    List<Future<long[]>> results = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        results.add(pool.submit(() -> {
          gate.await();
          long lines = 0;
          long reported = 0;
          for (int i = 0; i < perThread; i++) {
            if (i % 1000 == 0) {
              advance(Duration.ofSeconds(10));
            }
            long p = limiter.permit("k");
            if (p != LogLimiter.SUPPRESS) {
              lines++;
              reported += p;
            }
          }
          return new long[] {lines, reported};
        }));
      }
      gate.countDown();
      long lines = 0;
      long reported = 0;
      for (Future<long[]> f : results) {
        long[] r = f.get(30, TimeUnit.SECONDS);
        lines += r[0];
        reported += r[1];
      }
      // The time moved by 8 * 20 * 10 s = 1600 s: about one line per minute, plus the first. A thread
      // whose read of this jumpy clock is more than a minute stale counts as a clock stepped back,
      // which may add a line: the bound allows twice the count.
      assertTrue(lines <= 2 * (1600 / 60 + 1), "lines: " + lines);
      advance(Duration.ofMinutes(1));
      long last = limiter.permit("k");
      assertEquals((long) threads * perThread, lines + reported + last, "logged + counted = events");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aRepeatedWarningIsLoggedOnceThenWithItsCount() {
    var log = LoggerFactory.getLogger("dev.herdguard.LogLimiterTest");
    try (LogCapture logs = new LogCapture()) {
      for (int i = 0; i < 10; i++) {
        limiter.warn(log, "k", "{}: something failed: {}", "login", "boom " + i);
      }
      advance(Duration.ofMinutes(1));
      limiter.warn(log, "k", "{}: something failed: {}", "login", "boom 10", new IllegalStateException("x"));
      List<String> lines = logs.lines("something failed");
      assertEquals(2, lines.size(), logs.text());
      assertTrue(lines.get(0).endsWith("login: something failed: boom 0"), lines.get(0));
      assertTrue(lines.get(1).endsWith(
          "login: something failed: boom 10 (9 more like it not logged; repeats are logged at most once every 1m)"),
          lines.get(1));
      assertTrue(logs.text().contains("java.lang.IllegalStateException: x"), "the throwable stays the throwable");
    }
  }

  @Test
  void theIntervalMustBePositive() {
    var e = assertThrows(IllegalArgumentException.class, () -> new LogLimiter(Duration.ZERO, now::get));
    assertEquals("log interval (0) must be > 0", e.getMessage());
  }
}

package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.testing.FakeClock;
import dev.herdguard.testing.FakeScheduler;
import dev.herdguard.testing.HybridScheduler;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Start-gate tests: many threads released together on a cache without a valid token. What must
 * never happen is a second login.
 */
class TokenCacheConcurrencyTest {

  private static final int THREADS = 64;

  private static ExecutorService callers;
  private static ExecutorService loginThreads;

  @BeforeAll
  static void startThreads() {
    callers = Executors.newFixedThreadPool(THREADS);
    loginThreads = Executors.newFixedThreadPool(2);
  }

  @AfterAll
  static void stopThreads() {
    callers.shutdownNow();
    loginThreads.shutdownNow();
  }

  private enum Start {
    EMPTY, EXPIRED, INVALIDATED
  }

  /** One cache on virtual time whose logins run on real threads. */
  private static final class Rig {
    final FakeClock clock = new FakeClock();
    final FakeScheduler timers = new FakeScheduler(clock);
    final AtomicInteger logins = new AtomicInteger();
    volatile CountDownLatch holdLoginUntil;
    volatile Exception failWith;
    final TokenCache cache;

    Rig(long seed) {
      cache = TokenCache.builder(previous -> {
        int n = logins.incrementAndGet();
        CountDownLatch hold = holdLoginUntil;
        if (hold != null) {
          // Keep the login running until every caller has reached get(): the widest race.
          hold.await(30, TimeUnit.SECONDS);
        }
        Exception e = failWith;
        if (e != null) {
          throw e;
        }
        return Token.of("token-" + n, clock.instant().plus(Duration.ofHours(1)));
      })
          .withClock(clock)
          .withExecutor(new HybridScheduler(loginThreads, timers))
          .withRandom(new SplittableRandom(seed))
          .withBackoff(Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(60)))
          .build();
    }
  }

  /** Releases {@code THREADS} callers at once; each counts itself into {@code arrived} right before calling. */
  private static List<Future<Object>> race(Rig rig, Callable<Object> call) throws InterruptedException {
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch arrived = new CountDownLatch(THREADS);
    rig.holdLoginUntil = arrived;
    List<Future<Object>> results = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      results.add(callers.submit(() -> {
        gate.await();
        arrived.countDown();
        return call.call();
      }));
    }
    gate.countDown();
    return results;
  }

  @Test
  void sixtyFourThreadsOnAnEmptyExpiredOrInvalidatedCacheCauseExactlyOneLogin() throws Exception {
    for (int repetition = 0; repetition < 200; repetition++) {
      Start start = Start.values()[repetition % Start.values().length];
      Rig rig = new Rig(repetition);
      try {
        if (start != Start.EMPTY) {
          Token old = rig.cache.get(Duration.ofSeconds(30));
          if (start == Start.EXPIRED) {
            rig.clock.set(rig.clock.instant().plus(Duration.ofHours(2)));
            rig.timers.runDue();
          } else {
            assertTrue(rig.cache.invalidate(old));
          }
          assertTrue(rig.cache.peek().isEmpty(), start + ": no valid token before the race");
        }
        int before = rig.logins.get();
        List<Future<Object>> results = race(rig, () -> rig.cache.get(Duration.ofSeconds(60)));
        Set<Object> tokens = new HashSet<>();
        for (Future<Object> f : results) {
          tokens.add(f.get(60, TimeUnit.SECONDS));
        }
        assertEquals(before + 1, rig.logins.get(), "repetition " + repetition + " (" + start + "): logins");
        assertEquals(1, tokens.size(), "repetition " + repetition + ": every caller got the same token");
      } finally {
        rig.cache.close();
      }
    }
  }

  @Test
  void sixtyFourThreadsOnAFailingLoginShareOneFailureAndOneLogin() throws Exception {
    for (int repetition = 0; repetition < 50; repetition++) {
      Rig rig = new Rig(repetition);
      rig.failWith = new IOException("HTTP 403");
      try {
        List<Future<Object>> results = race(rig, () -> {
          try {
            return rig.cache.get(Duration.ofSeconds(60));
          } catch (LoginFailedException e) {
            return e;
          }
        });
        Set<Instant> nextAttempts = new HashSet<>();
        Set<Throwable> causes = new HashSet<>();
        for (Future<Object> f : results) {
          LoginFailedException e = assertInstanceOf(LoginFailedException.class, f.get(60, TimeUnit.SECONDS));
          nextAttempts.add(e.nextAttemptAt());
          causes.add(e.getCause());
        }
        assertEquals(1, rig.logins.get(), "repetition " + repetition + ": logins");
        assertEquals(1, nextAttempts.size());
        assertSame(rig.failWith, causes.iterator().next());
        assertEquals(1, causes.size(), "the same failure for all");
      } finally {
        rig.cache.close();
      }
    }
  }

  @Test
  void asyncCallersShareTheLoginToo() throws Exception {
    Rig rig = new Rig(1);
    try {
      List<Future<Object>> results = race(rig, () -> rig.cache.getAsync().get(60, TimeUnit.SECONDS));
      Set<Object> tokens = new HashSet<>();
      for (Future<Object> f : results) {
        try {
          tokens.add(f.get(60, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
          throw new AssertionError(e.getCause());
        }
      }
      assertEquals(1, rig.logins.get());
      assertEquals(1, tokens.size());
    } finally {
      rig.cache.close();
    }
  }
}

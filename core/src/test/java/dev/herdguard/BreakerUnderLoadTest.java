package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 7: under any concurrency the breaker decides as Resilience4j's own would. With 5%
 * of calls failing and a 50% threshold, a breaker that records every outcome where it happens can
 * never open; one that delays successes (the old hand-over between threads) opened in 3 runs of 15.
 *
 * <p>The build targets Java 17, so the virtual-thread variant looks its executor up reflectively and
 * is skipped below JDK 21; the platform-thread variant runs everywhere. Run the former with
 * {@code JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 mvn -o -pl core -am verify -Dtest=BreakerUnderLoadTest
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class BreakerUnderLoadTest {

  private static final int RUNS = 100;
  private static final int CALLS = 20_000;
  private static final int EVERY_NTH_FAILS = 20;

  @Test
  void breakerNeverOpensUnderVirtualThreadLoadWithFivePercentFailures() throws Exception {
    Method factory;
    try {
      factory = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
    } catch (NoSuchMethodException e) {
      Assumptions.abort("virtual threads need JDK 21+; this is " + Runtime.version());
      return;
    }
    for (int run = 0; run < RUNS; run++) {
      // One virtual thread per call; ExecutorService is AutoCloseable only from JDK 19.
      ExecutorService threads = (ExecutorService) factory.invoke(null);
      try {
        assertNeverOpens(run, threads, CALLS, 1);
      } finally {
        threads.shutdownNow();
      }
    }
  }

  @Test
  void breakerNeverOpensUnderPlatformThreadLoadWithFivePercentFailures() throws Exception {
    int threadCount = 8;
    ExecutorService threads = Executors.newFixedThreadPool(threadCount);
    try {
      for (int run = 0; run < RUNS; run++) {
        // Fewer calls per run than with virtual threads: each task makes many calls in a row.
        assertNeverOpens(run, threads, threadCount, CALLS / 4 / threadCount);
      }
    } finally {
      threads.shutdownNow();
    }
  }

  /** {@code tasks} tasks released at once, each making {@code callsEach} calls. */
  private static void assertNeverOpens(int run, ExecutorService threads, int tasks, int callsEach)
      throws Exception {
    try (HerdGuard guard = HerdGuard.builder(HerdGuardConfig.builder()
            .withStartupMaxDelay(Duration.ZERO)
            .withRetryMaxAttempts(1) // the outcomes the breaker sees are the calls', one each
            .withBreakerFailureRateThreshold(50)
            .withBreakerWindow(100)
            .withBreakerMinimumCalls(50)
            .build())
        .build()) {
      GuardedOperation op = guard.operation("load");
      AtomicInteger transitions = new AtomicInteger();
      op.circuitBreaker().getEventPublisher().onStateTransition(e -> transitions.incrementAndGet());
      AtomicInteger sequence = new AtomicInteger();
      AtomicInteger refused = new AtomicInteger();
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>(tasks);
      for (int t = 0; t < tasks; t++) {
        done.add(threads.submit(() -> {
          start.await();
          for (int i = 0; i < callsEach; i++) {
            try {
              op.call(() -> {
                if (sequence.incrementAndGet() % EVERY_NTH_FAILS == 0) {
                  throw new IOException("every " + EVERY_NTH_FAILS + "th call fails");
                }
                return "ok";
              });
            } catch (HerdGuardException e) {
              if (e.reason() == HerdGuardException.Reason.BREAKER_OPEN) {
                refused.incrementAndGet();
              }
            } catch (IOException expected) {
              // the failing call's own failure
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get();
      }
      CircuitBreaker.Metrics m = op.circuitBreaker().getMetrics();
      String what = "run " + run + ": " + refused + " calls refused, " + transitions + " transitions, "
          + m.getNumberOfFailedCalls() + " failed of " + m.getNumberOfBufferedCalls() + " in the window";
      assertEquals(0, transitions.get(), what);
      assertEquals(0, refused.get(), what);
      assertEquals(CircuitBreaker.State.CLOSED, op.circuitBreaker().getState(), what);
      assertEquals(tasks * callsEach, sequence.get(), what);
      assertTrue(m.getNumberOfBufferedCalls() == 100, what);
    }
  }
}

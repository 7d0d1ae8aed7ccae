package dev.herdguard.examples.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class VirtualSchedulerTest {

  private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void runsEventsInTimeOrderAndEventsOfOneTickInSchedulingOrder() {
    VirtualScheduler s = new VirtualScheduler(EPOCH);
    List<String> seen = new ArrayList<>();
    s.setHandler(e -> seen.add(s.now() + ":" + e));
    s.at(5, 1);
    s.at(2, 2);
    s.at(5, 3);
    s.at(100_000, 4); // beyond the wheel
    s.at(100_000, 5);
    s.schedule(() -> seen.add(s.now() + ":task"), 2, TimeUnit.MILLISECONDS);
    s.runUntil(200_000, () -> false);
    assertEquals(List.of("2:2", "2:task", "5:1", "5:3", "100000:4", "100000:5"), seen);
    assertEquals(200_000, s.now());
    assertEquals(EPOCH.plusSeconds(200), s.clock().instant());
  }

  @Test
  void anEventScheduledForNowRunsInTheSameTickAfterThoseAlreadyDue() {
    VirtualScheduler s = new VirtualScheduler(EPOCH);
    List<Integer> seen = new ArrayList<>();
    s.setHandler(e -> {
      seen.add(e);
      if (e == 1) {
        s.at(s.now(), 3);
      }
    });
    s.at(7, 1);
    s.at(7, 2);
    s.runUntil(8, () -> false);
    assertEquals(List.of(1, 2, 3), seen);
  }

  @Test
  void delaysAreRoundedUpToWholeMilliseconds() {
    VirtualScheduler s = new VirtualScheduler(EPOCH);
    List<Long> at = new ArrayList<>();
    s.schedule(() -> at.add(s.now()), 1, TimeUnit.NANOSECONDS);
    s.schedule(() -> at.add(s.now()), 1_000_001, TimeUnit.NANOSECONDS);
    s.runUntil(10, () -> false);
    assertEquals(List.of(1L, 2L), at);
  }

  @Test
  void cancelledTasksDoNotRunAndPeriodicTasksRepeatUntilCancelled() {
    VirtualScheduler s = new VirtualScheduler(EPOCH);
    List<Long> runs = new ArrayList<>();
    ScheduledFuture<?> once = s.schedule(() -> runs.add(-1L), 5, TimeUnit.MILLISECONDS);
    ScheduledFuture<?> periodic = s.scheduleWithFixedDelay(() -> runs.add(s.now()), 10, 10, TimeUnit.MILLISECONDS);
    assertTrue(once.cancel(false));
    s.runUntil(35, () -> false);
    periodic.cancel(false);
    s.runUntil(100, () -> false);
    assertEquals(List.of(10L, 20L, 30L), runs);
    assertTrue(once.isCancelled());
    assertFalse(periodic.cancel(false), "cancelling twice");
  }

  @Test
  void aFailingTaskFailsTheRunInsteadOfVanishing() {
    VirtualScheduler s = new VirtualScheduler(EPOCH);
    s.execute(() -> {
      throw new IllegalStateException("bug in the simulation");
    });
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.runUntil(1, () -> false));
    assertTrue(e.getMessage().contains("bug in the simulation"), e.getMessage());
  }

  @Test
  void jumpsOverEmptyTimeAndStopsWhenAsked() {
    VirtualScheduler s = new VirtualScheduler(EPOCH);
    List<Long> seen = new ArrayList<>();
    s.setHandler(e -> seen.add(s.now()));
    s.at(3_600_000, 0);
    s.at(7_200_000, 0);
    s.runUntil(10_000_000, () -> !seen.isEmpty());
    assertEquals(List.of(3_600_000L), seen);
    assertEquals(3_600_000, s.now(), "stopped at the tick where the condition held");
  }

  @Test
  void eventsDueAfterTheEndAreDroppedAndTheirFuturesNeverComplete() {
    VirtualScheduler s = new VirtualScheduler(EPOCH);
    List<Long> seen = new ArrayList<>();
    s.setHandler(e -> seen.add(s.now()));
    s.endAt(1_000);
    s.at(999, 0);
    s.at(1_000, 0);
    ScheduledFuture<?> late = s.schedule(() -> seen.add(-1L), 2, TimeUnit.SECONDS);
    s.runUntil(5_000, () -> false);
    assertEquals(List.of(999L), seen);
    assertFalse(late.isDone());
  }
}

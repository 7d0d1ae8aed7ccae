package dev.herdguard.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.PeriodicCheck;
import dev.herdguard.examples.fleet.VirtualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class UpdateCheckTest {

  @Test
  void checksAfterTheStartupDelayThenEveryJitteredInterval() {
    VirtualScheduler time = new VirtualScheduler(Instant.parse("2026-01-01T00:00:00Z"));
    HerdGuard guard = HerdGuard.builder(HerdGuardConfig.defaults())
        .withClock(time.clock())
        .withScheduler(time)
        .withRandom(new SplittableRandom(6))
        .build();
    List<Long> runs = new ArrayList<>();
    UpdateCheck.Updater updater = new UpdateCheck.Updater() {
      @Override
      void checkNow() {
        runs.add(time.now());
      }
    };
    try (PeriodicCheck updates = UpdateCheck.start(guard, updater)) {
      time.runUntil(Duration.ofHours(25).toMillis(), () -> false);
    }
    assertTrue(runs.get(0) <= 60_000, "first check within the 60 s startup delay: " + runs.get(0));
    for (int i = 1; i < runs.size(); i++) {
      long gap = runs.get(i) - runs.get(i - 1);
      assertTrue(gap >= Duration.ofMinutes(288).toMillis() && gap <= Duration.ofMinutes(432).toMillis(),
          "every period within 6 h +/- 20%: " + Duration.ofMillis(gap));
    }
    assertEquals(true, runs.size() >= 4 && runs.size() <= 6, "checks in 25 hours: " + runs.size());
  }

  @Test
  void runNowIsWaitedForBeforeTheCheckIsClosed() {
    // The README's `updates.runNow(); updates.close();` used to cancel the run it asked for.
    try (HerdGuard guard = HerdGuard.create(HerdGuardConfig.defaults())) {
      UpdateCheck.Updater updater = new UpdateCheck.Updater();
      UpdateCheck.checkNowThenShutDown(guard, updater);
      assertEquals(1, updater.checks());
    }
  }
}

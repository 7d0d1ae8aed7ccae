package dev.herdguard.examples.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StagedPushTest {

  @Test
  void cohortsAndAHaltKeepExposureWithinTheFirstStepWhileEveryoneAtOnceTakesAll() {
    StagedPush.Settings s = StagedPush.Settings.defaults(10_000);
    StagedPush.Result herdguard = StagedPush.run(s, Policy.HERDGUARD);
    StagedPush.Result naive = StagedPush.run(s, Policy.NAIVE);
    assertTrue(herdguard.exposure() <= 0.01, "exposure: " + herdguard.exposure());
    assertTrue(herdguard.haltedAtMs() > 0, "the rollout halted");
    assertEquals(1.0, naive.exposure(), "without stages every client takes the update");
  }
}

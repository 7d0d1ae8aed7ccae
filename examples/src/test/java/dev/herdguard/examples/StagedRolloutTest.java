package dev.herdguard.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.Cohort;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagedRolloutTest {

  @TempDir
  Path stateDir;

  @Test
  void anInstallationGivesTheSameAnswerAtEveryStart() {
    Cohort first = Cohort.load(stateDir);
    Cohort again = Cohort.load(stateDir);
    assertEquals(first, again);
    for (double percent : new double[] {1, 10, 50, 100}) {
      assertEquals(StagedRollout.takesUpdate(first, percent), StagedRollout.takesUpdate(again, percent));
    }
  }

  @Test
  void aStepReachesItsShareAndRaisingItOnlyAddsInstallations() {
    SplittableRandom random = new SplittableRandom(2013);
    int atOne = 0;
    int atTen = 0;
    for (int i = 0; i < 20_000; i++) {
      Cohort c = Cohort.of(new UUID(random.nextLong(), random.nextLong()));
      boolean one = StagedRollout.takesUpdate(c, 1);
      boolean ten = StagedRollout.takesUpdate(c, 10);
      assertTrue(!one || ten, "in at 1% means in at 10%");
      atOne += one ? 1 : 0;
      atTen += ten ? 1 : 0;
    }
    assertTrue(Math.abs(atOne - 200) < 60, "1% of 20,000: " + atOne);
    assertTrue(Math.abs(atTen - 2_000) < 200, "10% of 20,000: " + atTen);
  }

  @Test
  void theGuardsCohortTurnsAFeatureOnAtFullRolloutAndOffAtNone() {
    try (dev.herdguard.HerdGuard guard = dev.herdguard.HerdGuard.create(
        dev.herdguard.HerdGuardConfig.builder().withStateDir(stateDir).build())) {
      assertTrue(StagedRollout.rollOut(guard, new StagedRollout.ServerConfig(java.util.Map.of("sync-v2", 100.0)),
          new StagedRollout.Features()));
      assertTrue(!StagedRollout.rollOut(guard, new StagedRollout.ServerConfig(java.util.Map.of()),
          new StagedRollout.Features()));
    }
  }
}

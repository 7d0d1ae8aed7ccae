package dev.herdguard.examples;

import dev.herdguard.Cohort;
import dev.herdguard.HerdGuard;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Recipe: a staged rollout. The update server says which share of installations gets a change
 * ("rules v2 for 1%"); each client decides from its stable {@link Cohort}, kept in the state folder,
 * so the answer is the same at every start, and raising the share only adds installations. A bad
 * change then reaches 1% of the fleet before the crash reports halt it, not everyone at once
 * ({@code bin/demo staged-push} plays that).
 *
 * <p>Run: {@code java -cp examples/target/herdguard-examples.jar dev.herdguard.examples.StagedRollout}
 */
public final class StagedRollout {

  private StagedRollout() {}

  public static void main(String[] args) throws Exception {
    Path stateDir = Files.createTempDirectory("herdguard-recipe");
    Cohort cohort = Cohort.load(stateDir);              // the installation id, created once and kept
    for (double percent : new double[] {1, 10, 50, 100}) {
      System.out.printf("rollout at %5.1f%%: %s%n", percent, takesUpdate(cohort, percent) ? "install" : "wait");
    }
  }

  /** Turns a feature on for the share of installations the server names, the guard's cohort deciding. */
  static boolean rollOut(HerdGuard guard, ServerConfig serverConfig, Features features) {
    Cohort cohort = guard.cohort();                            // needs herdguard.state-dir
    if (cohort.isIn(serverConfig.rolloutPercent("sync-v2"))) { // 1, then 10, then 100
      features.useSyncV2();
    }
    return features.syncV2;
  }

  /** What the update server says about each change: the share of installations that get it. */
  record ServerConfig(java.util.Map<String, Double> rollouts) {
    double rolloutPercent(String change) {
      return rollouts.getOrDefault(change, 0.0);
    }
  }

  /** The application's switches. */
  static final class Features {
    boolean syncV2;

    void useSyncV2() {
      syncV2 = true;
    }
  }

  /** Whether this installation takes a change the server offers to {@code percent} of the fleet. */
  static boolean takesUpdate(Cohort cohort, double percent) {
    return cohort.isIn(percent);
  }
}

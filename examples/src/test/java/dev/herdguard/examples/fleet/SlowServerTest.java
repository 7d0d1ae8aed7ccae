package dev.herdguard.examples.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.HerdGuardConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The slow-server target (requests per success <= 1.5), at a fifth of the scale: 2,000 clients
 * against 160 requests/s, slowed to 30% for five minutes.
 *
 * <p>The retry budget's floor ({@code herdguard.retry.budget.min-per-second}) is per client: across
 * a fleet it allows thousands of retries a second. With the old default floor of 1 herdguard sent
 * 1.62 requests per success here; the default is 0.05 since, which meets the target (1.49 at full
 * scale). The last test pins the reason for that change, measured as it was made, before host
 * state: with host state on, the streaks of failures during the slowdown hold every client's
 * calls back, and even a floor of 1 stays under the target.
 */
class SlowServerTest {

  private static final SlowServer.Settings SETTINGS = SlowServer.Settings.defaults(2_000);

  private static SlowServer.Result naive;
  private static SlowServer.Result herdguard;

  @BeforeAll
  static void play() {
    naive = SlowServer.run(SETTINGS, Policy.NAIVE);
    herdguard = SlowServer.run(SETTINGS, Policy.HERDGUARD);
  }

  @Test
  void naiveFleetKeepsTheServerDownAfterCapacityReturns() {
    assertEquals(-1, naive.recoveredAfterMs(), "a naive fleet never lets the server recover");
    assertTrue(naive.requestsPerSuccess() > 100, "requests per success: " + naive.requestsPerSuccess());
    assertTrue(naive.wasted() > 0.5, "wasted: " + naive.wasted());
  }

  @Test
  void herdguardDefaultsLetTheServerRecoverWithFewRetries() {
    assertTrue(herdguard.recoveredAfterMs() >= 0 && herdguard.recoveredAfterMs() <= 60_000,
        "recovered after " + herdguard.recoveredAfterMs() + " ms");
    assertTrue(herdguard.requestsPerSuccess() <= 1.5, "requests per success: " + herdguard.requestsPerSuccess());
    assertTrue(herdguard.requestsPerSuccess() * 100 < naive.requestsPerSuccess());
  }

  @Test
  void aBudgetFloorOfOneRetryPerSecondPerClientMissesTheTarget() {
    HerdGuardConfig oldFloor = HerdGuardConfig.builder().withRetryBudgetMinPerSecond(1).withHostEnabled(false).build();
    SlowServer.Settings s = new SlowServer.Settings(SETTINGS.clients(), SETTINGS.interval(), SETTINGS.server(),
        SETTINGS.naiveRetry(), SETTINGS.horizon(), SETTINGS.seed(), oldFloor);
    SlowServer.Result r = SlowServer.run(s, Policy.HERDGUARD);
    assertTrue(r.requestsPerSuccess() > 1.5, "requests per success: " + r.requestsPerSuccess());
    assertTrue(r.requestsPerSuccess() > herdguard.requestsPerSuccess());
    SlowServer.Result withHostState = SlowServer.run(new SlowServer.Settings(SETTINGS.clients(), SETTINGS.interval(),
        SETTINGS.server(), SETTINGS.naiveRetry(), SETTINGS.horizon(), SETTINGS.seed(),
        HerdGuardConfig.builder().withRetryBudgetMinPerSecond(1).build()), Policy.HERDGUARD);
    assertTrue(withHostState.requestsPerSuccess() <= 1.5, "with host state: " + withHostState.requestsPerSuccess());
  }
}

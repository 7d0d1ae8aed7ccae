package dev.herdguard.examples.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The patch-tuesday targets for herdguard's defaults, at a tenth of the scale: 10,000
 * clients against 50 logins/s, every other parameter as in the full run, so the ratios are the
 * same. And the naive fleet, on the same reboots, must bring the server down.
 */
class PatchTuesdayTest {

  private static final PatchTuesday.Settings SETTINGS = PatchTuesday.Settings.defaults(10_000);

  private static PatchTuesday.Result naive;
  private static PatchTuesday.Result warm;
  private static PatchTuesday.Result cold;

  @BeforeAll
  static void play() {
    naive = PatchTuesday.run(SETTINGS, Policy.NAIVE, false);
    warm = PatchTuesday.run(SETTINGS, Policy.HERDGUARD, true);
    cold = PatchTuesday.run(SETTINGS, Policy.HERDGUARD, false);
  }

  @Test
  void warmFleetLogsInAtMostOnePercentAndStaysUnderCapacity() {
    assertTrue(warm.loginShare() <= 0.01, "share of the fleet that logged in: " + warm.loginShare());
    assertTrue(warm.peakLoad() <= 1.0, "peak load: " + warm.peakLoad());
    assertTrue(warm.logins() > 0, "a day-old token is too old for some machines: they must log in");
  }

  @Test
  void coldFleetIsOnlineWithin125PercentOfTheIdealAndWastesAtMostFivePercent() {
    assertTrue(cold.online99Ms() > 0, "99% of a cold fleet came online");
    assertTrue(cold.online99VsIdeal() <= 1.25, "99% online vs ideal: " + cold.online99VsIdeal());
    assertTrue(cold.wasted() <= 0.05, "wasted work: " + cold.wasted());
    assertEquals(SETTINGS.clients(), cold.logins(), "every client of a cold fleet logs in once");
  }

  @Test
  void naiveFleetBringsTheServerDown() {
    assertEquals(-1, naive.online99Ms(), "a naive fleet never gets 99% online within the run");
    assertTrue(naive.wasted() > 0.9, "most of the server's work is wasted: " + naive.wasted());
    assertTrue(naive.logins() < SETTINGS.clients() / 5, "goodput collapses: " + naive.logins() + " logins");
    assertTrue(naive.requestsPerLogin() > 100 * cold.requestsPerLogin(),
        "requests per login, naive " + naive.requestsPerLogin() + " vs herdguard " + cold.requestsPerLogin());
    assertTrue(naive.peakLoad() > 10 * cold.peakLoad(), "peak load " + naive.peakLoad() + " vs " + cold.peakLoad());
  }

  @Test
  void idealIsLoginsOverCapacityWhenTheWholeFleetRebootsAtOnce() {
    int[] reboot = new int[1000];
    boolean[] needsLogin = new boolean[1000];
    java.util.Arrays.fill(needsLogin, true);
    long[] online = PatchTuesday.idealOnline99(reboot, needsLogin, 100);
    java.util.Arrays.sort(online);
    assertEquals(10_000, online[999], "1,000 logins at 100/s take 10 s");
    assertEquals(9_900, online[989], "the 99th percentile is the 990th login");
  }
}

package dev.herdguard.examples.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.HerdGuardConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The self-healing targets for herdguard's defaults at a tenth of the scale (10,000 clients, 50
 * logins/s, every other parameter as in the full runs, so the ratios are the same), each beside
 * herdguard with its host state off, which must do measurably worse. big-fleet is played at a
 * hundredth: 10,000 clients against 5/s, ten times the fleet that capacity is sized for. The crash
 * loop is compared with the bunched reboot at full scale, as the issue states its target.
 */
class SelfHealingTest {

  private static PatchTuesday.Result bunched;
  private static PatchTuesday.Result bunchedOff;
  private static PatchTuesday.Result outage;
  private static PatchTuesday.Result outageOff;
  private static PatchTuesday.Result crashLoop;
  private static PatchTuesday.Result bunchedFull;
  private static PatchTuesday.Result pacing;
  private static PatchTuesday.Result bigFleet;
  private static PatchTuesday.Settings bunchedSettings;
  private static PatchTuesday.Settings outageSettings;
  private static PatchTuesday.Settings bigSettings;

  static PatchTuesday.Settings settings(String scenario, String... extra) {
    List<String> args = new ArrayList<>(List.of(extra));
    if (!args.contains("--clients")) {
      args.addAll(List.of("--clients", "10000"));
    }
    Flags f = Flags.parse(args, FleetSimulator.options(scenario));
    return FleetSimulator.selfHealingSettings(f, 2007, HerdGuardConfig.defaults());
  }

  static PatchTuesday.Result herdguard(PatchTuesday.Settings s) {
    return PatchTuesday.run(s, Policy.HERDGUARD, false);
  }

  static PatchTuesday.Result hostStateOff(PatchTuesday.Settings s) {
    return PatchTuesday.run(s.withConfig(FleetSimulator.hostStateOff(s.config())), Policy.HERDGUARD, false);
  }

  @BeforeAll
  static void play() {
    bunchedSettings = settings("bunched-reboot");
    outageSettings = settings("outage");
    bigSettings = settings("big-fleet", "--capacity", "5", "--horizon", "75m");
    List<PatchTuesday.Result> r = FleetSimulator.runAll(List.of(
        () -> herdguard(bunchedSettings),
        () -> hostStateOff(bunchedSettings),
        () -> herdguard(outageSettings),
        () -> hostStateOff(outageSettings),
        // The crash loop at full scale, beside the bunched reboot it is compared with: a crash
        // loses the login in flight, and at a tenth of the fleet those losses weigh more (1.17x
        // the time at 10,000 clients against 1.09x at 100,000, seeds 1-3 and 2007 alike).
        () -> herdguard(settings("crash-loop", "--clients", "100000")),
        () -> herdguard(settings("bunched-reboot", "--clients", "100000")),
        () -> herdguard(settings("bunched-reboot", "--server", "pacing")),
        () -> herdguard(bigSettings)), Runtime.getRuntime().availableProcessors());
    bunched = r.get(0);
    bunchedOff = r.get(1);
    outage = r.get(2);
    outageOff = r.get(3);
    crashLoop = r.get(4);
    bunchedFull = r.get(5);
    pacing = r.get(6);
    bigFleet = r.get(7);
  }

  @Test
  void bunchedRebootRecoversWithinTwiceTheIdealWhileHostStateOffCollapses() {
    assertEquals(10_000, bunched.logins(), "every client logged in");
    assertTrue(bunched.online99VsIdeal() <= 2.0, "99% online vs ideal: " + bunched.online99VsIdeal());
    assertTrue(bunched.wasted() <= 0.30, "wasted: " + bunched.wasted());
    assertEquals(-1, bunchedOff.online99Ms(), "with host state off, 99% are never online in the run");
    assertTrue(bunchedOff.wasted() > 0.9, "and nearly all the server's work is wasted: " + bunchedOff.wasted());
  }

  @Test
  void afterAnOutageTheFleetIsOnlineSoonAfterTheServerReturns() {
    double bound = outageSettings.server().downFor().toMillis()
        + 2.5 * outageSettings.clients() / outageSettings.server().capacity() * 1000;
    assertTrue(outage.online99Ms() > 0 && outage.online99Ms() <= bound,
        "99% online at " + outage.online99Ms() + " ms, bound " + bound);
    assertTrue(outageOff.online99Ms() < 0 || outageOff.online99Ms() > outage.online99Ms(),
        "host state off: " + outageOff.online99Ms() + " ms");
    assertTrue(outageOff.wasted() > outage.wasted(), "wasted, off " + outageOff.wasted() + " vs " + outage.wasted());
  }

  @Test
  void aCrashLoopingFleetDoesAsWellAsOneThatKeepsRunning() {
    assertTrue(crashLoop.online99Ms() > 0, "99% online");
    double time = (double) crashLoop.online99Ms() / bunchedFull.online99Ms();
    double requests = (double) crashLoop.requests() / bunchedFull.requests();
    assertTrue(time <= 1.10, "time to 99% online vs bunched-reboot: " + time);
    assertTrue(requests <= 1.10, "requests vs bunched-reboot: " + requests);
  }

  @Test
  void aPacingServerGetsTheFleetOnlineAlmostIdeally() {
    assertTrue(pacing.online99VsIdeal() <= 1.15, "99% online vs ideal: " + pacing.online99VsIdeal());
    assertTrue(pacing.wasted() <= 0.02, "wasted: " + pacing.wasted());
  }

  @Test
  void theBenchmarksBigFleetIsTheCommandLinesBigFleet() {
    assertEquals(settings("big-fleet", "--clients", "1000000"), PatchTuesday.Settings.bigFleet(HerdGuardConfig.defaults()));
  }

  @Test
  void aFleetTenTimesLargerThanPlannedStillConverges() {
    assertTrue(bigFleet.online99VsIdeal() <= 2.0, "99% online vs ideal: " + bigFleet.online99VsIdeal());
    assertTrue(bigFleet.wasted() <= 0.30, "wasted: " + bigFleet.wasted());
  }
}

package dev.herdguard.examples.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FleetSimulatorTest {

  @TempDir
  Path out;

  private Report report(String scenario, String... flags) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of(flags));
    args.addAll(List.of("--out", out.toString()));
    return FleetSimulator.report(scenario, Flags.parse(args, FleetSimulator.options(scenario)));
  }

  @Test
  void sameSeedSameTableOtherSeedOtherTable() throws Exception {
    Report a = report("patch-tuesday", "--clients", "3000", "--threads", "2");
    Report b = report("patch-tuesday", "--clients", "3000", "--threads", "1");
    Report c = report("patch-tuesday", "--clients", "3000", "--seed", "1");
    assertEquals(a.rows(), b.rows());
    assertNotEquals(a.rows(), c.rows());
  }

  @Test
  void everyScenarioPrintsItsTableAndWritesItsChart() throws Exception {
    for (String scenario : List.of("slow-server", "mass-expiry", "staged-push")) {
      Report r = report(scenario, "--clients", "300", "--horizon", "15m");
      assertEquals(2, r.rows().size(), scenario);
      assertTrue(FleetChartTest.isPng(r.chart()), scenario);
    }
  }

  @Test
  void aBadCommandLineNamesTheProblemAndExitsWith2() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    PrintStream nowhere = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertEquals(2, FleetSimulator.run(List.of("black-friday"), nowhere, errStream));
    assertEquals(2, FleetSimulator.run(List.of("slow-server", "--slow-factor", "2"), nowhere, errStream));
    String text = err.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("unknown scenario 'black-friday'"), text);
    assertTrue(text.contains("--slow-factor (2) must be in [0.001, 1]"), text);
  }

  @Test
  void helpListsEveryScenarioAndEachScenarioItsFlags() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    assertEquals(0, FleetSimulator.run(List.of("--help"), out, out));
    assertEquals(0, FleetSimulator.run(List.of("mass-expiry", "--help"), out, out));
    String text = bytes.toString(StandardCharsets.UTF_8);
    for (String s : FleetSimulator.SCENARIOS) {
      assertTrue(text.contains(s), s);
    }
    assertTrue(text.contains("--naive-margin 5m"), text);
  }
}

package dev.herdguard.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.examples.fleet.FleetSimulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The main job, end to end: patch-tuesday, both policies, warm and cold, a table and a chart. */
class MainTest {

  @TempDir
  Path out;

  @Test
  void mainJobPrintsTheTableAndWritesTheChart() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream stdout = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    int status = FleetSimulator.run(List.of("--clients", "2000", "--out", out.toString()), stdout, stdout);
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(0, status, text);
    assertTrue(text.startsWith("patch-tuesday"), text);
    for (String row : List.of("naive      warm", "naive      cold", "herdguard  warm", "herdguard  cold")) {
      assertTrue(text.contains(row), "row " + row + " in\n" + text);
    }
    Path chart = out.resolve("patch-tuesday.svg");
    assertTrue(text.contains("chart: " + chart.toAbsolutePath().normalize()), text);
    String svg = Files.readString(chart);
    assertTrue(svg.startsWith("<svg") && svg.contains("herdguard, cold") && svg.contains("capacity"), svg);
  }
}

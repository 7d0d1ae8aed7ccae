package dev.herdguard.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.examples.fleet.FleetChart;
import dev.herdguard.examples.fleet.FleetSimulator;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
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
    for (String row : List.of("naive      none", "herdguard  warm", "herdguard  cold")) {
      assertTrue(text.contains(row), "row " + row + " in\n" + text);
    }
    // A naive client keeps no token: one row for it, not a warm row that is its cold run again.
    assertEquals(1, text.lines().filter(l -> l.startsWith("naive ")).count(), text);
    assertFalse(text.contains("unused"), text);
    // bin/demo's output may be a file or a pipe: no terminal escapes from the Java side.
    assertFalse(text.contains("\u001b"), "an ANSI escape in\n" + text);
    Path chart = out.resolve("patch-tuesday.png");
    assertTrue(text.contains("chart: " + chart.toAbsolutePath().normalize()), text);
    BufferedImage image = ImageIO.read(chart.toFile());
    assertNotNull(image, "a PNG at " + chart);
    assertEquals(FleetChart.HEADER + 2 * FleetChart.PANEL_HEIGHT, image.getHeight());
  }
}

package dev.herdguard.examples.fleet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

class FleetChartTest {

  @TempDir
  Path out;

  /** Whether {@code file} starts with the PNG signature. */
  static boolean isPng(Path file) throws IOException {
    byte[] head = new byte[8];
    try (InputStream in = Files.newInputStream(file)) {
      if (in.readNBytes(head, 0, 8) != 8) {
        return false;
      }
    }
    return Arrays.equals(head, new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
  }

  @Test
  void pointsAreMeansOfTheStepAndAZeroOnALogPanelIsAGapNotAValue() {
    double[] perSecond = {0, 0, 0, 0, 0, 5, 5, 5, 5, 5, 1, 0};
    assertArrayEquals(new double[] {0, 5, 0.5}, FleetChart.points(perSecond, 5, false), 1e-9);
    double[] log = FleetChart.points(perSecond, 5, true);
    assertTrue(Double.isNaN(log[0]), "an all-zero stretch is a gap: " + Arrays.toString(log));
    assertEquals(5, log[1], 1e-9);
    assertEquals(0.5, log[2], 1e-9);
  }

  @Test
  void aLogAxisStartsAtTheDecadeOfTheSmallestValueDrawnNotAtOne() {
    double[] rare = new double[600];
    rare[300] = 1; // one request in ten minutes: a mean of 0.2/s over its five seconds
    double[] busy = new double[600];
    Arrays.fill(busy, 2000);
    FleetChart c = new FleetChart("t", "s", List.of());
    XYChart chart = c.chart(FleetChart.Panel.log("requests", List.of(
        new FleetChart.Series("rare", "#2ca02c", rare), new FleetChart.Series("busy", "#d62728", busy))));
    assertTrue(chart.getStyler().isYAxisLogarithmic());
    assertEquals(0.1, chart.getStyler().getYAxisMin(), 1e-12);
    assertEquals(10_000, chart.getStyler().getYAxisMax(), 1e-9);
    XYSeries drawn = chart.getSeriesMap().get("rare");
    long points = Arrays.stream(drawn.getYData()).filter(v -> !Double.isNaN(v)).count();
    assertEquals(1, points, "only the five seconds with a request are drawn");
    assertEquals(10.0 / 60, drawn.getXData()[2], 1e-9, "x in minutes: the third point starts at 10 s");
  }

  @Test
  void aSeriesThatIsAlwaysZeroOnALogPanelIsNamedInTheTitleAndTheRestIsDrawn() throws IOException {
    double[] none = new double[120];
    double[] some = new double[120];
    Arrays.fill(some, 3);
    FleetChart c = new FleetChart("title", "subtitle", List.of(
        FleetChart.Panel.log("requests", List.of(new FleetChart.Series("quiet", "#2ca02c", none),
            new FleetChart.Series("loud", "#d62728", some, true))),
        FleetChart.Panel.linear("online, %", List.of(new FleetChart.Series("quiet", "#2ca02c", some)))));
    XYChart log = c.chart(FleetChart.Panel.log("requests", List.of(new FleetChart.Series("quiet", "#2ca02c", none),
        new FleetChart.Series("loud", "#d62728", some))));
    assertFalse(log.getSeriesMap().containsKey("quiet"));
    assertTrue(log.getTitle().contains("always zero: quiet"), log.getTitle());

    Path file = out.resolve("sub/chart.png");
    c.write(file);
    assertTrue(isPng(file));
    BufferedImage image = ImageIO.read(file.toFile());
    assertEquals(FleetChart.WIDTH, image.getWidth());
    assertEquals(FleetChart.HEADER + 2 * FleetChart.PANEL_HEIGHT, image.getHeight());
  }
}

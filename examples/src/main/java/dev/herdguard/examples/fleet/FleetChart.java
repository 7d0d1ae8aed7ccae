package dev.herdguard.examples.fleet;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A chart of per-second figures over time, drawn with XChart and written as one PNG: a title, then
 * one or more panels stacked, each with its own y axis and legend under it.
 *
 * <p>Each point is the mean of at least five seconds (a fleet retrying in lock-step every two
 * seconds would otherwise draw a solid band), and of {@code ceil(seconds / 900)} for long runs. On
 * a logarithmic panel a zero is not drawn at all: a line breaks there rather than dive to a floor
 * that reads as a value, so "sent nothing" is a gap. The axis starts at the decade of the smallest
 * value drawn.
 *
 * <p>Immutable once built; {@link #write} may be called from any thread.
 */
public final class FleetChart {

  /** One line: a label for the legend, a colour such as {@code #1f77b4}, and one value per second. */
  public record Series(String label, String color, double[] perSecond, boolean dashed) {
    /** A solid line. */
    public Series(String label, String color, double[] perSecond) {
      this(label, color, perSecond, false);
    }
  }

  /**
   * One panel: a title, its lines, and whether its y axis is logarithmic (where a zero is a gap in
   * its line) or linear from zero.
   */
  public record Panel(String title, boolean logarithmic, List<Series> series) {
    /** A linear panel from zero. */
    public static Panel linear(String title, List<Series> series) {
      return new Panel(title, false, series);
    }

    /** A logarithmic panel: zeros are gaps, the axis starts at the decade of the smallest value. */
    public static Panel log(String title, List<Series> series) {
      return new Panel(title, true, series);
    }
  }

  /** Width of the picture, pixels. */
  public static final int WIDTH = 1000;
  /** Height of one panel, pixels. */
  public static final int PANEL_HEIGHT = 330;
  /** Height of the title above the panels, pixels. */
  public static final int HEADER = 62;
  private static final int MAX_POINTS = 900;
  /** Seconds per point at least: a fleet retrying every 2 s in lock-step would draw a solid band. */
  private static final int MIN_STEP = 5;

  private final String title;
  private final String subtitle;
  private final List<Panel> panels;

  /** A chart of {@code panels}, under {@code title} and a smaller {@code subtitle}. */
  public FleetChart(String title, String subtitle, List<Panel> panels) {
    this.title = title;
    this.subtitle = subtitle;
    this.panels = List.copyOf(panels);
  }

  /** Writes the chart as a PNG to {@code file}, creating its folder. */
  public void write(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    if (!ImageIO.write(render(), "png", file.toFile())) {
      throw new IOException("no PNG writer in this JVM");
    }
  }

  /** The whole picture: the title above every panel. */
  BufferedImage render() {
    BufferedImage image = new BufferedImage(WIDTH, HEADER + panels.size() * PANEL_HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, image.getWidth(), image.getHeight());
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
      g.drawString(title, 16, 26);
      g.setColor(new Color(0x555555));
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      g.drawString(subtitle, 16, 48);
      int y = HEADER;
      for (Panel p : panels) {
        g.drawImage(BitmapEncoder.getBufferedImage(chart(p)), 0, y, null);
        y += PANEL_HEIGHT;
      }
    } finally {
      g.dispose();
    }
    return image;
  }

  /** One panel as an XChart chart: minutes (or hours past three) across, the panel's values up. */
  XYChart chart(Panel p) {
    int seconds = 0;
    for (Series s : p.series()) {
      seconds = Math.max(seconds, s.perSecond().length);
    }
    int step = Math.max(MIN_STEP, (seconds + MAX_POINTS - 1) / MAX_POINTS);
    boolean hours = seconds > 3 * 3600;
    double unit = hours ? 3600 : 60;

    XYChart chart = new XYChartBuilder().width(WIDTH).height(PANEL_HEIGHT).title(p.title())
        .xAxisTitle(hours ? "hours" : "minutes").build();
    XYStyler st = chart.getStyler();
    st.setChartBackgroundColor(Color.WHITE);
    st.setPlotBackgroundColor(Color.WHITE);
    st.setPlotBorderColor(new Color(0x999999));
    st.setPlotGridLinesColor(new Color(0xe4e4e4));
    st.setChartTitleBoxVisible(false);
    st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    st.setLegendPosition(Styler.LegendPosition.OutsideS);
    st.setLegendLayout(Styler.LegendLayout.Horizontal);
    st.setLegendBorderColor(Color.WHITE);
    st.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    st.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    st.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    st.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    st.setMarkerSize(0);
    st.setAntiAlias(true);
    st.setXAxisMin(0.0);
    // A round end (15, 30, 75 minutes), so that XChart's ticks fall on round minutes too.
    double total = Math.max(1, seconds) / unit;
    double every = niceStep(total / 6);
    st.setXAxisMax(Math.ceil(total / every - 1e-9) * every);
    // XChart puts a tick every few dozen pixels whatever the spacing hint: label only the round
    // ones, and draw no vertical grid, so the time axis reads 0, 5, 10, 15.
    st.setxAxisTickLabelsFormattingFunction(v -> {
      double k = v / every;
      return Math.abs(k - Math.rint(k)) < 1e-6 ? Flags.number(Math.rint(k) * every) : "";
    });
    st.setPlotGridVerticalLinesVisible(false);
    st.setYAxisDecimalPattern("#,##0.###");

    double lowest = Double.POSITIVE_INFINITY;
    double highest = 0;
    List<String> silent = new ArrayList<>();
    for (Series s : p.series()) {
      double[] y = points(s.perSecond(), step, p.logarithmic());
      double[] x = new double[y.length];
      boolean drawn = false;
      for (int i = 0; i < y.length; i++) {
        x[i] = Math.min((double) i * step, seconds) / unit;
        if (!Double.isNaN(y[i])) {
          drawn = true;
          lowest = Math.min(lowest, y[i]);
          highest = Math.max(highest, y[i]);
        }
      }
      if (!drawn) {
        // XChart cannot scale an axis on a line with no point: name it instead of dropping it.
        silent.add(s.label());
        continue;
      }
      XYSeries line = chart.addSeries(s.label(), x, y);
      line.setMarker(SeriesMarkers.NONE);
      line.setLineColor(Color.decode(s.color()));
      line.setLineWidth(s.dashed() ? 1.5f : 2.2f);
      line.setLineStyle(s.dashed() ? SeriesLines.DASH_DASH : SeriesLines.SOLID);
    }
    if (!silent.isEmpty()) {
      chart.setTitle(p.title() + "  (always zero: " + String.join(", ", silent) + ")");
    }
    if (p.logarithmic()) {
      st.setYAxisLogarithmic(true);
      if (lowest <= highest) {
        st.setYAxisMin(Math.pow(10, Math.floor(Math.log10(lowest))));
        st.setYAxisMax(Math.pow(10, Math.ceil(Math.log10(Math.max(highest, lowest * 10)))));
      }
    } else {
      st.setYAxisMin(0.0);
      if (highest > 0) {
        st.setYAxisMax(highest * 1.08);
      }
    }
    return chart;
  }

  /** 1, 2, 2.5 or 5 times a power of ten, at least {@code raw}. */
  static double niceStep(double raw) {
    if (!(raw > 0)) {
      return 1;
    }
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double r = raw / magnitude;
    double nice = r <= 1 ? 1 : r <= 2 ? 2 : r <= 2.5 ? 2.5 : r <= 5 ? 5 : 10;
    return nice * magnitude;
  }

  /**
   * The values to draw: means of {@code step} seconds, and on a logarithmic panel {@code NaN}, a
   * gap, for a mean of zero.
   */
  static double[] points(double[] values, int step, boolean logarithmic) {
    double[] out = new double[(values.length + step - 1) / step];
    for (int i = 0; i < out.length; i++) {
      double sum = 0;
      int n = 0;
      for (int j = i * step; j < Math.min(values.length, (i + 1) * step); j++) {
        sum += values[j];
        n++;
      }
      double mean = n == 0 ? 0 : sum / n;
      out[i] = logarithmic && mean <= 0 ? Double.NaN : mean;
    }
    return out;
  }
}

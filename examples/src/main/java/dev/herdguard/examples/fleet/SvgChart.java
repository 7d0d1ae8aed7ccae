package dev.herdguard.examples.fleet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A line chart of per-second figures over time, written as a standalone SVG file that any browser
 * opens: one or more panels stacked, each with a title, its series and an optional dashed reference
 * (the server's capacity). No dependencies: the file is text.
 *
 * <p>Each point is the mean of at least five seconds (a fleet retrying in lock-step every two
 * seconds would otherwise draw a solid band), and of {@code ceil(seconds / 900)} for long runs, so
 * an eight-hour run stays a small file. A logarithmic panel draws zero at its
 * floor.
 *
 * <p>Immutable once built; {@link #write} may be called from any thread.
 */
public final class SvgChart {

  /** One line: a label for the legend, a CSS colour, and one value per second. */
  public record Series(String label, String color, double[] perSecond, boolean dashed) {
    /** A solid line. */
    public Series(String label, String color, double[] perSecond) {
      this(label, color, perSecond, false);
    }
  }

  /**
   * One panel: a title, its lines, and for a logarithmic y axis the value at its floor (anything
   * below sits on the floor); 0 for a linear axis from zero.
   */
  public record Panel(String title, double logFloor, List<Series> series) {
    /** A linear panel. */
    public static Panel linear(String title, List<Series> series) {
      return new Panel(title, 0, series);
    }

    /** A logarithmic panel whose floor is {@code floor}. */
    public static Panel log(String title, double floor, List<Series> series) {
      return new Panel(title, floor, series);
    }
  }

  private static final int WIDTH = 960;
  private static final int PANEL_HEIGHT = 250;
  private static final int LEFT = 70;
  private static final int RIGHT = 200;
  private static final int TOP = 64;
  private static final int GAP = 60;
  private static final int MAX_POINTS = 900;
  /** Seconds per point at least: a fleet retrying every 2 s in lock-step would draw a solid band. */
  private static final int MIN_STEP = 5;

  private final String title;
  private final String subtitle;
  private final List<Panel> panels;

  /** A chart of {@code panels}, under {@code title} and a smaller {@code subtitle}. */
  public SvgChart(String title, String subtitle, List<Panel> panels) {
    this.title = title;
    this.subtitle = subtitle;
    this.panels = List.copyOf(panels);
  }

  /** Writes the chart to {@code file}, creating its folder. */
  public void write(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, render(), StandardCharsets.UTF_8);
  }

  /** The SVG text. */
  public String render() {
    int height = TOP + panels.size() * (PANEL_HEIGHT + GAP) + 10;
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            + "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">%n", WIDTH, height, WIDTH, height));
    b.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, height));
    b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"17\" font-weight=\"bold\">%s</text>%n",
        LEFT, escape(title)));
    b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"44\" fill=\"#555\">%s</text>%n", LEFT, escape(subtitle)));
    int y = TOP;
    for (Panel p : panels) {
      panel(b, p, y);
      y += PANEL_HEIGHT + GAP;
    }
    b.append("</svg>\n");
    return b.toString();
  }

  private void panel(StringBuilder b, Panel p, int top) {
    int plotW = WIDTH - LEFT - RIGHT;
    int plotH = PANEL_HEIGHT - 30;
    int y0 = top + 22;
    int seconds = 0;
    double max = 0;
    for (Series s : p.series()) {
      seconds = Math.max(seconds, s.perSecond().length);
    }
    int step = Math.max(MIN_STEP, (seconds + MAX_POINTS - 1) / MAX_POINTS);
    List<double[]> points = new ArrayList<>();
    for (Series s : p.series()) {
      double[] v = downsample(s.perSecond(), step);
      points.add(v);
      for (double d : v) {
        max = Math.max(max, d);
      }
    }
    Axis axis = p.logFloor() > 0 ? Axis.log(p.logFloor(), max) : Axis.linear(max);
    b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
        LEFT, top + 12, escape(p.title())));
    // Grid and y labels.
    for (double tick : axis.ticks) {
      double yy = y0 + plotH - axis.fraction(tick) * plotH;
      b.append(String.format(Locale.ROOT,
          "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>%n", LEFT, yy, LEFT + plotW, yy));
      b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\">%s</text>%n",
          LEFT - 6, yy + 4, label(tick)));
    }
    // Time axis, in minutes or hours.
    boolean hours = seconds > 3 * 3600;
    double unit = hours ? 3600 : 60;
    double total = seconds / unit;
    double every = niceStep(total / 8);
    for (double m = 0; m <= total + 1e-9; m += every) {
      double xx = LEFT + (seconds == 0 ? 0 : m * unit / seconds * plotW);
      b.append(String.format(Locale.ROOT,
          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e4e4e4\"/>%n", xx, y0, xx, y0 + plotH));
      String text = Flags.number(m) + (hours ? "h" : "m");
      b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s</text>%n",
          xx, y0 + plotH + 16, text));
    }
    b.append(String.format(Locale.ROOT,
        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n", LEFT, y0, plotW, plotH));
    // Lines and legend.
    int legendY = y0 + 10;
    for (int k = 0; k < p.series().size(); k++) {
      Series s = p.series().get(k);
      double[] v = points.get(k);
      StringBuilder path = new StringBuilder();
      for (int i = 0; i < v.length; i++) {
        double xx = LEFT + (seconds <= 1 ? 0 : (double) i * step / (seconds - 1) * plotW);
        double yy = y0 + plotH - axis.fraction(v[i]) * plotH;
        path.append(i == 0 ? "M" : "L").append(String.format(Locale.ROOT, "%.1f,%.1f", Math.min(xx, LEFT + plotW), yy));
      }
      b.append(String.format(Locale.ROOT,
          "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s/>%n", path, s.color(),
          s.dashed() ? "1.5" : "1.8", s.dashed() ? " stroke-dasharray=\"6 4\"" : ""));
      b.append(String.format(Locale.ROOT,
          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"%s/>%n",
          LEFT + plotW + 12, legendY, LEFT + plotW + 32, legendY, s.color(),
          s.dashed() ? " stroke-dasharray=\"6 4\"" : ""));
      b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n",
          LEFT + plotW + 38, legendY + 4, escape(s.label())));
      legendY += 20;
    }
  }

  private static double[] downsample(double[] values, int step) {
    if (step == 1) {
      return values;
    }
    double[] out = new double[(values.length + step - 1) / step];
    for (int i = 0; i < out.length; i++) {
      double sum = 0;
      int n = 0;
      for (int j = i * step; j < Math.min(values.length, (i + 1) * step); j++) {
        sum += values[j];
        n++;
      }
      out[i] = n == 0 ? 0 : sum / n;
    }
    return out;
  }

  /** A y axis: where a value sits, as a fraction of the height, and where its grid lines go. */
  private static final class Axis {
    final boolean log;
    final double min;
    final double max;
    final List<Double> ticks = new ArrayList<>();

    private Axis(boolean log, double min, double max) {
      this.log = log;
      this.min = min;
      this.max = max;
    }

    static Axis linear(double max) {
      double step = niceStep(Math.max(max, 1e-9) / 5);
      double top = Math.max(step, Math.ceil(max * 1.08 / step) * step);
      Axis a = new Axis(false, 0, top);
      for (double t = 0; t <= top + step / 2; t += step) {
        a.ticks.add(t);
      }
      return a;
    }

    static Axis log(double floor, double max) {
      double top = Math.pow(10, Math.ceil(Math.log10(Math.max(max, floor * 10))));
      Axis a = new Axis(true, floor, top);
      for (double t = floor; t <= top * 1.0001; t *= 10) {
        a.ticks.add(t);
      }
      return a;
    }

    double fraction(double v) {
      if (log) {
        return v <= min ? 0 : Math.min(1, Math.log10(v / min) / Math.log10(max / min));
      }
      return Math.min(1, Math.max(0, v / max));
    }
  }

  private static double niceStep(double raw) {
    if (raw <= 0) {
      return 1;
    }
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double r = raw / magnitude;
    double nice = r <= 1 ? 1 : r <= 2 ? 2 : r <= 2.5 ? 2.5 : r <= 5 ? 5 : 10;
    return nice * magnitude;
  }

  private static String label(double v) {
    if (v < 1) {
      return String.format(Locale.ROOT, "%s", Flags.number(v));
    }
    if (v >= 1_000_000) {
      return Flags.number(v / 1_000_000) + "M";
    }
    if (v >= 1_000) {
      return Flags.number(v / 1_000) + "k";
    }
    return Flags.number(v);
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}

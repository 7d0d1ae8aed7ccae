package dev.herdguard.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns JMH's JSON results ({@code -rf json}) into the Markdown page {@code benchmarks/run.sh}
 * writes: one table per benchmark class (score ± error, B/op from {@code -prof gc}, and herdguard's
 * score divided by each row's), then the targets, each met or missed with its figures.
 *
 * <p>A benchmark method named {@code herdguard} is herdguard's, {@code baseline} is the floor, and
 * every other method is a peer. {@code SampleTime} benchmarks are compared by their median.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.herdguard.benchmarks.ResultsTable
 * --out benchmarks/results/latest.md --env "JDK=..." --env "CPU=..." results-t1.json results-t2.json}
 *
 * <p>No JSON library: JMH's output is parsed by the small reader below, so the jar needs nothing else.
 */
public final class ResultsTable {

  private static final String HERDGUARD = "herdguard";

  /** Titles of the known benchmark classes, in the order they are shown; others follow by name. */
  private static final Map<String, String> TITLES = new LinkedHashMap<>();

  static {
    TITLES.put("TokenCacheBenchmark", "Token-cache hit");
    TITLES.put("BackoffBenchmark", "Next backoff delay");
    TITLES.put("GuardedCallBenchmark", "Guarded call that succeeds");
    TITLES.put("OkHttpBenchmark", "OkHttp adapter: GET on loopback");
    TITLES.put("OkHttpOverheadBenchmark", "OkHttp adapter's own cost: the same call answered in memory");
  }

  /** One benchmark method at one thread count. */
  record Row(String clazz, String method, int threads, String mode, double score, double error,
      String unit, double median, double bytesPerOp, List<Double> iterationMedians,
      Map<String, String> params) {

    /** What the comparisons use: the median for a sampled distribution, else the score. */
    double value() {
      return "sample".equals(mode) ? median : score;
    }
  }

  private ResultsTable() {}

  public static void main(String[] args) throws IOException {
    Path out = null;
    List<String> env = new ArrayList<>();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[++i]);
        case "--env" -> env.add(args[++i]);
        default -> rows.addAll(read(Path.of(args[i])));
      }
    }
    // The fleet simulator has a section of its own (FleetSection): whole runs, not a hot path.
    rows.removeIf(r -> r.clazz().equals("FleetBenchmark"));
    String page = render(env, rows);
    if (out == null) {
      System.out.print(page);
    } else {
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(out, page, StandardCharsets.UTF_8);
    }
  }

  static List<Row> read(Path json) throws IOException {
    Object parsed = new Json(Files.readString(json, StandardCharsets.UTF_8)).value();
    List<Row> rows = new ArrayList<>();
    for (Object o : (List<?>) parsed) {
      Map<?, ?> b = (Map<?, ?>) o;
      String name = (String) b.get("benchmark");
      int dot = name.lastIndexOf('.');
      String clazz = name.substring(name.lastIndexOf('.', dot - 1) + 1, dot);
      Map<?, ?> primary = (Map<?, ?>) b.get("primaryMetric");
      Map<?, ?> percentiles = (Map<?, ?>) primary.get("scorePercentiles");
      Map<?, ?> secondary = (Map<?, ?>) b.get("secondaryMetrics");
      Map<?, ?> alloc = secondary == null ? null : (Map<?, ?>) secondary.get("gc.alloc.rate.norm");
      rows.add(new Row(clazz, name.substring(dot + 1), ((Number) b.get("threads")).intValue(),
          (String) b.get("mode"), number(primary.get("score")), number(primary.get("scoreError")),
          (String) primary.get("scoreUnit"),
          percentiles == null ? Double.NaN : number(percentiles.get("50.0")),
          alloc == null ? Double.NaN : number(alloc.get("score")),
          iterationMedians((List<?>) primary.get("rawDataHistogram")), params(b.get("params"))));
    }
    return rows;
  }

  /** A benchmark's {@code @Param} values, empty when it has none. */
  private static Map<String, String> params(Object params) {
    Map<String, String> m = new LinkedHashMap<>();
    if (params instanceof Map<?, ?> p) {
      p.forEach((k, v) -> m.put(String.valueOf(k), String.valueOf(v)));
    }
    return m;
  }

  /** The median of each measured iteration of a sampled benchmark: {@code [fork][iteration][[value, count]]}. */
  private static List<Double> iterationMedians(List<?> histogram) {
    List<Double> medians = new ArrayList<>();
    if (histogram == null) {
      return medians;
    }
    for (Object fork : histogram) {
      for (Object iteration : (List<?>) fork) {
        List<double[]> points = new ArrayList<>();
        double n = 0;
        for (Object p : (List<?>) iteration) {
          List<?> pair = (List<?>) p;
          points.add(new double[] {number(pair.get(0)), number(pair.get(1))});
          n += number(pair.get(1));
        }
        points.sort((a, b) -> Double.compare(a[0], b[0]));
        double seen = 0;
        for (double[] point : points) {
          seen += point[1];
          if (seen >= n / 2) {
            medians.add(point[0]);
            break;
          }
        }
      }
    }
    return medians;
  }

  static String render(List<String> env, List<Row> rows) {
    StringBuilder md = new StringBuilder();
    md.append("# herdguard benchmarks: latest results\n\n");
    for (String e : env) {
      int eq = e.indexOf('=');
      md.append("- **").append(e, 0, eq).append(":** ").append(e.substring(eq + 1)).append('\n');
    }
    md.append('\n');

    Map<String, List<Row>> byClass = new TreeMap<>((a, b) -> order(a) != order(b)
        ? Integer.compare(order(a), order(b)) : a.compareTo(b));
    for (Row r : rows) {
      byClass.computeIfAbsent(r.clazz(), k -> new ArrayList<>()).add(r);
    }
    md.append(targets(rows)).append('\n');
    for (Map.Entry<String, List<Row>> e : byClass.entrySet()) {
      md.append(table(e.getKey(), e.getValue())).append('\n');
    }
    md.append("Times are per operation and per thread. `herdguard ÷ this`: herdguard's time divided by the "
        + "row's at the same thread count (below 1: herdguard is faster; medians for sampled benchmarks). "
        + "B/op: bytes allocated per operation (`-prof gc`), 0 when below 0.5. Error: JMH's 99.9% "
        + "confidence half-interval.\n");
    return md.toString();
  }

  private static int order(String clazz) {
    int i = 0;
    for (String known : TITLES.keySet()) {
      if (known.equals(clazz)) {
        return i;
      }
      i++;
    }
    return i;
  }

  /** One table per class: a row per method, the thread counts side by side. */
  private static String table(String clazz, List<Row> rows) {
    List<Integer> threads = rows.stream().map(Row::threads).distinct().sorted().toList();
    List<String> methods = rows.stream().map(Row::method).distinct()
        .sorted((a, b) -> rank(a) != rank(b) ? Integer.compare(rank(a), rank(b)) : a.compareTo(b)).toList();
    boolean sampled = rows.stream().anyMatch(r -> "sample".equals(r.mode()));
    String unit = rows.get(0).unit().replace("us/op", "µs/op");
    StringBuilder md = new StringBuilder();
    md.append("### ").append(TITLES.getOrDefault(clazz, clazz)).append(" (`").append(clazz).append("`, ")
        .append(sampled ? "median and mean ± error, " : "").append(unit).append(")\n\n| method |");
    StringBuilder rule = new StringBuilder("|---|");
    for (int t : threads) {
      String th = t == 1 ? "1 thread" : t + " threads";
      md.append(' ').append(th).append(sampled ? ": median | mean ± error" : ": score ± error").append(" | B/op | herdguard ÷ this |");
      rule.append(sampled ? "---:|---:|---:|---:|" : "---:|---:|---:|");
    }
    md.append('\n').append(rule).append('\n');
    for (String method : methods) {
      md.append("| ").append(method.equals(HERDGUARD) ? "**herdguard**" : method).append(" |");
      for (int t : threads) {
        Row r = find(rows, method, t);
        if (r == null) {
          md.append(sampled ? "  |  |  |  |" : "  |  |  |");
          continue;
        }
        Row hg = find(rows, HERDGUARD, t);
        String ratio = hg == null || method.equals(HERDGUARD) ? "" : ratio(hg.value() / r.value());
        if (sampled) {
          md.append(' ').append(number(r.median())).append(" |");
        }
        md.append(' ').append(number(r.score())).append(" ± ").append(number(r.error(), r.score()))
            .append(" | ").append(bytes(r.bytesPerOp())).append(" | ").append(ratio).append(" |");
      }
      md.append('\n');
    }
    return md.toString();
  }

  private static int rank(String method) {
    return method.equals(HERDGUARD) ? 0 : method.equals("baseline") ? 2 : 1;
  }

  /** The targets, computed from the rows; a target without its rows is left out. */
  static String targets(List<Row> rows) {
    StringBuilder md = new StringBuilder("### Targets\n\n| target | threads | measured | verdict |\n"
        + "|---|---:|---|---|\n");
    for (int t : new int[] {1, 2}) {
      Row hg = find(rows, "TokenCacheBenchmark", HERDGUARD, t);
      Row caffeine = find(rows, "TokenCacheBenchmark", "caffeine", t);
      if (hg != null && caffeine != null) {
        double r = hg.value() / caffeine.value();
        md.append(line("token-cache hit ≤ 0.5× Caffeine's", t, String.format(Locale.ROOT,
            "%s ns vs %s ns: %s×", number(hg.value()), number(caffeine.value()), ratio(r)), r <= 0.5));
      }
    }
    for (int t : new int[] {1, 2}) {
      Row hg = find(rows, "BackoffBenchmark", HERDGUARD, t);
      if (hg != null) {
        md.append(line("next backoff delay ≤ 10 ns, 0 B/op", t, String.format(Locale.ROOT,
            "%s ns, %s B/op", number(hg.value()), bytes(hg.bytesPerOp())),
            hg.value() <= 10 && noAllocation(hg)));
      }
    }
    for (int t : new int[] {1, 2}) {
      Row hg = find(rows, "GuardedCallBenchmark", HERDGUARD, t);
      Row r4j = find(rows, "GuardedCallBenchmark", "resilience4j", t);
      if (hg != null && r4j != null) {
        double limit = t == 1 ? 0.8 : 0.5;
        double r = hg.value() / r4j.value();
        md.append(line("guarded call ≤ " + limit + "× Resilience4j Retry+CB, 0 B/op", t,
            String.format(Locale.ROOT, "%s ns vs %s ns: %s×, %s B/op", number(hg.value()),
                number(r4j.value()), ratio(r), bytes(hg.bytesPerOp())),
            r <= limit && noAllocation(hg)));
      }
    }
    for (int t : new int[] {1, 2}) {
      Row hg = find(rows, "OkHttpBenchmark", HERDGUARD, t);
      Row bare = find(rows, "OkHttpBenchmark", "baseline", t);
      if (hg != null && bare != null) {
        double added = hg.value() / bare.value() - 1;
        String measured = String.format(Locale.ROOT, "median %s µs vs %s µs bare: %+.1f%%",
            number(hg.value()), number(bare.value()), added * 100);
        Row hgMemory = find(rows, "OkHttpOverheadBenchmark", HERDGUARD, t);
        Row bareMemory = find(rows, "OkHttpOverheadBenchmark", "baseline", t);
        if (hgMemory != null && bareMemory != null && "ns/op".equals(hgMemory.unit())) {
          double own = hgMemory.value() - bareMemory.value();
          measured += String.format(Locale.ROOT, " (own cost without the network: %+.0f ns, %+.2f%% of that median)",
              own, own / 1000 / bare.value() * 100);
        }
        // Loopback medians move by several percent from one iteration (and fork) to the next, so the
        // verdict asks whether the difference is resolved: a 95% interval of the difference of the
        // mean iteration medians, relative to the bare client's.
        double[] interval = differenceInterval(hg.iterationMedians(), bare.iterationMedians(), bare.value());
        String verdict;
        if (interval == null) {
          verdict = added <= 0.03 ? "met" : "**missed**";
        } else {
          measured += String.format(Locale.ROOT, "; 95%% interval of the added latency from iteration "
              + "medians: %+.1f%% to %+.1f%%", interval[0] * 100, interval[1] * 100);
          verdict = interval[1] <= 0.03 ? "met" : interval[0] > 0.03 ? "**missed**"
              : "not resolved by loopback: noise wider than 3%";
        }
        md.append("| OkHttp adapter ≤ 3% added median latency | ").append(t).append(" | ").append(measured)
            .append(" | ").append(verdict).append(" |\n");
      }
    }
    return md.toString();
  }

  /**
   * A 95% interval of {@code mean(a) - mean(b)}, divided by {@code scale}, from the samples' means and
   * variances (normal approximation, t of about 2.1 for ten iterations); null with fewer than 3 each.
   */
  static double[] differenceInterval(List<Double> a, List<Double> b, double scale) {
    if (a.size() < 3 || b.size() < 3) {
      return null;
    }
    double ma = mean(a);
    double mb = mean(b);
    double se = Math.sqrt(variance(a, ma) / a.size() + variance(b, mb) / b.size());
    double t = Math.min(a.size(), b.size()) >= 10 ? 2.1 : 2.8;
    double d = ma - mb;
    return new double[] {(d - t * se) / scale, (d + t * se) / scale};
  }

  private static double mean(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  private static double variance(List<Double> xs, double mean) {
    return xs.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / (xs.size() - 1);
  }

  private static String line(String target, int threads, String measured, boolean met) {
    return "| " + target + " | " + threads + " | " + measured + " | " + (met ? "met" : "**missed**") + " |\n";
  }

  private static boolean noAllocation(Row r) {
    return !(r.bytesPerOp() >= 0.5);
  }

  private static Row find(List<Row> rows, String method, int threads) {
    return rows.stream().filter(r -> r.method().equals(method) && r.threads() == threads).findFirst().orElse(null);
  }

  private static Row find(List<Row> rows, String clazz, String method, int threads) {
    return rows.stream().filter(r -> r.clazz().equals(clazz) && r.method().equals(method) && r.threads() == threads)
        .findFirst().orElse(null);
  }

  private static String ratio(double r) {
    return Double.isFinite(r) ? String.format(Locale.ROOT, "%.2f", r) : "n/a";
  }

  private static String bytes(double b) {
    if (Double.isNaN(b)) {
      return "n/a";
    }
    return b < 0.5 ? "0" : String.format(Locale.ROOT, "%.0f", b);
  }

  private static String number(double x) {
    return number(x, x);
  }

  /** {@code x} with as many decimals as {@code scale} needs for three significant digits. */
  private static String number(double x, double scale) {
    if (Double.isNaN(x)) {
      return "n/a";
    }
    double s = Math.abs(scale);
    int decimals = s >= 100 ? 0 : s >= 10 ? 1 : s >= 1 ? 2 : 3;
    return String.format(Locale.ROOT, "%." + decimals + "f", x);
  }

  private static double number(Object o) {
    if (o instanceof Number n) {
      return n.doubleValue();
    }
    return o instanceof String s ? Double.parseDouble(s) : Double.NaN; // JMH writes "NaN" as a string
  }

  /** A reader of the JSON JMH writes: objects, arrays, strings, numbers, booleans, null. */
  static final class Json {
    private final String text;
    private int pos;

    Json(String text) {
      this.text = text;
    }

    Object value() {
      skipSpace();
      char c = text.charAt(pos);
      switch (c) {
        case '{': {
          Map<String, Object> map = new LinkedHashMap<>();
          pos++;
          skipSpace();
          if (text.charAt(pos) == '}') {
            pos++;
            return map;
          }
          while (true) {
            skipSpace();
            String key = string();
            skipSpace();
            expect(':');
            map.put(key, value());
            skipSpace();
            if (text.charAt(pos++) == '}') {
              return map;
            }
          }
        }
        case '[': {
          List<Object> list = new ArrayList<>();
          pos++;
          skipSpace();
          if (text.charAt(pos) == ']') {
            pos++;
            return list;
          }
          while (true) {
            list.add(value());
            skipSpace();
            if (text.charAt(pos++) == ']') {
              return list;
            }
          }
        }
        case '"':
          return string();
        default:
          int start = pos;
          while (pos < text.length() && ",}] \n\r\t".indexOf(text.charAt(pos)) < 0) {
            pos++;
          }
          String word = text.substring(start, pos);
          return switch (word) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            case "null" -> null;
            default -> Double.parseDouble(word);
          };
      }
    }

    private String string() {
      expect('"');
      StringBuilder s = new StringBuilder();
      while (true) {
        char c = text.charAt(pos++);
        if (c == '"') {
          return s.toString();
        }
        if (c == '\\') {
          char e = text.charAt(pos++);
          switch (e) {
            case 'n' -> s.append('\n');
            case 't' -> s.append('\t');
            case 'r' -> s.append('\r');
            case 'b' -> s.append('\b');
            case 'f' -> s.append('\f');
            case 'u' -> {
              s.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
              pos += 4;
            }
            default -> s.append(e);
          }
        } else {
          s.append(c);
        }
      }
    }

    private void expect(char c) {
      if (text.charAt(pos) != c) {
        throw new IllegalArgumentException("expected '" + c + "' at offset " + pos + " of the JMH results");
      }
      pos++;
    }

    private void skipSpace() {
      while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
    }
  }
}

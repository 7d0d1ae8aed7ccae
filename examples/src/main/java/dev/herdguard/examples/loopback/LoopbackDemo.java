package dev.herdguard.examples.loopback;

import dev.herdguard.HerdGuardConfig;
import dev.herdguard.examples.fleet.Flags;
import dev.herdguard.examples.fleet.FleetSimulator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The fleet simulator's story with real sockets: a login server on 127.0.0.1 with a fixed
 * capacity, and a few thousand clients that all restart within a few seconds, first as apps were
 * written before herdguard, then with herdguard (no token yet: cold; then restarted again with the
 * tokens the first run stored: warm). Each run prints the simulator's figures: the busiest
 * second's load against capacity, requests sent per login that succeeded, the time until 99% of
 * the fleet is online against the best a server at capacity could do, and the share of the
 * server's work that was wasted.
 *
 * <pre>
 * java -cp examples/target/herdguard-examples.jar dev.herdguard.examples.loopback.LoopbackDemo \
 *     --clients 2000 --capacity 200 --window 5s
 * </pre>
 *
 * <p>What is real: HTTP over loopback sockets, OkHttp 5, herdguard's {@code HerdGuard}, {@code
 * TokenCache} with one token file per client, the OkHttp adapter. What is scaled is time: the demo
 * runs six times faster than the world it stands for. Its 5 s reboot window, 2 s client timeout,
 * 4 s queue and 1 s naive retry stand for 30 s, 12 s, 24 s and 6 s, and its fleet, which needs 10 s
 * of the server's capacity to log in, stands for one that needs a minute (30,000 clients against
 * 500 logins/s). herdguard's settings measured in minutes are divided by the same {@code
 * --time-scale} so that they mean the same to that fleet: {@code startup.max-delay} 60s to 10s,
 * {@code backoff.max} 60s to 10s, {@code breaker.open-wait} 30s to 5s, {@code retry.max-duration}
 * 5m to 50s. The sub-second ones ({@code backoff.base} 500ms) and the rest are the library's
 * defaults. The startup delay is what carries the cold run: spread over 10 s, the fleet arrives at
 * about the server's capacity. A fleet that needs more of the server than the delay spreads
 * (100,000 clients against 500 logins/s need 200 s) is the fleet simulator's case; here {@code
 * --time-scale 60 --threads 2500} shows it. See {@link LoginServer} for the server's model, {@link
 * NaiveFleet} and {@link GuardedFleet} for the clients.
 *
 * <p>herdguard logs at INFO for every login; the demo sets {@code dev.herdguard} to ERROR unless
 * {@code -Dorg.slf4j.simpleLogger.log.dev.herdguard=…} says otherwise.
 *
 * <p>Not thread-safe: one demo at a time per {@link Options}; runs use fresh ports and threads.
 */
public final class LoopbackDemo {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private LoopbackDemo() {}

  /** Runs the demo; prints the usage and exits with 2 on a bad flag. */
  public static void main(String[] args) throws Exception {
    String logKey = "org.slf4j.simpleLogger.log.dev.herdguard";
    if (System.getProperty(logKey) == null) {
      System.setProperty(logKey, "error"); // else thousands of "logged in" lines bury the table
    }
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("loopback: " + e.getMessage());
      System.err.println(Options.USAGE);
      System.exit(2);
      return;
    }
    if (options == null) {
      System.out.println(Options.USAGE);
      return;
    }
    run(options, System.out);
  }

  /**
   * Runs the policies {@code options} asks for, one after the other, each against a server of its
   * own, printing a line as each ends and the table at the end.
   *
   * @return every run's figures
   * @throws IOException if a server cannot start or the token folder cannot be made
   * @throws InterruptedException if interrupted while a run goes on
   */
  public static Report run(Options options, PrintStream out) throws IOException, InterruptedException {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(out, "out");
    long[] reboots = Reboots.uniform(options.clients(), options.window(), options.seed());
    Path dir = options.tokenDir() != null ? Files.createDirectories(options.tokenDir())
        : Files.createTempDirectory("herdguard-loopback-");
    HerdGuardConfig config = options.herdguardConfig();
    describe(options, config, dir, out);
    List<Row> rows = new ArrayList<>();
    try {
      for (String run : options.runs()) {
        Row row = "naive".equals(run) ? runNaive(options, reboots)
            : "off".equals(run) ? runGuarded(options, FleetSimulator.hostStateOff(config), dir.resolve("off"), run, reboots)
            : runGuarded(options, config, dir, run, reboots);
        rows.add(row);
        out.printf(Locale.ROOT, "  %-9s %-5s done in %4.1fs: %s%n", row.policy(), row.tokens(),
            row.wallMillis() / 1000.0, row.notes());
      }
    } finally {
      if (options.tokenDir() == null) {
        deleteTree(dir);
      }
    }
    Report report = new Report(options, rows);
    out.println();
    printTable(report, out);
    return report;
  }

  private static void describe(Options o, HerdGuardConfig c, Path dir, PrintStream out) {
    LoginServer.Settings s = o.serverSettings();
    out.printf(Locale.ROOT, "loopback: %,d clients restart within %s against one login server on 127.0.0.1%n",
        o.clients(), Flags.format(o.window()));
    out.printf(Locale.ROOT, "  server: %s logins/s, queue %,d (%s of work); when full, 503 at once with Retry-After: %s"
            + " (costs %s%% of a login); a login served more than %s after it arrived is wasted%n",
        number(s.capacity()), s.queueLimit(), Flags.format(o.queue()),
        s.retryAfter() == null ? "-" : s.retryAfter().toSeconds(), number(100 * s.rejectCost()), Flags.format(o.timeout()));
    out.printf(Locale.ROOT, "  naive: no token cache, gives up after %s, retries every %s, ignores Retry-After%n",
        Flags.format(o.timeout()), Flags.format(o.naiveRetry()));
    out.printf(Locale.ROOT, "  herdguard: one HerdGuard and token file per client; library defaults with the minute-scale"
            + " ones / %s: startup.max-delay %s, backoff.max %s, breaker.open-wait %s, retry.max-duration %s;"
            + " gives up on an attempt after %s%n",
        number(o.timeScale()), Flags.format(c.startupMaxDelay()), Flags.format(c.backoffMax()), Flags.format(c.breakerOpenWait()),
        Flags.format(c.retryMaxDuration()), Flags.format(o.timeout()));
    out.printf(Locale.ROOT, "  token files in %s; a run stops when every client is online, or after %s%n", dir,
        Flags.format(o.limit()));
  }

  // ------------------------------------------------------------------ runs

  private static Row runNaive(Options o, long[] reboots) throws IOException, InterruptedException {
    THREADS.resetPeakThreadCount();
    try (LoginServer server = LoginServer.start(o.serverSettings()); SharedHttp http = new SharedHttp(o.clients())) {
      long t0 = server.traffic().epochNanos();
      OnlineLog online = new OnlineLog(o.clients(), t0);
      NaiveFleet fleet = new NaiveFleet(http, server.loginUri(), o.timeout(), o.naiveRetry(), reboots, t0, online);
      long wall;
      try {
        fleet.start();
        online.awaitAll(t0 + o.limit().toNanos());
        wall = (System.nanoTime() - t0) / 1_000_000;
      } finally {
        fleet.close();
      }
      ServerTraffic t = server.traffic();
      String notes = String.format(Locale.ROOT, "%,d answered 503, %,d logins served after the client had left; "
          + "%,d JVM threads at peak", t.totalRejected(), t.totalLate(), THREADS.getPeakThreadCount());
      return row(o, "naive", "none", reboots, fleet.neededLogin(), online, online.count(), t, wall, notes);
    }
  }

  private static Row runGuarded(Options o, HerdGuardConfig config, Path dir, String tokens, long[] reboots)
      throws IOException, InterruptedException {
    THREADS.resetPeakThreadCount();
    try (LoginServer server = LoginServer.start(o.serverSettings()); SharedHttp http = new SharedHttp(o.clients())) {
      long t0 = server.traffic().epochNanos();
      OnlineLog online = new OnlineLog(o.clients(), t0);
      GuardedFleet fleet = new GuardedFleet(http, server.loginUri(), config, dir, o.timeout(),
          Options.LOGIN_CALL_TIMEOUT, o.threads(), reboots, t0, online);
      long wall;
      try {
        fleet.start();
        online.awaitAll(t0 + o.limit().toNanos());
        wall = (System.nanoTime() - t0) / 1_000_000;
      } finally {
        fleet.close();
      }
      boolean[] needed = fleet.neededLogin();
      long[] at = online.millis();
      int logins = 0;
      for (int i = 0; i < needed.length; i++) {
        if (needed[i] && at[i] >= 0) {
          logins++;
        }
      }
      ServerTraffic t = server.traffic();
      GuardedFleet.Events e = fleet.events();
      String notes = String.format(Locale.ROOT, "%,d answered 503, %,d logins served after the client had left; "
              + "%,d retries, %,d failed logins, %,d breakers opened, %,d budget refusals; "
              + "%d logins at once at most on %d threads, %,d JVM threads at peak",
          t.totalRejected(), t.totalLate(), e.retries.sum(), e.loginsFailed.sum(), e.breakerOpened.sum(),
          e.budgetExhausted.sum(), fleet.peakLogins(), o.threads(), THREADS.getPeakThreadCount());
      if (!fleet.crashes().isEmpty()) {
        notes += "; " + fleet.crashes();
      }
      if (fleet.peakLogins() >= o.threads()) {
        // Logins then waited for a thread inside the demo, where the server never saw them.
        notes += "; WARNING: every thread was logging in, so logins queued in the client and the server saw"
            + " fewer than the fleet sent: raise --threads";
      }
      return row(o, "off".equals(tokens) ? "host off" : "herdguard", "off".equals(tokens) ? "cold" : tokens, reboots,
          needed, online, logins, t, wall, notes);
    }
  }

  private static Row row(Options o, String policy, String tokens, long[] reboots, boolean[] needed,
      OnlineLog online, int logins, ServerTraffic t, long wall, String notes) {
    return new Row(policy, tokens, o.clients(), t.totalOffered(), logins, online.count(), t.peakLoad(),
        Reboots.percentile99(online.millis()), Reboots.idealOnline99Millis(reboots, needed, o.capacity()),
        t.wastedShare(), wall, notes);
  }

  // ------------------------------------------------------------------ table

  /** Prints one line per run, in the simulator's columns. */
  static void printTable(Report report, PrintStream out) {
    out.printf(Locale.ROOT, "%-10s %-6s %9s %7s %10s %9s %-22s %7s %8s %7s%n", "policy", "tokens", "requests",
        "logins", "peak load", "req/login", "99% online", "ideal", "vs ideal", "wasted");
    for (Row r : report.rows()) {
      String online99 = r.online99Millis() >= 0 ? seconds(r.online99Millis())
          : String.format(Locale.ROOT, "never (%.0f%% at %s)", 100.0 * r.online() / r.clients(),
              seconds(r.wallMillis()));
      String perLogin = r.logins() > 0 ? String.format(Locale.ROOT, "%.2f", r.requestsPerLogin())
          : r.requests() == 0 ? "-" : "inf";
      String vsIdeal = r.online99Millis() < 0 ? "-"
          : String.format(Locale.ROOT, "%.1fx", r.online99VsIdeal());
      out.printf(Locale.ROOT, "%-10s %-6s %,9d %,7d %9.1fx %9s %-22s %7s %8s %6.1f%%%n", r.policy(), r.tokens(),
          r.requests(), r.logins(), r.peakLoad(), perLogin, online99, seconds(r.idealMillis()), vsIdeal,
          100 * r.wasted());
    }
    out.println("peak load: the busiest second's requests / capacity; ideal: a server at capacity logging the"
        + " fleet in as it restarts;");
    out.println("wasted: logins served after their client had given up, plus the cost of the 503s, as a share of"
        + " the server's work");
  }

  private static String seconds(long millis) {
    return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
  }

  private static String number(double v) {
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  private static void deleteTree(Path dir) {
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.delete(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          Files.delete(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete the token folder " + dir, e);
    }
  }

  // ------------------------------------------------------------------ values

  /**
   * One run's figures.
   *
   * @param policy {@code naive} or {@code herdguard}
   * @param tokens {@code none} (no cache), {@code cold} (no stored token) or {@code warm} (the tokens
   *     an earlier run stored)
   * @param clients the fleet
   * @param requests requests the server received
   * @param logins logins that succeeded
   * @param online clients online when the run ended
   * @param peakLoad the busiest second's requests against capacity
   * @param online99Millis when 99% of the fleet was online; -1 if not within the run
   * @param idealMillis when 99% could have been online at best: see {@link Reboots#idealOnline99Millis}
   * @param wasted share of the server's work that produced nothing
   * @param wallMillis how long the run took
   * @param notes what else the run counted, for the line printed when it ends
   */
  public record Row(
      String policy,
      String tokens,
      int clients,
      long requests,
      long logins,
      int online,
      double peakLoad,
      long online99Millis,
      long idealMillis,
      double wasted,
      long wallMillis,
      String notes) {

    /** Requests per successful login; infinite when none succeeded, 0 when none was needed. */
    public double requestsPerLogin() {
      if (logins == 0) {
        return requests == 0 ? 0 : Double.POSITIVE_INFINITY;
      }
      return (double) requests / logins;
    }

    /** {@link #online99Millis} over {@link #idealMillis}; infinite when 99% were never online. */
    public double online99VsIdeal() {
      return online99Millis < 0 ? Double.POSITIVE_INFINITY : (double) online99Millis / Math.max(1, idealMillis);
    }
  }

  /**
   * What a demo measured.
   *
   * @param options what it ran
   * @param rows one per run, in the order run
   */
  public record Report(Options options, List<Row> rows) {

    /** Copies the rows. */
    public Report {
      rows = List.copyOf(rows);
    }

    /** The run of {@code policy} with {@code tokens}, if it ran. */
    public Optional<Row> row(String policy, String tokens) {
      return rows.stream().filter(r -> r.policy().equals(policy) && r.tokens().equals(tokens)).findFirst();
    }
  }

  /**
   * The demo's settings, one per flag.
   *
   * @param clients the fleet ({@code --clients})
   * @param capacity the server's logins per second ({@code --capacity})
   * @param window every client restarts within this long ({@code --window})
   * @param queue the server's queue, as seconds of work ({@code --queue})
   * @param timeout how long a client waits for an answer ({@code --timeout})
   * @param naiveRetry the naive client's wait after a failure ({@code --naive-retry})
   * @param retryAfter the server's hint with a 503 ({@code --retry-after}); null: the queue's length, rounded up
   * @param timeScale herdguard's minute-scale settings are divided by this ({@code --time-scale})
   * @param limit a run stops after this long, online or not ({@code --limit})
   * @param threads the herdguard fleet's shared scheduler ({@code --threads})
   * @param seed the seed of the reboot times ({@code --seed})
   * @param tokenDir where the herdguard fleet keeps its token files; null: a temporary folder,
   *     deleted at the end ({@code --dir})
   * @param runs which runs, in order: {@code naive}, {@code off} (herdguard cold with its host state
   *     off: the behaviour before it), {@code cold}, {@code warm} ({@code --runs})
   */
  public record Options(
      int clients,
      double capacity,
      Duration window,
      Duration queue,
      Duration timeout,
      Duration naiveRetry,
      Duration retryAfter,
      double timeScale,
      Duration limit,
      int threads,
      long seed,
      Path tokenDir,
      List<String> runs) {

    /** A whole login, herdguard's retries included, ends after this; it bounds a call, not a fleet, so it is not scaled. */
    static final Duration LOGIN_CALL_TIMEOUT = Duration.ofSeconds(30);

    static final String USAGE = String.join("\n",
        "usage: LoopbackDemo [--clients 2000] [--capacity 200] [--window 5s] [--queue 4s] [--timeout 2s]",
        "                    [--naive-retry 1s] [--retry-after <queue, rounded up>] [--time-scale 6]",
        "                    [--limit 40s] [--threads 256] [--seed 2007] [--dir <token folder>]",
        "                    [--runs naive,off,cold,warm] [--bunched]",
        "--bunched: 6,000 clients against 100 logins/s, a minute of the server's work, restart within the",
        "           10 s startup delay: more bunched than it was sized for; runs naive,off,cold for 2m each",
        "durations: 250ms, 5s, 1m");

    private static final List<String> RUNS = List.of("naive", "cold", "warm");
    private static final List<String> KNOWN_RUNS = List.of("naive", "off", "cold", "warm");
    private static final List<String> FLAGS = List.of("--clients", "--capacity", "--window", "--queue", "--timeout",
        "--naive-retry", "--retry-after", "--time-scale", "--limit", "--threads", "--seed", "--dir", "--runs",
        "--bunched");

    /** Checks the values; messages name the flag and its value. */
    public Options {
      Objects.requireNonNull(window, "window");
      Objects.requireNonNull(queue, "queue");
      Objects.requireNonNull(timeout, "timeout");
      Objects.requireNonNull(naiveRetry, "naiveRetry");
      Objects.requireNonNull(limit, "limit");
      runs = List.copyOf(runs);
      List<String> problems = new ArrayList<>();
      if (clients < 1 || clients > 20_000) {
        problems.add("--clients (" + clients + ") must be in [1, 20000]: each client in flight holds a socket");
      }
      if (!(capacity > 0 && capacity <= 10_000)) {
        problems.add("--capacity (" + capacity + ") must be in (0, 10000]");
      }
      if (queue.isNegative() || Math.round(capacity * queue.toMillis() / 1000.0) < 1) {
        problems.add("--queue (" + Flags.format(queue) + ") must hold at least one login at --capacity " + capacity);
      }
      if (timeout.isZero() || timeout.isNegative()) {
        problems.add("--timeout (" + Flags.format(timeout) + ") must be > 0");
      }
      if (naiveRetry.isNegative()) {
        problems.add("--naive-retry (" + Flags.format(naiveRetry) + ") must be >= 0");
      }
      if (retryAfter != null && (retryAfter.isNegative() || retryAfter.toMillis() % 1000 != 0)) {
        problems.add("--retry-after (" + Flags.format(retryAfter) + ") must be whole seconds");
      }
      if (!(timeScale >= 1 && timeScale <= 1000)) {
        problems.add("--time-scale (" + timeScale + ") must be in [1, 1000]");
      }
      if (limit.isZero() || limit.isNegative() || limit.compareTo(Duration.ofMinutes(10)) > 0) {
        problems.add("--limit (" + Flags.format(limit) + ") must be > 0 and <= 10m");
      }
      if (threads < 2 || threads > 4096) {
        problems.add("--threads (" + threads + ") must be in [2, 4096]");
      }
      if (runs.isEmpty() || !KNOWN_RUNS.containsAll(runs)) {
        problems.add("--runs (" + String.join(",", runs) + ") must list some of naive, off, cold, warm");
      } else if (runs.contains("warm") && tokenDir == null
          && (!runs.contains("cold") || runs.indexOf("cold") > runs.indexOf("warm"))) {
        // Without cold before it the temporary folder is empty: the run would be cold, labelled warm.
        problems.add("--runs (" + String.join(",", runs) + ") needs cold before warm, or --dir holding the"
            + " token files of an earlier run");
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(String.join("; ", problems));
      }
    }

    /** The demo's defaults: 2,000 clients within 5 s against 200 logins/s, each run 40 s at most. */
    public static Options defaults() {
      return new Options(2000, 200, Duration.ofSeconds(5), Duration.ofSeconds(4), Duration.ofSeconds(2),
          Duration.ofSeconds(1), null, 6, Duration.ofSeconds(40), 256, 2007, null, RUNS);
    }

    /**
     * Options from {@code --flag value} (or {@code --flag=value}) arguments over the defaults.
     *
     * @return the options, or null when {@code --help} asks for the usage
     * @throws IllegalArgumentException naming every bad flag and value
     */
    public static Options parse(String... args) {
      Map<String, String> flags = new LinkedHashMap<>();
      List<String> problems = new ArrayList<>();
      boolean bunched = false;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--help") || a.equals("-h")) {
          return null;
        }
        if (!a.startsWith("--")) {
          problems.add("unexpected argument " + a);
          continue;
        }
        if (a.equals("--bunched")) {
          bunched = true;
          continue;
        }
        int eq = a.indexOf('=');
        String name = eq < 0 ? a : a.substring(0, eq);
        boolean known = FLAGS.contains(name);
        String value = eq >= 0 ? a.substring(eq + 1)
            : i + 1 < args.length && (known || !args[i + 1].startsWith("--")) ? args[++i] : null;
        if (!known) {
          problems.add("unknown flag " + name);
        } else if (value == null) {
          problems.add(name + " needs a value");
        } else if (flags.put(name, value) != null) {
          problems.add(name + " is given twice");
        }
      }
      if (bunched) {
        // A preset under the flags given: a fleet that needs six times what the startup delay spreads.
        flags.putIfAbsent("--clients", "6000");
        flags.putIfAbsent("--capacity", "100");
        flags.putIfAbsent("--limit", "2m");
        flags.putIfAbsent("--threads", "2048");
        flags.putIfAbsent("--runs", "naive,off,cold");
      }
      Options d = defaults();
      Reader r = new Reader(flags, problems);
      int clients = r.integer("--clients", d.clients());
      double capacity = r.decimal("--capacity", d.capacity());
      Duration window = r.duration("--window", d.window());
      Duration queue = r.duration("--queue", d.queue());
      Duration timeout = r.duration("--timeout", d.timeout());
      Duration naiveRetry = r.duration("--naive-retry", d.naiveRetry());
      Duration retryAfter = r.duration("--retry-after", null);
      double timeScale = r.decimal("--time-scale", d.timeScale());
      Duration limit = r.duration("--limit", d.limit());
      int threads = r.integer("--threads", d.threads());
      long seed = r.longValue("--seed", d.seed());
      String dir = flags.remove("--dir");
      String runs = flags.remove("--runs");
      try {
        Options o = new Options(clients, capacity, window, queue, timeout, naiveRetry, retryAfter, timeScale,
            limit, threads, seed, dir == null ? null : Path.of(dir), runs == null ? RUNS : List.of(runs.split(",", -1)));
        if (problems.isEmpty()) {
          return o;
        }
      } catch (IllegalArgumentException e) {
        problems.add(e.getMessage()); // the values' own rules, after the flags that could not be read
      }
      throw new IllegalArgumentException(String.join("; ", problems));
    }

    /** The login server these options describe. */
    LoginServer.Settings serverSettings() {
      int queueLimit = (int) Math.round(capacity * queue.toMillis() / 1000.0);
      // A server that knows its own queue tells clients when it will have drained it.
      Duration hint = retryAfter != null ? retryAfter
          : Duration.ofSeconds(Math.max(1, (queue.toMillis() + 999) / 1000));
      return new LoginServer.Settings(capacity, queueLimit, timeout, hint, 0.01,
          limit.plusSeconds(10));
    }

    /**
     * herdguard's defaults with the settings measured in minutes divided by {@link #timeScale}: the
     * startup delay's bound, the backoff's cap (never below its base), the breaker's open wait and
     * the longest a guarded call may retry.
     */
    HerdGuardConfig herdguardConfig() {
      HerdGuardConfig d = HerdGuardConfig.defaults();
      return d.toBuilder()
          .withStartupMaxDelay(scale(d.startupMaxDelay()))
          .withBackoffMax(max(d.backoffBase(), scale(d.backoffMax())))
          .withBreakerOpenWait(scale(d.breakerOpenWait()))
          .withRetryMaxDuration(scale(d.retryMaxDuration()))
          .withHostMaxWait(max(d.hostBase(), scale(d.hostMaxWait())))
          .withHostDownMaxWait(min(max(d.hostBase(), scale(d.hostMaxWait())), scale(d.hostDownMaxWait())))
          .withHostMaxTimeout(scale(d.hostMaxTimeout()))
          .withHostUserInterval(scale(d.hostUserInterval()))
          .build();
    }

    private Duration scale(Duration d) {
      return Duration.ofMillis(Math.round(d.toMillis() / timeScale));
    }

    private static Duration max(Duration a, Duration b) {
      return a.compareTo(b) >= 0 ? a : b;
    }

    private static Duration min(Duration a, Duration b) {
      return a.compareTo(b) <= 0 ? a : b;
    }

    /** Reads flags, collecting every problem instead of stopping at the first. */
    private record Reader(Map<String, String> flags, List<String> problems) {

      int integer(String name, int fallback) {
        String v = flags.remove(name);
        if (v == null) {
          return fallback;
        }
        try {
          return Integer.parseInt(v.replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
          problems.add(name + " (" + v + ") must be a whole number");
          return fallback;
        }
      }

      long longValue(String name, long fallback) {
        String v = flags.remove(name);
        if (v == null) {
          return fallback;
        }
        try {
          return Long.parseLong(v);
        } catch (NumberFormatException e) {
          problems.add(name + " (" + v + ") must be a whole number");
          return fallback;
        }
      }

      double decimal(String name, double fallback) {
        String v = flags.remove(name);
        if (v == null) {
          return fallback;
        }
        try {
          double d = Double.parseDouble(v);
          if (!Double.isFinite(d)) {
            throw new NumberFormatException();
          }
          return d;
        } catch (NumberFormatException e) {
          problems.add(name + " (" + v + ") must be a number");
          return fallback;
        }
      }

      Duration duration(String name, Duration fallback) {
        String v = flags.remove(name);
        if (v == null) {
          return fallback;
        }
        Duration d = Flags.parseDuration(v);
        if (d == null) {
          problems.add(name + " (" + v + ") must be a duration such as 250ms, 5s or 1m");
          return fallback;
        }
        return d;
      }
    }
  }
}

package dev.herdguard.examples.fleet;

import dev.herdguard.HerdGuardConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * The fleet simulator's command line: picks a scenario, reads its flags, plays each policy (in
 * parallel, one run per thread, each run deterministic from its seed), prints the table and writes
 * the chart.
 *
 * <pre>
 * fleet                                  patch-tuesday, both policies, warm and cold
 * fleet &lt;scenario&gt; [--flag value ...]     another scenario, or other parameters
 * fleet --help | fleet &lt;scenario&gt; --help
 * </pre>
 *
 * <p>Stateless; each call of {@link #run} stands alone.
 */
public final class FleetSimulator {

  /** The scenarios, in the order the help lists them. */
  public static final List<String> SCENARIOS = List.of("patch-tuesday", "slow-server", "mass-expiry", "staged-push",
      "bunched-reboot", "big-fleet", "outage", "crash-loop");

  private static final String NAIVE_COLOR = "#d62728";
  private static final String COLD_COLOR = "#1f77b4";
  private static final String WARM_COLOR = "#2ca02c";
  private static final String CAPACITY_COLOR = "#777777";

  private FleetSimulator() {}

  /**
   * Runs the command line {@code args}, printing to {@code out} and problems to {@code err}.
   *
   * @return the exit status: 0, or 2 for a bad command line
   */
  public static int run(List<String> args, PrintStream out, PrintStream err) {
    String scenario = "patch-tuesday";
    List<String> flags = args;
    if (!args.isEmpty() && !args.get(0).startsWith("--")) {
      scenario = args.get(0);
      flags = args.subList(1, args.size());
    } else if (!args.isEmpty() && isHelp(args.get(0))) {
      usage(out);
      return 0;
    }
    if (scenario.equals("help") || scenario.equals("-h")) {
      usage(out);
      return 0;
    }
    if (!SCENARIOS.contains(scenario)) {
      err.println("unknown scenario '" + scenario + "'; known: " + String.join(", ", SCENARIOS));
      err.println("run with --help for the list");
      return 2;
    }
    List<Flags.Option> options = options(scenario);
    if (flags.stream().anyMatch(FleetSimulator::isHelp)) {
      scenarioUsage(scenario, options, out);
      return 0;
    }
    try {
      Flags f = Flags.parse(flags, options);
      Report report = report(scenario, f);
      report.print(out);
      return 0;
    } catch (IllegalArgumentException e) {
      err.println(scenario + ": " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println(scenario + ": " + e);
      return 1;
    }
  }

  private static boolean isHelp(String arg) {
    return arg.equals("--help") || arg.equals("-h");
  }

  /** Plays {@code scenario} with {@code flags} and writes its chart; for tests and for {@link #run}. */
  public static Report report(String scenario, Flags flags) throws IOException {
    return switch (scenario) {
      case "patch-tuesday" -> patchTuesday(flags);
      case "slow-server" -> slowServer(flags);
      case "mass-expiry" -> massExpiry(flags);
      case "staged-push" -> stagedPush(flags);
      case "bunched-reboot", "big-fleet", "outage", "crash-loop" -> selfHealing(scenario, flags);
      default -> throw new IllegalArgumentException("unknown scenario " + scenario);
    };
  }

  // ------------------------------------------------------------------ help

  private static void usage(PrintStream out) {
    out.println("herdguard fleet simulator: a whole fleet on virtual time, naive against herdguard's real objects");
    out.println();
    out.println("usage: bin/demo [<scenario>] [--flag value ...]");
    out.println("       bin/demo <scenario> --help      lists a scenario's flags and defaults");
    out.println();
    out.println("scenarios:");
    out.println("  patch-tuesday  (Skype 2007)      a patch reboots the fleet within 10 minutes; warm and cold token caches [default]");
    out.println("  slow-server    (Azure 2009)      steady traffic, then the server falls to 30% of its capacity for 5 minutes");
    out.println("  mass-expiry    (Azure 2013)      every token issued within one minute with the same lifetime");
    out.println("  staged-push    (CloudFlare 2013) a bad update: staged by cohort with a halt, against everyone at once");
    out.println("  bunched-reboot (self-healing)    100,000 reboots within 2 minutes: more bunched than the startup delay");
    out.println("  big-fleet      (self-healing)    1,000,000 clients against a server sized for 100,000");
    out.println("  outage         (self-healing)    the login server refuses every connection for the first 10 minutes");
    out.println("  crash-loop     (self-healing)    bunched-reboot, each process exiting 30 s after a failed login");
    out.println("                 each self-healing scenario plays naive, herdguard with host state off, and herdguard");
    out.println();
    out.println("every scenario prints a table and writes a chart (PNG) of requests per second and its outcome to --out (target/fleet).");
    out.println("herdguard runs with its defaults, or with the herdguard.* properties of --config <file>.");
    out.println();
    out.println("bin/demo loopback [--help]  the same story over real sockets: a login server on 127.0.0.1 and");
    out.println("                            a few thousand OkHttp clients, naive against herdguard");
  }

  private static void scenarioUsage(String scenario, List<Flags.Option> options, PrintStream out) {
    out.println("usage: bin/demo " + scenario + " [--flag value ...]");
    out.println();
    int width = 0;
    for (Flags.Option o : options) {
      width = Math.max(width, o.name().length() + 2 + (o.defaultValue().isEmpty() ? 0 : o.defaultValue().length() + 1));
    }
    for (Flags.Option o : options) {
      String left = "--" + o.name() + (o.defaultValue().isEmpty() ? "" : " " + o.defaultValue());
      out.printf("  %-" + width + "s  %s%n", left, o.help());
    }
  }

  static List<Flags.Option> options(String scenario) {
    List<Flags.Option> o = new ArrayList<>();
    switch (scenario) {
      case "patch-tuesday" -> {
        o.add(new Flags.Option("clients", "100000", "fleet size"));
        o.add(new Flags.Option("window", "10m", "every machine reboots within this long after the patch's deadline"));
        o.add(new Flags.Option("reboot-mean", "2m30s", "mean reboot time (exponential, cut at --window): most come back early"));
        o.add(new Flags.Option("token-lifetime", "24h", "lifetime of a token; a warm machine's token was issued at a random moment of the last lifetime"));
        o.add(new Flags.Option("cache", "both", "warm (tokens kept across the restart), cold (none anywhere) or both"));
        serverOptions(o, "500 per 100,000 clients");
        o.add(new Flags.Option("naive-retry", "2s", "the naive client's fixed wait after a 503 or a timeout"));
        o.add(new Flags.Option("horizon", "15m", "the run stops here, or when every client is online"));
        common(o, "2007");
      }
      case "slow-server" -> {
        o.add(new Flags.Option("clients", "10000", "fleet size"));
        o.add(new Flags.Option("interval", "20s", "mean time between two calls of one client (Poisson)"));
        serverOptions(o, "800 per 10,000 clients");
        o.add(new Flags.Option("slow-from", "5m", "the slowdown starts here"));
        o.add(new Flags.Option("slow-for", "5m", "and lasts this long"));
        o.add(new Flags.Option("slow-factor", "0.3", "share of capacity left during the slowdown"));
        o.add(new Flags.Option("naive-retry", "2s", "the naive client's fixed wait after a 503 or a timeout"));
        o.add(new Flags.Option("horizon", "20m", "length of the run"));
        common(o, "2009");
      }
      case "mass-expiry" -> {
        o.add(new Flags.Option("clients", "10000", "fleet size (each herdguard client is a real TokenCache with its own timers)"));
        o.add(new Flags.Option("issue-window", "1m", "every token was issued within this long"));
        o.add(new Flags.Option("lifetime", "1h", "every token's lifetime"));
        serverOptions(o, "500 per 100,000 clients");
        o.add(new Flags.Option("naive-margin", "5m", "a naive client renews this long before its token expires"));
        o.add(new Flags.Option("naive-retry", "2s", "the naive client's fixed wait after a failure"));
        o.add(new Flags.Option("horizon", "", "length of the run; default: the lifetime plus 10 minutes"));
        common(o, "2013");
      }
      case "bunched-reboot", "big-fleet", "outage", "crash-loop" -> {
        boolean big = scenario.equals("big-fleet");
        boolean bunched = scenario.equals("bunched-reboot") || scenario.equals("crash-loop");
        o.add(new Flags.Option("clients", big ? "1000000" : "100000", "fleet size"));
        o.add(new Flags.Option("window", bunched ? "2m" : "10m", "every machine reboots within this long"));
        o.add(new Flags.Option("reboot-mean", bunched ? "30s" : "2m30s", "mean reboot time (exponential, cut at --window)"));
        o.add(new Flags.Option("capacity", big ? "500" : "", "server capacity, requests per second; default "
            + (big ? "500, the fleet of 100,000 the defaults are sized for" : "500 per 100,000 clients")));
        o.add(new Flags.Option("queue", "", "most requests waiting in the server's FIFO queue; default 20 s of work"));
        o.add(new Flags.Option("timeout", "5s", "a client gives up on a request after this long (herdguard's patience grows from it)"));
        o.add(new Flags.Option("reject-cost", "0.01", "work a 503 costs the server, as a share of a request's"));
        o.add(new Flags.Option("retry-after", "none", "the Retry-After hint sent with a 503, such as 30s; none by default"));
        o.add(new Flags.Option("server", "normal", "normal, or pacing: 503 at once when a request would wait past the "
            + "timeout, with a Retry-After slot per client"));
        o.add(new Flags.Option("outage", scenario.equals("outage") ? "10m" : "0", "the server refuses every connection this long from the start"));
        o.add(new Flags.Option("crash-after", scenario.equals("crash-loop") ? "30s" : "none",
            "a herdguard client's process exits this long after a failed login and restarts with its state"));
        o.add(new Flags.Option("token-lifetime", "24h", "lifetime of a new token"));
        o.add(new Flags.Option("naive-retry", "2s", "the naive client's fixed wait after a failure"));
        o.add(new Flags.Option("horizon", big ? "75m" : scenario.equals("outage") ? "45m" : "30m",
            "the run stops here, or when every client is online"));
        common(o, "2007");
      }
      default -> {
        o.add(new Flags.Option("clients", "100000", "fleet size"));
        o.add(new Flags.Option("steps", "1,10,50,100", "the rollout's percentages, one per step"));
        o.add(new Flags.Option("step-every", "1h", "time between two steps"));
        o.add(new Flags.Option("halt-after", "20", "crash reports that halt the rollout"));
        o.add(new Flags.Option("report-delay", "2m", "from install to the crash report's arrival"));
        o.add(new Flags.Option("naive-poll", "1m", "the naive client's fixed update-polling interval"));
        o.add(new Flags.Option("horizon", "8h", "length of the run"));
        common(o, "2013");
      }
    }
    return o;
  }

  private static void serverOptions(List<Flags.Option> o, String capacityDefault) {
    o.add(new Flags.Option("capacity", "", "server capacity, requests per second; default " + capacityDefault));
    o.add(new Flags.Option("queue", "", "most requests waiting in the server's FIFO queue; default 20 s of work"));
    o.add(new Flags.Option("timeout", "5s", "a client gives up on a request after this long"));
    o.add(new Flags.Option("reject-cost", "0.01", "work a 503 costs the server, as a share of a request's"));
    o.add(new Flags.Option("retry-after", "none", "the Retry-After hint sent with a 503, such as 30s; none by default"));
  }

  private static void common(List<Flags.Option> o, String seed) {
    o.add(new Flags.Option("seed", seed, "seed of every random draw: same seed, same table"));
    o.add(new Flags.Option("config", "", "a properties file of herdguard.* keys for the herdguard fleet"));
    o.add(new Flags.Option("out", "target/fleet", "folder for the chart (<scenario>.png)"));
    o.add(new Flags.Option("threads", String.valueOf(Runtime.getRuntime().availableProcessors()),
        "runs played at once (each run is single-threaded)"));
  }

  // ------------------------------------------------------------------ shared flag reading

  private record Common(long seed, HerdGuardConfig config, String configName, Path out, int threads) {}

  /** An event carries its client in 28 bits; past a few tens of millions memory runs out first anyway. */
  private static final int MAX_CLIENTS = 50_000_000;

  private static Common common(Flags f) throws IOException {
    if (f.intValue("clients", 1) > MAX_CLIENTS) {
      throw new IllegalArgumentException("--clients (" + f.text("clients") + ") must be <= " + MAX_CLIENTS);
    }
    long seed;
    try {
      seed = Long.parseLong(f.text("seed"));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("--seed (" + f.text("seed") + ") must be a whole number");
    }
    HerdGuardConfig config = HerdGuardConfig.defaults();
    String name = "herdguard's defaults";
    String file = f.text("config");
    if (file != null) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
        p.load(r);
      }
      config = HerdGuardConfig.fromProperties(p);
      name = file;
    }
    int threads = f.intValue("threads", 1);
    return new Common(seed, config, name, Path.of(f.text("out")), threads);
  }

  private static SimServer.Settings server(Flags f, double defaultCapacity, Duration slowFrom, Duration slowFor,
      double slowFactor) {
    double capacity = f.doubleOr("capacity", defaultCapacity, 1e-3, 1e9);
    int queue = f.text("queue") == null ? (int) Math.max(1, Math.round(capacity * 20)) : f.intValue("queue", 1);
    double rejectCost = f.doubleValue("reject-cost", 0, 1);
    Duration timeout = f.positiveDuration("timeout");
    Duration retryAfter = f.duration("retry-after");
    f.throwIfErrors();
    return new SimServer.Settings(capacity, queue, rejectCost, timeout, retryAfter, slowFrom, slowFor, slowFactor);
  }

  // ------------------------------------------------------------------ patch-tuesday

  private static Report patchTuesday(Flags f) throws IOException {
    int clients = f.intValue("clients", 1);
    Duration window = f.positiveDuration("window");
    Duration mean = f.positiveDuration("reboot-mean");
    Duration lifetime = f.positiveDuration("token-lifetime");
    String cache = f.text("cache");
    if (!List.of("both", "warm", "cold").contains(cache)) {
      throw new IllegalArgumentException("--cache (" + cache + ") must be warm, cold or both");
    }
    Duration naiveRetry = f.positiveDuration("naive-retry");
    Duration horizon = f.positiveDuration("horizon");
    Common c = common(f);
    SimServer.Settings server = server(f, 500.0 * clients / 100_000, null, Duration.ZERO, 1.0);
    f.throwIfErrors();
    PatchTuesday.Settings s = new PatchTuesday.Settings(clients, window, mean, lifetime, server, naiveRetry,
        horizon, c.seed(), c.config());

    // Longest first, so that two threads finish together. A naive client keeps no token: warm and
    // cold are the same run for it, played once.
    List<Callable<PatchTuesday.Result>> runs = new ArrayList<>();
    if (!cache.equals("warm")) {
      runs.add(() -> PatchTuesday.run(s, Policy.HERDGUARD, false));
    }
    runs.add(() -> PatchTuesday.run(s, Policy.NAIVE, false));
    if (!cache.equals("cold")) {
      runs.add(() -> PatchTuesday.run(s, Policy.HERDGUARD, true));
    }
    long start = System.nanoTime();
    List<PatchTuesday.Result> results = runAll(runs, c.threads());
    long wall = (System.nanoTime() - start) / 1_000_000;
    PatchTuesday.Result naive = find(results, r -> r.policy() == Policy.NAIVE);
    PatchTuesday.Result warm = find(results, r -> r.policy() == Policy.HERDGUARD && r.warm());
    PatchTuesday.Result cold = find(results, r -> r.policy() == Policy.HERDGUARD && !r.warm());

    Report report = new Report("patch-tuesday (Skype, August 2007): a patch reboots the whole fleet",
        s.describe() + "\nherdguard: " + c.configName() + "; ideal = when 99% could be online if the server "
            + "served logins flat out from each machine's reboot (logins needed / capacity = "
            + format(Math.round(clients / server.capacity() * 1000)) + " for a cold fleet)",
        List.of("policy", "tokens", "peak load", "requests", "logins", "req/login", "99% online", "ideal",
            "vs ideal", "wasted"));
    // A naive client keeps no token: one row, whichever caches were asked for.
    patchRow(report, naive, "none", horizon);
    if (warm != null) {
      patchRow(report, warm, "warm", horizon);
    }
    if (cold != null) {
      patchRow(report, cold, "cold", horizon);
    }
    if (warm != null) {
      report.target("warm: logins <= 1% of the fleet", percent(warm.loginShare(), 2), warm.loginShare() <= 0.01);
      report.target("warm: peak load <= 1.0x capacity", times(warm.peakLoad()), warm.peakLoad() <= 1.0);
    }
    if (cold != null) {
      report.target("cold: 99% online <= 1.25x ideal", times(cold.online99VsIdeal()), cold.online99VsIdeal() <= 1.25);
      report.target("cold: wasted work <= 5%", percent(cold.wasted(), 1), cold.wasted() <= 0.05);
    }
    report.note(timing(wall, c.threads(), results.stream().map(r -> label(r.policy(), r.warm() ? "warm" : "cold")
        + " " + seconds(r.wallMillis())).toList()));

    // The outcome first: the share of the fleet online. A warm fleet needs almost no logins, so
    // on a requests panel alone it would read as "did nothing"; its legend says what it sent.
    List<FleetChart.Series> online = new ArrayList<>();
    List<FleetChart.Series> load = new ArrayList<>();
    online.add(new FleetChart.Series("naive", NAIVE_COLOR, percentOf(naive.onlineShare())));
    load.add(new FleetChart.Series("naive: " + roughly(naive.requests()) + " requests", NAIVE_COLOR,
        sent(naive.traffic())));
    if (warm != null) {
      online.add(new FleetChart.Series("herdguard, warm", WARM_COLOR, percentOf(warm.onlineShare())));
      load.add(new FleetChart.Series("herdguard, warm: " + roughly(warm.logins()) + " logins ("
          + percent(warm.loginShare(), 1) + " of the fleet)", WARM_COLOR,
          sent(warm.traffic())));
    }
    if (cold != null) {
      online.add(new FleetChart.Series("herdguard, cold", COLD_COLOR, percentOf(cold.onlineShare())));
      load.add(new FleetChart.Series("herdguard, cold: " + roughly(cold.requests()) + " requests", COLD_COLOR,
          sent(cold.traffic())));
    }
    load.add(capacity(naive.traffic()));
    return chart(report, c, "patch-tuesday", "patch-tuesday: " + String.format("%,d", clients)
            + " clients reboot within " + format(window.toMillis()),
        "login server " + Flags.number(server.capacity()) + "/s; warm = tokens kept across the restart, "
            + "cold = none; naive keeps none",
        List.of(FleetChart.Panel.linear("share of the fleet online, %", online),
            FleetChart.Panel.log("login requests per second (log scale; a gap: none sent)", load)));
  }

  private static void patchRow(Report report, PatchTuesday.Result r, String tokens, Duration horizon) {
    report.row(r.policy().label(), tokens, times(r.peakLoad()), count(r.requests()), count(r.logins()),
        ratio(r.requestsPerLogin()), r.online99Ms() < 0 ? "not in " + format(horizon.toMillis()) : format(r.online99Ms()),
        format(r.idealMs()), r.online99Ms() < 0 ? "-" : times(r.online99VsIdeal()), percent(r.wasted(), 1));
  }

  // ------------------------------------------------------------------ self-healing

  /** The host-state-off configuration: what herdguard did before it kept state per host. */
  public static HerdGuardConfig hostStateOff(HerdGuardConfig c) {
    return c.toBuilder().withHostEnabled(false).build();
  }

  /** The settings of a self-healing scenario from its flags. */
  static PatchTuesday.Settings selfHealingSettings(Flags f, long seed, HerdGuardConfig config) {
    int clients = f.intValue("clients", 1);
    Duration window = f.positiveDuration("window");
    Duration mean = f.positiveDuration("reboot-mean");
    Duration lifetime = f.positiveDuration("token-lifetime");
    Duration naiveRetry = f.positiveDuration("naive-retry");
    Duration horizon = f.positiveDuration("horizon");
    Duration outage = f.duration("outage");
    Duration crashAfter = f.duration("crash-after");
    String kind = f.text("server");
    if (!List.of("normal", "pacing").contains(kind)) {
      throw new IllegalArgumentException("--server (" + kind + ") must be normal or pacing");
    }
    SimServer.Settings server = server(f, 500.0 * clients / 100_000, null, Duration.ZERO, 1.0)
        .downFor(outage == null ? Duration.ZERO : outage).pacing(kind.equals("pacing"));
    f.throwIfErrors();
    return new PatchTuesday.Settings(clients, window, mean, lifetime, server, naiveRetry, horizon, seed,
        config, crashAfter);
  }

  private static Report selfHealing(String scenario, Flags f) throws IOException {
    Common c = common(f);
    PatchTuesday.Settings s = selfHealingSettings(f, c.seed(), c.config());
    PatchTuesday.Settings off = s.withConfig(hostStateOff(s.config()));
    long start = System.nanoTime();
    List<PatchTuesday.Result> results = runAll(List.of(
        () -> PatchTuesday.run(s, Policy.NAIVE, false),
        () -> PatchTuesday.run(off, Policy.HERDGUARD, false),
        () -> PatchTuesday.run(s, Policy.HERDGUARD, false)), c.threads());
    long wall = (System.nanoTime() - start) / 1_000_000;
    PatchTuesday.Result naive = results.get(0);
    PatchTuesday.Result hostOff = results.get(1);
    PatchTuesday.Result hg = results.get(2);
    String title = switch (scenario) {
      case "bunched-reboot" -> "bunched-reboot: reboots more bunched than the startup delay was sized for";
      case "big-fleet" -> "big-fleet: ten times the fleet the defaults are sized for";
      case "outage" -> "outage: the login server is down when the fleet comes back";
      default -> "crash-loop: each process exits " + f.text("crash-after") + " after a failed login";
    };
    double ideal = clientsOverCapacityMs(s);
    Report report = new Report(title, s.describe() + "\nherdguard: " + c.configName() + "; cold (no stored tokens); "
        + "ideal = when 99% could be online if the server served logins flat out from each machine's reboot"
        + (s.server().downFor().isZero() ? "" : " (the outage not counted)")
        + "; logins needed / capacity = " + format(Math.round(ideal)),
        List.of("policy", "peak load", "requests", "logins", "req/login", "99% online", "ideal", "vs ideal",
            "wasted", "mean to online"));
    selfHealingRow(report, naive, "naive", s.horizon());
    selfHealingRow(report, hostOff, "herdguard, host state off", s.horizon());
    selfHealingRow(report, hg, "herdguard", s.horizon());
    long outageMs = s.server().downFor().toMillis();
    boolean pacing = s.server().pacing();
    switch (scenario) {
      case "outage" -> {
        double bound = outageMs + 2.5 * ideal;
        report.target("99% online <= end of outage + 2.5 x logins/capacity (" + format(Math.round(bound)) + ")",
            hg.online99Ms() < 0 ? "not in run" : format(hg.online99Ms()), hg.online99Ms() >= 0 && hg.online99Ms() <= bound);
      }
      default -> {
        double vs = pacing ? 1.15 : 2.0;
        double wasted = pacing ? 0.02 : 0.30;
        report.target("99% online <= " + Flags.number(vs) + "x ideal", times(hg.online99VsIdeal()),
            hg.online99VsIdeal() <= vs);
        report.target("wasted work <= " + percent(wasted, 0), percent(hg.wasted(), 1), hg.wasted() <= wasted);
      }
    }
    report.note(timing(wall, c.threads(), List.of("naive " + seconds(naive.wallMillis()),
        "host state off " + seconds(hostOff.wallMillis()), "herdguard " + seconds(hg.wallMillis()))));
    String hostOffColor = "#ff7f0e";
    return chart(report, c, scenario + (pacing ? "-pacing" : ""), title,
        String.format("%,d clients, login server %s/s%s", s.clients(), Flags.number(s.server().capacity()),
            pacing ? ", pacing" : ""),
        List.of(FleetChart.Panel.log("requests per second (log scale)", List.of(
                new FleetChart.Series("naive", NAIVE_COLOR, sent(naive.traffic())),
                new FleetChart.Series("herdguard, host state off", hostOffColor, sent(hostOff.traffic())),
                new FleetChart.Series("herdguard", COLD_COLOR, sent(hg.traffic())),
                capacity(hg.traffic()))),
            FleetChart.Panel.linear("share of the fleet online, %", List.of(
                new FleetChart.Series("naive", NAIVE_COLOR, percentOf(naive.onlineShare())),
                new FleetChart.Series("herdguard, host state off", hostOffColor, percentOf(hostOff.onlineShare())),
                new FleetChart.Series("herdguard", COLD_COLOR, percentOf(hg.onlineShare()))))));
  }

  private static double clientsOverCapacityMs(PatchTuesday.Settings s) {
    return s.clients() / s.server().capacity() * 1000;
  }

  private static double[] percentOf(double[] shares) {
    double[] v = new double[shares.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = shares[i] * 100;
    }
    return v;
  }

  private static void selfHealingRow(Report report, PatchTuesday.Result r, String label, Duration horizon) {
    report.row(label, times(r.peakLoad()), count(r.requests()), count(r.logins()), ratio(r.requestsPerLogin()),
        r.online99Ms() < 0 ? "not in " + format(horizon.toMillis()) : format(r.online99Ms()), format(r.idealMs()),
        r.online99Ms() < 0 ? "-" : times(r.online99VsIdeal()), percent(r.wasted(), 1),
        r.meanOnlineMs() < 0 ? "-" : format(r.meanOnlineMs()));
  }

  // ------------------------------------------------------------------ slow-server

  private static Report slowServer(Flags f) throws IOException {
    int clients = f.intValue("clients", 1);
    Duration interval = f.positiveDuration("interval");
    Duration slowFrom = f.positiveDuration("slow-from");
    Duration slowFor = f.positiveDuration("slow-for");
    double factor = f.doubleValue("slow-factor", 0.001, 1);
    Duration naiveRetry = f.positiveDuration("naive-retry");
    Duration horizon = f.positiveDuration("horizon");
    Common c = common(f);
    SimServer.Settings server = server(f, 800.0 * clients / 10_000, slowFrom, slowFor, factor);
    if (slowFrom.plus(slowFor).compareTo(horizon) >= 0) {
      throw new IllegalArgumentException("--horizon (" + format(horizon.toMillis()) + ") must end after the slowdown ("
          + format(slowFrom.plus(slowFor).toMillis()) + ")");
    }
    SlowServer.Settings s = new SlowServer.Settings(clients, interval, server, naiveRetry, horizon, c.seed(), c.config());
    long start = System.nanoTime();
    List<SlowServer.Result> results = runAll(List.of(
        () -> SlowServer.run(s, Policy.NAIVE), () -> SlowServer.run(s, Policy.HERDGUARD)), c.threads());
    long wall = (System.nanoTime() - start) / 1_000_000;
    Report report = new Report("slow-server (Azure, March 2009): the server falls to "
        + Math.round(factor * 100) + "% of its capacity", s.describe() + "\nherdguard: " + c.configName()
        + "; req/success over the whole run and from the slowdown on; recovered = goodput back to 90% of the "
        + "call rate, counted from when capacity returned",
        List.of("policy", "peak load", "calls", "requests", "succeeded", "gave up", "req/success", "from slowdown",
            "recovered", "wasted"));
    for (SlowServer.Result r : results) {
      report.row(r.policy().label(), times(r.peakLoad()), count(r.calls()), count(r.requests()), count(r.succeeded()),
          count(r.failed()), ratio(r.requestsPerSuccess()), ratio(r.incidentRequestsPerSuccess()),
          r.recoveredAfterMs() < 0 ? "not in run" : "after " + format(r.recoveredAfterMs()), percent(r.wasted(), 1));
    }
    SlowServer.Result hg = results.get(1);
    report.target("requests per success <= 1.5", ratio(hg.requestsPerSuccess()), hg.requestsPerSuccess() <= 1.5);
    report.note(timing(wall, c.threads(), results.stream().map(r -> r.policy().label() + " "
        + seconds(r.wallMillis())).toList()));
    return chart(report, c, "slow-server", "slow-server: capacity falls to " + Math.round(factor * 100) + "% from "
            + format(slowFrom.toMillis()) + " for " + format(slowFor.toMillis()),
        String.format("%,d clients calling every %s on average", clients, format(interval.toMillis())),
        List.of(FleetChart.Panel.log("requests per second (log scale)", List.of(
                new FleetChart.Series("naive", NAIVE_COLOR, sent(results.get(0).traffic())),
                new FleetChart.Series("herdguard", COLD_COLOR, sent(hg.traffic())),
                capacity(hg.traffic()))),
            FleetChart.Panel.linear("calls answered in time per second (goodput)", List.of(
                new FleetChart.Series("naive", NAIVE_COLOR, useful(results.get(0).traffic())),
                new FleetChart.Series("herdguard", COLD_COLOR, useful(hg.traffic())),
                capacity(hg.traffic())))));
  }

  // ------------------------------------------------------------------ mass-expiry

  private static Report massExpiry(Flags f) throws IOException {
    int clients = f.intValue("clients", 1);
    Duration issueWindow = f.positiveDuration("issue-window");
    Duration lifetime = f.positiveDuration("lifetime");
    Duration margin = f.positiveDuration("naive-margin");
    Duration naiveRetry = f.positiveDuration("naive-retry");
    Duration horizon = f.text("horizon") == null ? lifetime.plusMinutes(10) : f.positiveDuration("horizon");
    Common c = common(f);
    SimServer.Settings server = server(f, 500.0 * clients / 100_000, null, Duration.ZERO, 1.0);
    MassExpiry.Settings s = new MassExpiry.Settings(clients, issueWindow, lifetime, server, margin, naiveRetry,
        horizon, c.seed(), c.config());
    long start = System.nanoTime();
    List<MassExpiry.Result> results = runAll(List.of(
        () -> MassExpiry.run(s, Policy.HERDGUARD), () -> MassExpiry.run(s, Policy.NAIVE)), c.threads());
    long wall = (System.nanoTime() - start) / 1_000_000;
    MassExpiry.Result hg = results.get(0);
    MassExpiry.Result naive = results.get(1);
    Report report = new Report("mass-expiry (Azure, February 2013): every token issued within "
        + format(issueWindow.toMillis()) + ", all of the same lifetime",
        s.describe() + "\nherdguard: " + c.configName() + "; peak rate = requests per second over the busiest "
            + "minute; even spread = fleet / refresh window (refresh-until - refresh-from of the lifetime)",
        List.of("policy", "requests", "renewed", "peak rate", "even spread", "vs even", "without token", "wasted"));
    for (MassExpiry.Result r : List.of(naive, hg)) {
      report.row(r.policy().label(), count(r.requests()), count(r.renewed()), rate(r.peakRate()), rate(r.evenRate()),
          times(r.peakVsEven()), count(r.withoutToken()), percent(r.wasted(), 1));
    }
    report.target("peak refresh rate <= 1.1x an even spread", times(hg.peakVsEven()), hg.peakVsEven() <= 1.1);
    report.target("no client ever without a valid token", count(hg.withoutToken()) + " clients",
        hg.withoutToken() == 0);
    report.note(timing(wall, c.threads(), List.of("naive " + seconds(naive.wallMillis()),
        "herdguard " + seconds(hg.wallMillis()))));
    return chart(report, c, "mass-expiry", "mass-expiry: " + String.format("%,d", clients) + " tokens of "
            + format(lifetime.toMillis()) + " issued within " + format(issueWindow.toMillis()),
        "token server " + Flags.number(server.capacity()) + "/s",
        List.of(FleetChart.Panel.log("renewal requests per second (log scale)", List.of(
                new FleetChart.Series("naive", NAIVE_COLOR, sent(naive.traffic())),
                new FleetChart.Series("herdguard", COLD_COLOR, sent(hg.traffic())),
                capacity(hg.traffic()))),
            FleetChart.Panel.linear("renewals answered in time per second", List.of(
                new FleetChart.Series("naive", NAIVE_COLOR, useful(naive.traffic())),
                new FleetChart.Series("herdguard", COLD_COLOR, useful(hg.traffic())),
                capacity(hg.traffic())))));
  }

  // ------------------------------------------------------------------ staged-push

  private static Report stagedPush(Flags f) throws IOException {
    int clients = f.intValue("clients", 1);
    List<Double> steps;
    try {
      steps = StagedPush.parseSteps(f.text("steps"));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("--steps (" + f.text("steps") + ") must be percentages such as 1,10,50,100");
    }
    Duration stepEvery = f.positiveDuration("step-every");
    int haltAfter = f.intValue("halt-after", 1);
    Duration reportDelay = f.positiveDuration("report-delay");
    Duration naivePoll = f.positiveDuration("naive-poll");
    Duration horizon = f.positiveDuration("horizon");
    Common c = common(f);
    f.throwIfErrors();
    StagedPush.Settings s = new StagedPush.Settings(clients, steps, stepEvery, haltAfter, reportDelay, naivePoll,
        horizon, c.seed(), GuardFactory.forSimulation(c.config()));
    long start = System.nanoTime();
    List<StagedPush.Result> results = runAll(List.of(
        () -> StagedPush.run(s, Policy.HERDGUARD), () -> StagedPush.run(s, Policy.NAIVE)), c.threads());
    long wall = (System.nanoTime() - start) / 1_000_000;
    StagedPush.Result hg = results.get(0);
    StagedPush.Result naive = results.get(1);
    Report report = new Report("staged-push (CloudFlare, March 2013): a bad update reaches the fleet",
        s.describe() + "\nherdguard: " + c.configName(),
        List.of("policy", "exposed", "share", "halted at", "update checks", "busiest second"));
    for (StagedPush.Result r : List.of(naive, hg)) {
      report.row(r.policy().label(), count(r.exposed()), percent(r.exposure(), 3),
          r.haltedAtMs() < 0 ? "never" : format(r.haltedAtMs()), count(r.checks()), count(r.peakChecksPerSecond()) + "/s");
    }
    double first = steps.get(0) / 100;
    report.target("exposure <= the first step (" + Flags.number(steps.get(0)) + "%)", percent(hg.exposure(), 3),
        hg.exposure() <= first);
    report.note(timing(wall, c.threads(), List.of("naive " + seconds(naive.wallMillis()),
        "herdguard " + seconds(hg.wallMillis()))));
    return chart(report, c, "staged-push", "staged-push: a bad update, " + String.format("%,d", clients) + " clients",
        "herdguard: cohorts " + f.text("steps") + "% a step every " + format(stepEvery.toMillis())
            + ", halted after " + haltAfter + " crash reports; naive: everyone at once",
        List.of(FleetChart.Panel.log("share of the fleet that installed the bad update, % (log scale)", List.of(
                new FleetChart.Series("naive", NAIVE_COLOR, exposedPercent(naive)),
                new FleetChart.Series("herdguard", COLD_COLOR, exposedPercent(hg)))),
            FleetChart.Panel.log("update checks per second (log scale)", List.of(
                new FleetChart.Series("naive", NAIVE_COLOR, sent(naive.traffic())),
                new FleetChart.Series("herdguard", COLD_COLOR, sent(hg.traffic()))))));
  }

  private static double[] exposedPercent(StagedPush.Result r) {
    double[] v = new double[r.exposedOverTime().length];
    for (int i = 0; i < v.length; i++) {
      v[i] = 100.0 * r.exposedOverTime()[i] / r.clients();
    }
    return v;
  }

  // ------------------------------------------------------------------ helpers

  private static Report chart(Report report, Common c, String name, String title, String subtitle,
      List<FleetChart.Panel> panels) throws IOException {
    Path file = c.out().resolve(name + ".png");
    new FleetChart(title, subtitle, panels).write(file);
    return report.chart(file);
  }

  /** Runs {@code runs}, {@code threads} at a time, and returns their results in order. */
  static <T> List<T> runAll(List<Callable<T>> runs, int threads) {
    int n = Math.max(1, Math.min(threads, runs.size()));
    ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
      Thread t = new Thread(r, "fleet-run");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (Callable<T> run : runs) {
        futures.add(pool.submit(run));
      }
      List<T> results = new ArrayList<>();
      for (Future<T> future : futures) {
        results.add(future.get());
      }
      return results;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      pool.shutdownNow();
    }
  }

  private static <T> T find(List<T> results, java.util.function.Predicate<T> which) {
    return results.stream().filter(which).findFirst().orElse(null);
  }

  private static String label(Policy p, String variant) {
    return p == Policy.NAIVE ? p.label() : p.label() + " " + variant;
  }

  private static String timing(long wallMillis, int threads, List<String> runs) {
    return String.format("played in %s on %d thread%s (%s)", seconds(wallMillis), Math.min(threads, runs.size()),
        threads == 1 ? "" : "s", String.join(", ", runs));
  }

  private static String seconds(long millis) {
    return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
  }

  private static FleetChart.Series capacity(Traffic t) {
    double[] v = new double[t.seconds()];
    for (int s = 0; s < v.length; s++) {
      v[s] = t.capacity(s);
    }
    return new FleetChart.Series("capacity", CAPACITY_COLOR, v, true);
  }

  private static double[] sent(Traffic t) {
    return perSecond(t, t::sent);
  }

  private static double[] useful(Traffic t) {
    return perSecond(t, t::useful);
  }

  private static double[] perSecond(Traffic t, Function<Integer, Long> f) {
    double[] v = new double[t.seconds()];
    for (int s = 0; s < v.length; s++) {
      v[s] = f.apply(s);
    }
    return v;
  }

  static String format(long millis) {
    return Flags.format(Duration.ofMillis(millis));
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** A count for a legend: 207, 100k, 32.6M. */
  static String roughly(long n) {
    if (n >= 1_000_000) {
      return Flags.number(Math.round(n / 100_000.0) / 10.0) + "M";
    }
    if (n >= 10_000) {
      return Flags.number(Math.round(n / 1_000.0)) + "k";
    }
    return count(n);
  }

  private static String ratio(double d) {
    return Double.isInfinite(d) ? "-" : String.format(Locale.ROOT, d >= 100 ? "%,.0f" : "%.2f", d);
  }

  private static String times(double d) {
    return Double.isInfinite(d) ? "-" : String.format(Locale.ROOT, d >= 100 ? "%,.0fx" : "%.2fx", d);
  }

  private static String rate(double d) {
    return String.format(Locale.ROOT, d >= 100 ? "%,.0f/s" : "%.1f/s", d);
  }

  private static String percent(double share, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f%%", share * 100);
  }
}

package dev.herdguard.examples.fleet;

import dev.herdguard.Cohort;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.PeriodicCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * {@code staged-push} (CloudFlare, March 2013): one bad rule went to every edge router at once and
 * crashed them all. Here a bad update is offered to the fleet; every client that installs it
 * crashes, and a crash report reaches the operators {@code --report-delay} later. After
 * {@code --halt-after} reports the rollout halts: no client is offered the update any more.
 *
 * <ul>
 *   <li>{@link Policy#NAIVE naive}: no stages: the update is offered to the whole fleet at once,
 *       and each client polls for updates every {@code --naive-poll}, fixed.
 *   <li>{@link Policy#HERDGUARD herdguard}: the update server announces a percentage that grows in
 *       {@code --steps}, one step every {@code --step-every}; each client takes the update only if
 *       its real {@link Cohort} {@link Cohort#isIn is in} that percentage, and checks with a real
 *       {@link PeriodicCheck} (every {@code herdguard.check.interval}, spread by
 *       {@code herdguard.check.spread}). The fleet has been running for days: each check's first
 *       run falls where a running check's next run would, at a random point of a period drawn
 *       length-biased (a push is likelier to fall within a long period than a short one), so the
 *       fleet's check rate is steady from the start.
 * </ul>
 *
 * <p>The figure that counts is the share of the fleet exposed: clients that installed the update.
 *
 * <p>Not thread-safe: a run belongs to one thread.
 */
public final class StagedPush {

  static final Instant EPOCH = Instant.parse("2013-03-03T09:47:00Z");

  private static final int POLL = 0;
  private static final int REPORT = 1;
  private static final int CRASH = 2;

  /**
   * The scenario's parameters.
   *
   * @param clients the fleet
   * @param steps the rollout's percentages, one per step
   * @param stepEvery time between two steps
   * @param haltAfter crash reports that halt the rollout
   * @param reportDelay from install to the crash report's arrival
   * @param naivePoll the naive client's fixed polling interval
   * @param horizon how long the run lasts
   * @param seed the seed of every random draw
   * @param config herdguard's configuration
   */
  public record Settings(
      int clients,
      List<Double> steps,
      Duration stepEvery,
      int haltAfter,
      Duration reportDelay,
      Duration naivePoll,
      Duration horizon,
      long seed,
      HerdGuardConfig config) {

    /** Checks the steps. */
    public Settings {
      steps = List.copyOf(steps);
      if (steps.isEmpty()) {
        throw new IllegalArgumentException("--steps must name at least one percentage");
      }
      double last = 0;
      for (double p : steps) {
        if (!(p > last && p <= 100)) {
          throw new IllegalArgumentException("--steps (" + steps + ") must rise, each in (0, 100]");
        }
        last = p;
      }
    }

    /** 1%, 10%, 50%, 100%, a step an hour; halt after 20 reports arriving 2 minutes after install. */
    public static Settings defaults(int clients) {
      return new Settings(clients, List.of(1.0, 10.0, 50.0, 100.0), Duration.ofHours(1), 20,
          Duration.ofMinutes(2), Duration.ofMinutes(1), Duration.ofHours(8), 2013, HerdGuardConfig.defaults());
    }

    String describe() {
      StringBuilder b = new StringBuilder();
      for (double p : steps) {
        b.append(b.length() == 0 ? "" : " -> ").append(Flags.number(p)).append('%');
      }
      return String.format("%,d clients; a bad update, rolled out %s, a step every %s; each install crashes and "
              + "its report arrives %s later; halt after %d reports; herdguard checks every %s (spread %s), "
              + "naive polls every %s; seed %d", clients, b, Flags.format(stepEvery), Flags.format(reportDelay),
          haltAfter, Flags.format(config.checkInterval()), Flags.number(config.checkSpread()),
          Flags.format(naivePoll), seed);
    }
  }

  /**
   * One run's outcome.
   *
   * @param policy the fleet's policy
   * @param clients the fleet's size
   * @param exposed clients that installed the update
   * @param haltedAtMs when the rollout halted, in ms after it began; -1 if it never did
   * @param checks update checks the server received
   * @param peakChecksPerSecond the busiest second's update checks
   * @param exposedOverTime exposed clients at the end of each second
   * @param traffic the update server's second-by-second record
   * @param wallMillis how long the run took, in real time
   */
  public record Result(
      Policy policy,
      int clients,
      int exposed,
      long haltedAtMs,
      long checks,
      long peakChecksPerSecond,
      int[] exposedOverTime,
      Traffic traffic,
      long wallMillis) {

    /** The share of the fleet that installed the bad update. */
    public double exposure() {
      return (double) exposed / clients;
    }
  }

  private final Settings s;
  private final Policy policy;
  private final VirtualScheduler scheduler = new VirtualScheduler(EPOCH);
  private final Traffic traffic;
  private final SplittableRandom phases;
  private final SplittableRandom policyRandom;
  private final Cohort[] cohorts;
  private final boolean[] installed;
  private final int[] exposedOverTime;
  private PeriodicCheck[] checks;
  private int exposed;
  private int reports;
  private long haltedAt = -1;
  private long checkCount;

  private StagedPush(Settings s, Policy policy) {
    this.s = s;
    this.policy = policy;
    int seconds = (int) s.horizon().toSeconds();
    this.traffic = new Traffic(seconds, 0);
    this.exposedOverTime = new int[seconds];
    SplittableRandom root = new SplittableRandom(s.seed());
    SplittableRandom ids = root.split();
    this.phases = root.split();
    this.policyRandom = root.split();
    this.cohorts = new Cohort[s.clients()];
    for (int i = 0; i < s.clients(); i++) {
      cohorts[i] = Cohort.of(new UUID(ids.nextLong(), ids.nextLong()));
    }
    this.installed = new boolean[s.clients()];
  }

  /** Plays the scenario once. */
  public static Result run(Settings s, Policy policy) {
    long start = System.nanoTime();
    StagedPush run = new StagedPush(s, policy);
    run.play();
    return run.result((System.nanoTime() - start) / 1_000_000);
  }

  private void play() {
    scheduler.endAt(s.horizon().toMillis());
    scheduler.setHandler(this::event);
    if (policy == Policy.HERDGUARD) {
      GuardFactory factory = new GuardFactory(s.config(), scheduler, policyRandom);
      double interval = factory.config().checkInterval().toMillis();
      double shortest = interval * (1 - factory.config().checkSpread());
      double longest = interval * (1 + factory.config().checkSpread());
      checks = new PeriodicCheck[s.clients()];
      for (int i = 0; i < s.clients(); i++) {
        int client = i;
        // The fleet has been checking for days: the push falls inside a period of each client, and
        // a longer period is likelier to hold it (length-biased), at a uniform point of it.
        double period = Math.sqrt(shortest * shortest + phases.nextDouble() * (longest * longest - shortest * shortest));
        Duration phase = Duration.ofMillis((long) (phases.nextDouble() * period));
        checks[i] = factory.periodicCheck("updates", () -> check(client), phase).start();
      }
    } else {
      long poll = s.naivePoll().toMillis();
      for (int i = 0; i < s.clients(); i++) {
        scheduler.at((long) (phases.nextDouble() * poll), i << 2 | POLL);
      }
    }
    long horizon = s.horizon().toMillis();
    long second = 1000;
    // Run second by second to record the exposure curve.
    while (scheduler.now() < horizon) {
      scheduler.runUntil(Math.min(horizon, second), () -> false);
      exposedOverTime[(int) (second / 1000) - 1] = exposed;
      second += 1000;
    }
    if (checks != null) {
      for (PeriodicCheck c : checks) {
        c.close();
      }
    }
  }

  private void event(int event) {
    int i = event >>> 2;
    switch (event & 3) {
      case POLL -> {
        check(i);
        if (!installed[i]) {
          scheduler.at(scheduler.now() + s.naivePoll().toMillis(), i << 2 | POLL);
        }
      }
      case REPORT -> {
        if (++reports >= s.haltAfter() && haltedAt < 0) {
          haltedAt = scheduler.now();
        }
      }
      default -> checks[i].close(); // the client crashed: it checks no more
    }
  }

  /** One update check: the client asks, and installs the update if it is offered to it. */
  private Object check(int i) {
    long now = scheduler.now();
    traffic.sent(now);
    checkCount++;
    if (installed[i] || haltedAt >= 0) {
      return null;
    }
    boolean offered = policy == Policy.NAIVE || cohorts[i].isIn(percentAt(now));
    if (offered) {
      installed[i] = true;
      exposed++;
      scheduler.at(now + s.reportDelay().toMillis(), i << 2 | REPORT);
      if (policy == Policy.HERDGUARD) {
        scheduler.at(now, i << 2 | CRASH); // after this run: a check must not close itself mid-run
      }
    }
    return null;
  }

  /** The rollout's percentage at {@code tick}. */
  private double percentAt(long tick) {
    int step = (int) Math.min(s.steps().size() - 1, tick / s.stepEvery().toMillis());
    return s.steps().get(step);
  }

  private Result result(long wallMillis) {
    long peak = 0;
    for (int sec = 0; sec < traffic.seconds(); sec++) {
      peak = Math.max(peak, traffic.sent(sec));
    }
    return new Result(policy, s.clients(), exposed, haltedAt, checkCount, peak, exposedOverTime, traffic,
        wallMillis);
  }

  static List<Double> parseSteps(String text) {
    List<Double> steps = new ArrayList<>();
    for (String part : text.split(",")) {
      steps.add(Double.parseDouble(part.trim().replace("%", "")));
    }
    return steps;
  }
}

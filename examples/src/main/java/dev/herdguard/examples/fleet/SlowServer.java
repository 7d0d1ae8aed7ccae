package dev.herdguard.examples.fleet;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code slow-server} (Azure, March 2009): a routine upgrade slows a busy service to 30% of its
 * capacity for five minutes; clients time out, and what they do next decides whether it recovers.
 *
 * <p>Each client makes calls at random (a Poisson stream of mean {@code --interval}), the same
 * calls for every policy, about 60% of the server's normal capacity in all. A call is independent
 * of the client's other calls.
 *
 * <ul>
 *   <li>{@link Policy#NAIVE naive}: retries a failed call every {@code --naive-retry} until it
 *       succeeds.
 *   <li>{@link Policy#HERDGUARD herdguard}: each client has one real {@link HerdGuard}; every call
 *       goes through its {@code operation("call").callAsync(...)}, so the client's calls share one
 *       circuit breaker and one retry budget, and a call that herdguard gives up on fails (the
 *       application would report it).
 * </ul>
 *
 * <p>Not thread-safe: a run belongs to one thread.
 */
public final class SlowServer {

  static final Instant EPOCH = Instant.parse("2009-03-13T22:00:00Z");

  private static final int CALL = 0;
  private static final int NAIVE_SEND = 1;
  private static final int ANSWER = 2;
  private static final int TIMED_OUT = 3;

  /**
   * The scenario's parameters.
   *
   * @param clients the fleet
   * @param interval mean time between two calls of one client
   * @param server the service, its slowdown included
   * @param naiveRetry the naive client's fixed wait after a failure
   * @param horizon how long the run lasts
   * @param seed the seed of every random draw
   * @param config herdguard's configuration
   */
  public record Settings(
      int clients,
      Duration interval,
      SimServer.Settings server,
      Duration naiveRetry,
      Duration horizon,
      long seed,
      HerdGuardConfig config) {

    /** Capacity 800/s per 10,000 clients calling every 20 s (62.5% busy), 30% of it from minute 5 to 10. */
    public static Settings defaults(int clients) {
      double capacity = 800.0 * clients / 10_000;
      return new Settings(clients, Duration.ofSeconds(20),
          new SimServer.Settings(capacity, (int) Math.round(capacity * 20), 0.01, Duration.ofSeconds(5), null,
              Duration.ofMinutes(5), Duration.ofMinutes(5), 0.3),
          Duration.ofSeconds(2), Duration.ofMinutes(20), 2009, HerdGuardConfig.defaults());
    }

    String describe() {
      return String.format("%,d clients, a call each every %s on average (%s/s); %s; naive retries every %s; "
              + "seed %d", clients, Flags.format(interval),
          Flags.number(Math.round(clients / (interval.toMillis() / 1000.0))), server.describe(),
          Flags.format(naiveRetry), seed);
    }
  }

  /**
   * One run's outcome.
   *
   * @param policy the fleet's policy
   * @param calls calls the clients made
   * @param requests requests the server received
   * @param succeeded calls that succeeded
   * @param failed calls herdguard gave up on
   * @param peakLoad the busiest second's requests against that second's capacity
   * @param incidentRequestsPerSuccess requests per success from the slowdown's start to the end
   * @param recoveredAfterMs when goodput was back to 90% of the call rate, in ms after capacity
   *     returned; -1 if not within the run
   * @param wasted share of the server's work that produced nothing
   * @param traffic the server's second-by-second record
   * @param wallMillis how long the run took, in real time
   */
  public record Result(
      Policy policy,
      long calls,
      long requests,
      long succeeded,
      long failed,
      double peakLoad,
      double incidentRequestsPerSuccess,
      long recoveredAfterMs,
      double wasted,
      Traffic traffic,
      long wallMillis) {

    /** Requests per successful call over the whole run; infinite when none succeeded. */
    public double requestsPerSuccess() {
      return succeeded == 0 ? Double.POSITIVE_INFINITY : (double) requests / succeeded;
    }
  }

  private final Settings s;
  private final Policy policy;
  private final VirtualScheduler scheduler = new VirtualScheduler(EPOCH);
  private final Traffic traffic;
  private final SimServer server;
  private final SplittableRandom calls;
  private final SplittableRandom policyRandom;
  private final long horizon;
  private final long retryMs;

  private int[] jobClient = new int[1024];
  private Object[] inFlight;
  private int jobs;
  private long succeeded;
  private long failed;

  private HerdGuard[] guards;

  private SlowServer(Settings s, Policy policy) {
    this.s = s;
    this.policy = policy;
    this.horizon = s.horizon().toMillis();
    this.retryMs = s.naiveRetry().toMillis();
    this.traffic = new Traffic((int) s.horizon().toSeconds(), s.server().rejectCost());
    this.server = new SimServer(s.server(), traffic);
    SplittableRandom root = new SplittableRandom(s.seed());
    this.calls = root.split();
    this.policyRandom = root.split();
  }

  /** Plays the scenario once. */
  public static Result run(Settings s, Policy policy) {
    long start = System.nanoTime();
    SlowServer run = new SlowServer(s, policy);
    run.play();
    return run.result((System.nanoTime() - start) / 1_000_000);
  }

  private void play() {
    if (policy == Policy.HERDGUARD) {
      GuardFactory factory = new GuardFactory(s.config(), scheduler, policyRandom);
      guards = new HerdGuard[s.clients()];
      for (int i = 0; i < s.clients(); i++) {
        guards[i] = factory.guard();
      }
      inFlight = new Object[1024];
    }
    scheduler.endAt(horizon);
    scheduler.setHandler(this::event);
    for (int i = 0; i < s.clients(); i++) {
      scheduler.at(nextCall(0), i << 2 | CALL);
    }
    scheduler.runUntil(horizon, () -> false);
  }

  private long nextCall(long now) {
    return now + (long) (-s.interval().toMillis() * Math.log(1 - calls.nextDouble()));
  }

  private void event(int event) {
    int id = event >>> 2;
    switch (event & 3) {
      case CALL -> call(id);
      case NAIVE_SEND -> naiveSend(id);
      case ANSWER -> answer(id, true);
      default -> answer(id, false);
    }
  }

  private void call(int client) {
    long now = scheduler.now();
    scheduler.at(nextCall(now), client << 2 | CALL);
    int job = newJob(client);
    if (policy == Policy.NAIVE) {
      naiveSend(job);
      return;
    }
    guards[client].operation("call")
        .callAsync(() -> attempt(job))
        .handle((ok, failure) -> {
          if (failure == null) {
            succeeded++;
          } else {
            failed++;
          }
          return null;
        });
  }

  private int newJob(int client) {
    if (jobs == jobClient.length) {
      jobClient = Arrays.copyOf(jobClient, jobs * 2);
      if (inFlight != null) {
        inFlight = Arrays.copyOf(inFlight, jobs * 2);
      }
    }
    jobClient[jobs] = client;
    return jobs++;
  }

  private void naiveSend(int job) {
    long now = scheduler.now();
    long answer = server.send(now);
    switch (server.outcome()) {
      case SimServer.OK -> {
        if (answer < horizon) {
          succeeded++;
        }
      }
      case SimServer.BUSY -> scheduler.at(now + retryMs, job << 2 | NAIVE_SEND);
      default -> scheduler.at(answer + retryMs, job << 2 | NAIVE_SEND);
    }
  }

  private CompletionStage<Boolean> attempt(int job) {
    long answer = server.send(scheduler.now());
    if (server.outcome() == SimServer.BUSY) {
      return CompletableFuture.failedFuture(SimFailures.busy(server.retryAfter()));
    }
    CompletableFuture<Boolean> f = new CompletableFuture<>();
    inFlight[job] = f;
    scheduler.at(answer, job << 2 | (server.outcome() == SimServer.OK ? ANSWER : TIMED_OUT));
    return f;
  }

  @SuppressWarnings("unchecked")
  private void answer(int job, boolean ok) {
    CompletableFuture<Boolean> f = (CompletableFuture<Boolean>) inFlight[job];
    inFlight[job] = null;
    if (ok) {
      f.complete(Boolean.TRUE);
    } else {
      f.completeExceptionally(SimFailures.TIMEOUT);
    }
  }

  private Result result(long wallMillis) {
    int slowFrom = (int) s.server().slowFrom().toSeconds();
    int slowUntil = slowFrom + (int) s.server().slowFor().toSeconds();
    long incidentSent = 0;
    long incidentUseful = 0;
    for (int sec = slowFrom; sec < traffic.seconds(); sec++) {
      incidentSent += traffic.sent(sec);
      incidentUseful += traffic.useful(sec);
    }
    double callRate = s.clients() / (s.interval().toMillis() / 1000.0);
    long recovered = -1;
    for (int sec = slowUntil; sec + 10 <= traffic.seconds(); sec++) {
      long useful = 0;
      for (int k = sec; k < sec + 10; k++) {
        useful += traffic.useful(k);
      }
      if (useful / 10.0 >= 0.9 * callRate) {
        recovered = (sec - slowUntil) * 1000L;
        break;
      }
    }
    return new Result(policy, jobs, traffic.totalSent(), succeeded, failed, traffic.peakLoad(),
        incidentUseful == 0 ? Double.POSITIVE_INFINITY : (double) incidentSent / incidentUseful,
        recovered, traffic.wastedShare(), traffic, wallMillis);
  }
}

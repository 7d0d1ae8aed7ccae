package dev.herdguard.examples;

import dev.herdguard.Backoff;
import dev.herdguard.BackoffSequence;
import java.io.PrintStream;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * herdguard's main job, for now: a fleet of clients that failed together, retrying with each
 * backoff strategy, and how many of them come back in the busiest second. Naive exponential
 * backoff brings the whole fleet back at once; decorrelated jitter spreads it.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    int clients = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    run(clients, System.out);
  }

  static void run(int clients, PrintStream out) {
    Duration base = Duration.ofMillis(500);
    Duration max = Duration.ofSeconds(60);
    out.printf("%,d clients fail at the same instant; where their 5th retry lands (base %s, max %s)%n",
        clients, base, max);
    out.printf("%-22s %14s %14s%n", "strategy", "busiest second", "share of fleet");
    for (Backoff.Strategy strategy : Backoff.Strategy.values()) {
      int peak = busiestSecond(Backoff.of(strategy, base, max), clients, 5);
      out.printf("%-22s %,14d %13.1f%%%n", strategy.key(), peak, 100.0 * peak / clients);
    }
  }

  /** The most clients whose last retry lands in the same one-second bucket. */
  static int busiestSecond(Backoff backoff, int clients, int retries) {
    int[] perSecond = new int[3600];
    SplittableRandom random = new SplittableRandom(2007);
    for (int c = 0; c < clients; c++) {
      BackoffSequence sequence = backoff.sequence(random.split());
      long at = 0;
      for (int r = 0; r < retries; r++) {
        at += sequence.nextDelayNanos();
      }
      perSecond[(int) Math.min(perSecond.length - 1, at / 1_000_000_000L)]++;
    }
    int peak = 0;
    for (int n : perSecond) {
      peak = Math.max(peak, n);
    }
    return peak;
  }
}

package dev.herdguard.examples.loopback;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the {@link LoginServer} saw, second by second from its start: requests offered, requests
 * turned away at once with a 503, logins served while their client still waited (goodput), and
 * logins served after their client had given up (wasted work). The figures are the fleet
 * simulator's ({@code fleet.Traffic}), so the two tables read alike.
 *
 * <p>Thread-safe: the server's handler threads and its worker count into it while a demo reads it.
 * Counts after the last second it covers are dropped, so that every figure covers the same window.
 */
public final class ServerTraffic {

  private final long epochNanos;
  private final int seconds;
  private final double capacity;
  private final double rejectCost;
  private final AtomicLongArray offered;
  private final AtomicLongArray rejected;
  private final AtomicLongArray useful;
  private final AtomicLongArray late;

  ServerTraffic(long epochNanos, int seconds, double capacity, double rejectCost) {
    this.epochNanos = epochNanos;
    this.seconds = seconds;
    this.capacity = capacity;
    this.rejectCost = rejectCost;
    this.offered = new AtomicLongArray(seconds);
    this.rejected = new AtomicLongArray(seconds);
    this.useful = new AtomicLongArray(seconds);
    this.late = new AtomicLongArray(seconds);
  }

  void offered(long nanoTime) {
    count(offered, nanoTime);
  }

  void rejected(long nanoTime) {
    count(rejected, nanoTime);
  }

  void served(long nanoTime, boolean inTime) {
    count(inTime ? useful : late, nanoTime);
  }

  private void count(AtomicLongArray counts, long nanoTime) {
    long s = (nanoTime - epochNanos) / 1_000_000_000L;
    if (s >= 0 && s < seconds) {
      counts.incrementAndGet((int) s);
    }
  }

  /** The {@link System#nanoTime()} at which second 0 started: the server's start. */
  public long epochNanos() {
    return epochNanos;
  }

  /** The number of seconds covered. */
  public int seconds() {
    return seconds;
  }

  /** Requests that reached the server in second {@code s}. */
  public long offered(int s) {
    return offered.get(s);
  }

  /** All requests that reached the server. */
  public long totalOffered() {
    return sum(offered);
  }

  /** All requests turned away with a 503. */
  public long totalRejected() {
    return sum(rejected);
  }

  /** All logins served while their client still waited. */
  public long totalUseful() {
    return sum(useful);
  }

  /** All logins served after their client had given up: the server did the work for nobody. */
  public long totalLate() {
    return sum(late);
  }

  /**
   * The share of the server's work that produced nothing: logins served after their client had
   * given up, plus the cost of the 503s it sent. 0 when it did no work.
   */
  public double wastedShare() {
    double wasted = totalLate() + rejectCost * totalRejected();
    double all = wasted + totalUseful();
    return all == 0 ? 0 : wasted / all;
  }

  /** The busiest second's requests against the server's capacity. */
  public double peakLoad() {
    long peak = 0;
    for (int s = 0; s < seconds; s++) {
      peak = Math.max(peak, offered.get(s));
    }
    return peak / capacity;
  }

  private static long sum(AtomicLongArray counts) {
    long total = 0;
    for (int i = 0; i < counts.length(); i++) {
      total += counts.get(i);
    }
    return total;
  }
}

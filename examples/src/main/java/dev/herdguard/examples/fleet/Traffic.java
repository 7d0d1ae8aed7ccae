package dev.herdguard.examples.fleet;

/**
 * What one simulated server saw, second by second: requests offered, requests turned away with a
 * 503, requests served in time (goodput) and requests served after their client had given up
 * (wasted), against the capacity it had. The charts and the tables read it.
 *
 * <p>Counts beyond the run's horizon are dropped, so that every figure covers the same window.
 * Not thread-safe: it belongs to one run.
 */
public final class Traffic {

  private final int seconds;
  private final long[] sent;
  private final long[] rejected;
  private final long[] useful;
  private final long[] late;
  private final double[] capacity;
  private final double rejectCost;

  Traffic(int seconds, double rejectCost) {
    this.seconds = seconds;
    this.sent = new long[seconds];
    this.rejected = new long[seconds];
    this.useful = new long[seconds];
    this.late = new long[seconds];
    this.capacity = new double[seconds];
    this.rejectCost = rejectCost;
  }

  void sent(long tick) {
    int s = (int) (tick / 1000);
    if (s < seconds) {
      sent[s]++;
    }
  }

  void rejected(long tick) {
    int s = (int) (tick / 1000);
    if (s < seconds) {
      rejected[s]++;
    }
  }

  void served(double atSeconds, boolean inTime) {
    int s = (int) atSeconds;
    if (s < seconds) {
      if (inTime) {
        useful[s]++;
      } else {
        late[s]++;
      }
    }
  }

  void capacity(int second, double perSecond) {
    capacity[second] = perSecond;
  }

  /** The number of seconds covered. */
  public int seconds() {
    return seconds;
  }

  /** Requests that reached the server in second {@code s}. */
  public long sent(int s) {
    return sent[s];
  }

  /** Requests answered in time in second {@code s}. */
  public long useful(int s) {
    return useful[s];
  }

  /** The server's capacity in second {@code s}, in requests per second. */
  public double capacity(int s) {
    return capacity[s];
  }

  /** All requests that reached the server. */
  public long totalSent() {
    return sum(sent);
  }

  /** All requests turned away with a 503. */
  public long totalRejected() {
    return sum(rejected);
  }

  /** All requests served while their client still waited. */
  public long totalUseful() {
    return sum(useful);
  }

  /** All requests served after their client had given up. */
  public long totalLate() {
    return sum(late);
  }

  /**
   * The share of the server's work that produced nothing: requests served after their client had
   * given up, plus the cost of the 503s it sent. 0 when it did no work.
   */
  public double wastedShare() {
    double wasted = totalLate() + rejectCost * totalRejected();
    double all = wasted + totalUseful();
    return all == 0 ? 0 : wasted / all;
  }

  /** The busiest second's requests against that second's capacity. */
  public double peakLoad() {
    double peak = 0;
    for (int s = 0; s < seconds; s++) {
      if (capacity[s] > 0) {
        peak = Math.max(peak, sent[s] / capacity[s]);
      }
    }
    return peak;
  }

  /** The most requests in any {@code window} consecutive seconds, divided by {@code window}. */
  public double peakRate(int window) {
    long sum = 0;
    long best = 0;
    for (int s = 0; s < seconds; s++) {
      sum += sent[s];
      if (s >= window) {
        sum -= sent[s - window];
      }
      best = Math.max(best, sum);
    }
    return (double) best / window;
  }

  private static long sum(long[] values) {
    long total = 0;
    for (long v : values) {
      total += v;
    }
    return total;
  }
}

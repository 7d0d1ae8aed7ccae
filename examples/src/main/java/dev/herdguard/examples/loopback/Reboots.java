package dev.herdguard.examples.loopback;

import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * When each client of the fleet restarts, and the yardstick a run is measured against: when each
 * could have been online at best.
 *
 * <p>Thread-safe: it holds no state.
 */
final class Reboots {

  private Reboots() {}

  /**
   * Reboot offsets from the run's start, in nanoseconds, uniform over {@code window}: an OS patch
   * that restarts every machine within the window. The same seed gives every policy the same
   * reboots.
   */
  static long[] uniform(int clients, Duration window, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long span = window.toNanos();
    long[] at = new long[clients];
    for (int i = 0; i < clients; i++) {
      at[i] = span == 0 ? 0 : random.nextLong(span);
    }
    return at;
  }

  /**
   * The 99th percentile of the best online times, in milliseconds: a client that needs no login is
   * online at its reboot; the others when a server working flat out at {@code capacity}, serving
   * logins in reboot order from the moment each client rebooted, would have logged it in. When the
   * fleet reboots faster than the server can log it in this is about "logins needed ÷ capacity";
   * when reboots are spread out no policy can beat the reboots themselves, and this says so. The
   * fleet simulator's rule, so both tables use one yardstick.
   */
  static long idealOnline99Millis(long[] rebootNanos, boolean[] needsLogin, double capacity) {
    int n = rebootNanos.length;
    long[] online = new long[n];
    long[] logins = new long[n];
    int count = 0;
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (needsLogin[i]) {
        logins[count++] = rebootNanos[i];
      } else {
        online[k++] = rebootNanos[i] / 1_000_000;
      }
    }
    Arrays.sort(logins, 0, count);
    double free = 0;
    for (int j = 0; j < count; j++) {
      free = Math.max(free, logins[j] / 1e9) + 1 / capacity;
      online[k++] = (long) Math.ceil(free * 1000);
    }
    return percentile99(online);
  }

  /** The 99th percentile of {@code millis}, where -1 means never; -1 if it is never. */
  static long percentile99(long[] millis) {
    if (millis.length == 0) {
      return 0;
    }
    long[] sorted = new long[millis.length];
    for (int i = 0; i < millis.length; i++) {
      sorted[i] = millis[i] < 0 ? Long.MAX_VALUE : millis[i];
    }
    Arrays.sort(sorted);
    long t = sorted[(int) Math.ceil(0.99 * sorted.length) - 1];
    return t == Long.MAX_VALUE ? -1 : t;
  }
}

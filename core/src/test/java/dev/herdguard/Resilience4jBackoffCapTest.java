package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.resilience4j.core.IntervalFunction;
import org.junit.jupiter.api.Test;

/**
 * The README's figures on Resilience4j's randomized exponential backoff: at which retry its delays
 * sit exactly on the cap, where the whole fleet then retries in lock-step. Resilience4j randomises
 * the interval, then caps it: delay(n) = min(cap, I(n)·(1 − f) + U·(2·f·I(n) + 1)) with
 * I(n) = initial · multiplier^(n−1), so the share on the cap depends on the parameters, not on a
 * retry number. Parameters: initial 100 ms, multiplier 2, randomization factor 0.5, cap 10 s.
 *
 * <p>Resilience4j draws from {@code Math.random()}, which cannot be seeded: the test compares the
 * measured share over 100,000 draws per retry with the share the formula gives. The one share
 * strictly between 0 and 1 is allowed one percentage point (seven standard errors).
 */
class Resilience4jBackoffCapTest {

  private static final long INITIAL_MILLIS = 100;
  private static final double MULTIPLIER = 2.0;
  private static final double FACTOR = 0.5;
  private static final long CAP_MILLIS = 10_000;
  private static final int DRAWS = 100_000;

  @Test
  void resilience4jRandomizedBackoffReachesTheCapAtRetry8And9ForTheseParameters() {
    IntervalFunction r4j =
        IntervalFunction.ofExponentialRandomBackoff(INITIAL_MILLIS, MULTIPLIER, FACTOR, CAP_MILLIS);
    StringBuilder table = new StringBuilder("retry  measured-on-cap  formula\n");
    for (int retry = 1; retry <= 12; retry++) {
      int onCap = 0;
      for (int i = 0; i < DRAWS; i++) {
        if (r4j.apply(retry) == CAP_MILLIS) {
          onCap++;
        }
      }
      double measured = (double) onCap / DRAWS;
      double expected = shareOnCap(retry);
      table.append(String.format(java.util.Locale.ROOT, "%5d  %15.4f  %7.4f%n", retry, measured, expected));
      if (expected == 0.0 || expected == 1.0) {
        assertEquals(expected, measured, 0.0, "retry " + retry);
      } else {
        assertEquals(expected, measured, 0.01, "retry " + retry);
      }
    }
    System.out.print(table);
    // The figures the README states.
    assertEquals(0.0, shareOnCap(6));
    assertEquals(0.0, shareOnCap(7));
    assertEquals(0.719, shareOnCap(8), 0.0005);
    assertEquals(1.0, shareOnCap(9));
  }

  /** The share of Resilience4j's delays before retry {@code n} that equal the cap, from its formula. */
  private static double shareOnCap(int n) {
    double interval = INITIAL_MILLIS * Math.pow(MULTIPLIER, n - 1);
    double min = interval * (1 - FACTOR);
    double width = 2 * FACTOR * interval + 1;
    return Math.max(0.0, Math.min(1.0, (min + width - CAP_MILLIS) / width));
  }
}

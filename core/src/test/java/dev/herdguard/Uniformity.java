package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Goodness-of-fit checks for the tests of uniform draws and hashes. Every check runs on seeded
 * input, so a pass or a failure is repeatable; the thresholds are at p = 0.001.
 */
final class Uniformity {

  /** Chi-square critical value for 99 degrees of freedom at p = 0.001 (tables: 148.23). */
  static final double CHI2_99_DOF_P001 = 148.23;

  private Uniformity() {}

  /**
   * {@code n} version-4 UUIDs made from a seeded generator, shaped like {@link UUID#randomUUID()}'s:
   * the version and variant bits are fixed, as they are in a real fleet.
   */
  static UUID[] randomUuids(long seed, int n) {
    SplittableRandom random = new SplittableRandom(seed);
    UUID[] ids = new UUID[n];
    for (int i = 0; i < n; i++) {
      long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
      long lsb = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
      ids[i] = new UUID(msb, lsb);
    }
    return ids;
  }

  /** Asserts that {@code values}, all in [0, 1), pass chi-square over 100 bins and Kolmogorov-Smirnov. */
  static void assertUniform(String what, double[] values) {
    int[] counts = new int[100];
    for (double v : values) {
      assertTrue(v >= 0.0 && v < 1.0, () -> what + ": value " + v + " outside [0, 1)");
      counts[(int) (v * 100)]++;
    }
    double chi2 = chiSquare(counts, values.length);
    assertTrue(chi2 < CHI2_99_DOF_P001,
        () -> what + ": chi-square over 100 bins " + chi2 + " must be < " + CHI2_99_DOF_P001);
    double d = kolmogorovSmirnov(values);
    double critical = 1.95 / Math.sqrt(values.length);
    assertTrue(d < critical, () -> what + ": Kolmogorov-Smirnov D " + d + " must be < " + critical);
  }

  /** Pearson's chi-square statistic of {@code counts} against equal expected counts. */
  static double chiSquare(int[] counts, int n) {
    double expected = (double) n / counts.length;
    double sum = 0;
    for (int c : counts) {
      sum += (c - expected) * (c - expected) / expected;
    }
    return sum;
  }

  /**
   * The chi-square critical value at p = 0.001 for {@code dof} degrees of freedom, by the
   * Wilson-Hilferty approximation (148.28 for 99, against 148.23 in tables).
   */
  static double chiSquareCriticalP001(int dof) {
    double z = 3.090232; // the normal quantile at 0.999
    double a = 2.0 / (9.0 * dof);
    return dof * Math.pow(1 - a + z * Math.sqrt(a), 3);
  }

  /** The Kolmogorov-Smirnov distance between the empirical distribution of {@code values} and U(0, 1). */
  static double kolmogorovSmirnov(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    double d = 0;
    for (int i = 0; i < n; i++) {
      d = Math.max(d, Math.max((i + 1.0) / n - sorted[i], sorted[i] - (double) i / n));
    }
    return d;
  }

  /** Pearson's correlation coefficient. */
  static double correlation(double[] x, double[] y) {
    int n = x.length;
    double mx = Arrays.stream(x).average().orElseThrow();
    double my = Arrays.stream(y).average().orElseThrow();
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int i = 0; i < n; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
      syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / Math.sqrt(sxx * syy);
  }
}

package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The cohort's hashes: spread, independence, rollout membership. Persistence is in {@link CohortLoadTest}. */
class CohortTest {

  private static final int N = 100_000;
  private static final UUID[] IDS = Uniformity.randomUuids(20261110L, N);

  @Test
  void bucketsAreUniformOverRandomIds() {
    int[] fine = new int[Cohort.BUCKETS];
    double[] fractions = new double[N];
    for (int i = 0; i < N; i++) {
      int bucket = Cohort.of(IDS[i]).bucket();
      assertTrue(bucket >= 0 && bucket < Cohort.BUCKETS, "bucket " + bucket);
      fine[bucket]++;
      // Spread each bucket over its width so that the continuous tests apply.
      fractions[i] = (bucket + 0.5) / Cohort.BUCKETS;
    }
    Uniformity.assertUniform("bucket / 10000", fractions);

    double chi2 = Uniformity.chiSquare(fine, N);
    double critical = Uniformity.chiSquareCriticalP001(Cohort.BUCKETS - 1);
    assertTrue(chi2 < critical, "chi-square over all 10,000 buckets " + chi2 + " must be < " + critical);
  }

  @Test
  void bucketsAreUniformOverSequentialIds() {
    // Ids provisioned by hand often differ in their last digits only; they must spread all the same.
    double[] fractions = new double[N];
    for (int i = 0; i < N; i++) {
      fractions[i] = (Cohort.of(new UUID(0, i)).bucket() + 0.5) / Cohort.BUCKETS;
    }
    Uniformity.assertUniform("bucket / 10000 of sequential ids", fractions);
  }

  @Test
  void stableFractionsAreUniformOverRandomIds() {
    double[] fractions = new double[N];
    for (int i = 0; i < N; i++) {
      fractions[i] = Cohort.of(IDS[i]).stableFraction();
    }
    Uniformity.assertUniform("stable fraction", fractions);
  }

  @Test
  void bucketAndStableFractionAreIndependent() {
    double[] buckets = new double[N];
    double[] fractions = new double[N];
    int[] joint = new int[100];
    for (int i = 0; i < N; i++) {
      Cohort cohort = Cohort.of(IDS[i]);
      buckets[i] = cohort.bucket();
      fractions[i] = cohort.stableFraction();
      joint[cohort.bucket() / 1000 * 10 + (int) (cohort.stableFraction() * 10)]++;
    }
    double r = Uniformity.correlation(buckets, fractions);
    assertTrue(Math.abs(r) < 0.02, "correlation of bucket and stable fraction " + r + " must be within 0.02 of 0");
    // Beyond linear: a 10 x 10 table of (bucket decile, startup decile) must be flat.
    double chi2 = Uniformity.chiSquare(joint, N);
    assertTrue(chi2 < Uniformity.CHI2_99_DOF_P001,
        "chi-square of the joint deciles " + chi2 + " must be < " + Uniformity.CHI2_99_DOF_P001);
  }

  @Test
  void firstRolloutCohortDoesNotStartFirst() {
    // The 10% that get a change first must start across the whole window, not at its beginning.
    double[] fractions = Arrays.stream(IDS)
        .map(Cohort::of)
        .filter(c -> c.isIn(10))
        .mapToDouble(Cohort::stableFraction)
        .toArray();
    Uniformity.assertUniform("stable fraction of the first 10%", fractions);
  }

  @Test
  void hashesArePinned() {
    // The hashes place every installation of every fleet: a change here reshuffles them all.
    Cohort cohort = Cohort.of(UUID.fromString("123e4567-e89b-42d3-a456-426614174000"));
    // Values computed independently from the definition (SplitMix64's finalizer, the two salts).
    assertEquals(2030, cohort.bucket());
    assertEquals(0.2678155825612012, cohort.stableFraction());
    assertEquals(Duration.ofNanos(16_068_934_953L),
        StartupJitter.stable(Duration.ofSeconds(60), cohort).delay(new SplittableRandom(1)));
  }

  @Test
  void zeroPercentReachesNobodyAndHundredEverybody() {
    for (UUID id : IDS) {
      assertFalse(Cohort.of(id).isIn(0), id.toString());
      assertTrue(Cohort.of(id).isIn(100), id.toString());
    }
  }

  @Test
  void tenPercentReachesTenPercent() {
    long in = Arrays.stream(IDS).map(Cohort::of).filter(c -> c.isIn(10)).count();
    double share = (double) in / N;
    assertEquals(0.10, share, 0.005, "share of installations in at 10%");
  }

  @Test
  void raisingThePercentKeepsEveryoneWhoWasIn() {
    double[] stages = {0.01, 0.07, 1, 5, 10, 12.345, 25, 50, 99.99, 100};
    for (int i = 0; i < 10_000; i++) {
      Cohort cohort = Cohort.of(IDS[i]);
      boolean wasIn = false;
      for (double percent : stages) {
        boolean in = cohort.isIn(percent);
        assertTrue(in || !wasIn, cohort + " dropped out at " + percent + "%");
        wasIn = in;
      }
    }
  }

  @Test
  void percentStepsAreExact() {
    // 0.07% is buckets 0..6: 0.07 * 100 is 7.000000000000001 in binary and must not let bucket 7 in.
    Cohort six = withBucket(6);
    Cohort seven = withBucket(7);
    assertTrue(six.isIn(0.07));
    assertFalse(seven.isIn(0.07));
    assertTrue(seven.isIn(0.08));
    assertTrue(seven.isIn(0.075), "between two steps counts as the step above");
    Cohort last = withBucket(Cohort.BUCKETS - 1);
    assertFalse(last.isIn(99.99));
    assertTrue(last.isIn(100));
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.01, 100.01, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void percentOutsideZeroToHundredIsRejected(double percent) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Cohort.of(IDS[0]).isIn(percent));
    assertEquals("rollout percent (" + percent + ") must be in [0, 100]", e.getMessage());
  }

  @Test
  void valueSemantics() {
    UUID id = UUID.fromString("123e4567-e89b-42d3-a456-426614174000");
    Cohort cohort = Cohort.of(id);
    assertEquals(id, cohort.installationId());
    assertEquals(Cohort.of(id), cohort);
    assertEquals(Cohort.of(id).hashCode(), cohort.hashCode());
    assertNotEquals(Cohort.of(IDS[0]), cohort);
    assertEquals("Cohort[installationId=123e4567-e89b-42d3-a456-426614174000, bucket=" + cohort.bucket() + "]",
        cohort.toString());
    assertThrows(NullPointerException.class, () -> Cohort.of(null));
  }

  private static Cohort withBucket(int bucket) {
    for (long i = 0; ; i++) {
      Cohort c = Cohort.of(new UUID(0x4000L, i));
      if (c.bucket() == bucket) {
        return c;
      }
    }
  }
}

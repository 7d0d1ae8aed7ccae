package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The uniformity checks must be able to fail, or every test that relies on them proves nothing. */
class UniformityTest {

  @Test
  void acceptsAGoodGenerator() {
    SplittableRandom random = new SplittableRandom(99);
    double[] values = new double[100_000];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextDouble();
    }
    Uniformity.assertUniform("SplittableRandom", values);
  }

  @Test
  void rejectsASlightSkew() {
    // u^1.05: every value still in [0, 1), the density only a few percent off flat.
    SplittableRandom random = new SplittableRandom(99);
    double[] values = new double[100_000];
    for (int i = 0; i < values.length; i++) {
      values[i] = Math.pow(random.nextDouble(), 1.05);
    }
    assertThrows(AssertionError.class, () -> Uniformity.assertUniform("skewed", values));
  }

  @Test
  void rejectsValuesPiledOnOneBin() {
    SplittableRandom random = new SplittableRandom(99);
    double[] values = new double[100_000];
    for (int i = 0; i < values.length; i++) {
      // 2% of the draws moved onto the top bin, as a capped draw piles onto its cap.
      double u = random.nextDouble();
      values[i] = u < 0.02 ? 0.995 : u;
    }
    assertThrows(AssertionError.class, () -> Uniformity.assertUniform("piled", values));
  }

  @Test
  void criticalValueMatchesTables() {
    assertEquals(Uniformity.CHI2_99_DOF_P001, Uniformity.chiSquareCriticalP001(99), 0.1);
  }
}

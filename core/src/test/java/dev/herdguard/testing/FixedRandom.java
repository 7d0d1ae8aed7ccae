package dev.herdguard.testing;

import java.util.random.RandomGenerator;

/** A "random" source that always draws the same uniform value, so a test can assert exact delays. */
public final class FixedRandom implements RandomGenerator {

  private final double u;

  public FixedRandom(double u) {
    if (!(u >= 0 && u < 1)) {
      throw new IllegalArgumentException("u (" + u + ") must be in [0, 1)");
    }
    this.u = u;
  }

  @Override
  public double nextDouble() {
    return u;
  }

  @Override
  public long nextLong() {
    return (long) (u * Long.MAX_VALUE);
  }
}

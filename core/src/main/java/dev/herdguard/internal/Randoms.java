package dev.herdguard.internal;

import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/** Sources of randomness shared by herdguard's defaults. Not part of the public API. */
public final class Randoms {

  private static final RandomGenerator THREAD_LOCAL = new ThreadLocalSource();

  private Randoms() {}

  /**
   * A generator that any number of threads may share: each draw goes to the calling thread's
   * {@link ThreadLocalRandom}. Policies default to it because an injected generator such as
   * {@code SplittableRandom} is not safe to share.
   */
  public static RandomGenerator threadLocal() {
    return THREAD_LOCAL;
  }

  private static final class ThreadLocalSource implements RandomGenerator {
    @Override
    public long nextLong() {
      return ThreadLocalRandom.current().nextLong();
    }

    @Override
    public double nextDouble() {
      return ThreadLocalRandom.current().nextDouble();
    }

    @Override
    public int nextInt() {
      return ThreadLocalRandom.current().nextInt();
    }

    @Override
    public String toString() {
      return "ThreadLocalRandom";
    }
  }
}

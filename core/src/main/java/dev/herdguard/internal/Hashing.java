package dev.herdguard.internal;

import java.util.UUID;

/**
 * Stable hashes of an installation id. Not part of the public API.
 *
 * <p>The results are persisted in effect: a fleet's rollout cohorts and stable startup offsets are
 * whatever these functions return for its installation ids. Changing a constant or the mixing
 * reshuffles every installation at once, so treat the outputs as a wire format.
 *
 * <p>Stateless and thread-safe.
 */
public final class Hashing {

  private Hashing() {}

  /**
   * SplitMix64's finalizer (Stafford's "variant 13"): a bijection on 64 bits in which every input
   * bit flips each output bit with probability close to one half.
   */
  public static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /**
   * A 64-bit hash of all 128 bits of {@code id}, keyed by {@code salt}: two salts give hashes that
   * behave as independent.
   *
   * <p>{@link UUID#hashCode()} modulo a bucket count would not do: it only XOR-folds the 128 bits
   * into 32, so ids that differ in a few bits (sequential ids provisioned by hand) land in
   * neighbouring buckets, and a signed modulo is biased. Here every bit of the id, version and
   * variant bits aside, moves every bit of the result.
   */
  public static long hash(UUID id, long salt) {
    return mix64(mix64(id.getMostSignificantBits() ^ salt) ^ id.getLeastSignificantBits());
  }

  /** The top 53 bits of {@code hash} as a fraction in {@code [0, 1)}. */
  public static double toUnitInterval(long hash) {
    return (hash >>> 11) * 0x1.0p-53;
  }

  /**
   * The top 32 bits of {@code hash} scaled to {@code [0, bound)} by a multiply and shift. The bias
   * is at most {@code bound / 2^32}; for 10,000 buckets about two parts per million.
   */
  public static int toRange(long hash, int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound (" + bound + ") must be > 0");
    }
    return (int) (((hash >>> 32) * bound) >>> 32);
  }
}

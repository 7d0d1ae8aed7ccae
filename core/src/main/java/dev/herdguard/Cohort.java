package dev.herdguard;

import dev.herdguard.internal.Hashing;
import dev.herdguard.internal.InstallationIdFile;
import java.nio.file.Path;
import java.util.Objects;
import java.util.UUID;

/**
 * This installation's identity: a stable bucket for staged rollouts and a stable fraction for the
 * {@link StartupJitter#stable stable startup offset}.
 *
 * <p>A change that reaches a whole fleet at once can take the whole fleet down at once. A rollout
 * in stages turns it on for 1% of installations, then 10%, then everyone, and
 * {@link #isIn(double) isIn(percent)} tells this installation whether it is in. The bucket depends
 * on the installation id alone, so the answer is the same at every start, and raising the percent
 * only ever adds installations: whoever was in at 1% is still in at 10%.
 *
 * <p>The id is a random UUID that herdguard generates once and keeps in a file (see
 * {@link #load(Path)}), not {@code /etc/machine-id} or a MAC address: machines cloned from one
 * image share those, and would then share a bucket and a startup offset, which defeats both.
 *
 * <p>Bucket and startup fraction come from two differently salted hashes of all 128 bits of the
 * id, so they are independent: the installations that start first are not also the first to get
 * every rollout. The hashes are fixed for good; changing them would reshuffle every fleet.
 *
 * <p>Immutable and thread-safe. Two cohorts are equal when their installation ids are.
 */
public final class Cohort {

  /** The number of buckets: {@link #bucket()} is in {@code [0, BUCKETS)}, one per 0.01%. */
  public static final int BUCKETS = 10_000;

  // Salts of the two hashes. Never change them: they place every installation of every fleet.
  private static final long BUCKET_SALT = 0x6865_7264_6275_636bL;
  private static final long OFFSET_SALT = 0x6865_7264_6f66_6673L;

  private final UUID installationId;
  private final int bucket;
  private final double stableFraction;

  private Cohort(UUID installationId) {
    this.installationId = Objects.requireNonNull(installationId, "installationId");
    this.bucket = Hashing.toRange(Hashing.hash(installationId, BUCKET_SALT), BUCKETS);
    this.stableFraction = Hashing.toUnitInterval(Hashing.hash(installationId, OFFSET_SALT));
  }

  /**
   * The cohort of the installation whose id is kept in {@code stateDir} (the
   * {@code herdguard.state-dir} key), creating the id on first use.
   *
   * <p>The id lives in {@code <stateDir>/installation-id}: one line, a UUID in its 36-character
   * form. When the file is absent, the folder is created if needed (readable by its owner alone,
   * {@code rwx------}, where the file system is POSIX; an existing folder keeps its permissions)
   * and a new random id is written to a temporary file, synced, then linked to that name so that
   * it appears whole or not at all. Processes that start together on a fresh folder all end up
   * with the id of whichever wrote first.
   *
   * <p>Failures do not stop a client from starting; each is logged at WARN:
   * <ul>
   *   <li>a file that cannot be read or does not hold a UUID is replaced by a new id. Keeping a
   *       damaged file would fail every later start the same way; replacing it costs this
   *       installation its place once (a new bucket, a new startup offset), which is what a fresh
   *       installation gets anyway.
   *   <li>a file that cannot be trusted (a link, someone else's, readable or writable by its group
   *       or others) is set aside as {@code installation-id.bad-<timestamp>} and a new id made.
   *   <li>when the folder or the file cannot be written (a read-only disk, a path under a regular
   *       file, a folder writable by others), the cohort uses a random id for this run only. The client runs, but its bucket and
   *       stable offset change at every start until the folder is fixed.
   * </ul>
   *
   * <p>Cloning a machine image copies this file too: leave the state folder out of images, or
   * delete {@code installation-id} when sealing one, as is done for {@code /etc/machine-id}.
   *
   * @param stateDir the folder where herdguard keeps its state
   * @return the cohort; never null
   * @throws NullPointerException if {@code stateDir} is null
   */
  public static Cohort load(Path stateDir) {
    return new Cohort(InstallationIdFile.loadOrCreate(stateDir));
  }

  /**
   * The cohort of a given installation id, for an id kept elsewhere, and for tests.
   *
   * @throws NullPointerException if {@code installationId} is null
   */
  public static Cohort of(UUID installationId) {
    return new Cohort(installationId);
  }

  /** The installation's id. */
  public UUID installationId() {
    return installationId;
  }

  /** The installation's rollout bucket, in {@code [0, 10000)}; the same at every start. */
  public int bucket() {
    return bucket;
  }

  /**
   * Whether a change rolled out to {@code percent} of installations reaches this one: whether
   * {@code bucket() < percent * 100}. {@code 0} reaches nobody, {@code 100} everybody; the step is
   * 0.01%, and a percent between two steps counts as the step above it. Raising the percent keeps
   * every installation that was in.
   *
   * @param percent the share of installations, in {@code [0, 100]}
   * @throws IllegalArgumentException if {@code percent} is outside {@code [0, 100]} or NaN
   */
  public boolean isIn(double percent) {
    if (!(percent >= 0.0 && percent <= 100.0)) {
      throw new IllegalArgumentException("rollout percent (" + percent + ") must be in [0, 100]");
    }
    double threshold = percent * 100.0;
    // 0.07 * 100 is 7.000000000000001 in binary: snap such dust to the step it means, or 0.07%
    // would let in bucket 7 as well.
    double step = Math.rint(threshold);
    if (Math.abs(threshold - step) < 1e-9) {
      threshold = step;
    }
    return bucket < threshold;
  }

  /**
   * The fraction of the startup window where this installation makes its first contact, in
   * {@code [0, 1)}; the same at every start, independent of {@link #bucket()}.
   */
  double stableFraction() {
    return stableFraction;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cohort && ((Cohort) o).installationId.equals(installationId);
  }

  @Override
  public int hashCode() {
    return installationId.hashCode();
  }

  @Override
  public String toString() {
    return "Cohort[installationId=" + installationId + ", bucket=" + bucket + "]";
  }
}

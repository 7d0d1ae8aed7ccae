package dev.herdguard.testing;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/** A clock for tests that moves only when told to. Thread-safe. */
public final class FakeClock implements InstantSource {

  private final AtomicLong nanos;

  public FakeClock() {
    this(Instant.parse("2026-11-10T08:00:00Z"));
  }

  public FakeClock(Instant start) {
    this.nanos = new AtomicLong(start.getEpochSecond() * 1_000_000_000L + start.getNano());
  }

  @Override
  public Instant instant() {
    long n = nanos.get();
    return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
  }

  @Override
  public long millis() {
    return Math.floorDiv(nanos.get(), 1_000_000L);
  }

  /** Nanoseconds since the epoch: a fake monotonic ticker. */
  public long nanos() {
    return nanos.get();
  }

  public void advance(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("a fake clock moves forward only: " + d);
    }
    nanos.addAndGet(d.toNanos());
  }

  /** Moves the clock to {@code instant} (forward or back: wall clocks jump). */
  public void set(Instant instant) {
    nanos.set(instant.getEpochSecond() * 1_000_000_000L + instant.getNano());
  }
}

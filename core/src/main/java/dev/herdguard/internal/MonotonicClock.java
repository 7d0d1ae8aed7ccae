package dev.herdguard.internal;

import java.time.Clock;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.function.LongSupplier;

/**
 * A clock that reads the wall clock once, at its creation, and from then on moves with a monotonic
 * ticker: its instants never step back, whatever NTP, a laptop's sleep or a resumed VM snapshot do
 * to the wall clock. For code that measures waits through a {@link Clock} (Resilience4j's open
 * state, the retry budget's refill). Its instants drift from the wall clock by whatever the wall
 * clock was stepped: use it for durations, never to stamp a time that leaves the process.
 * Not part of the public API. Thread-safe.
 */
public final class MonotonicClock extends Clock {

  private final long originNanos;
  private final long originEpochNanos;
  private final LongSupplier ticker;

  /** A clock that starts at {@code wall}'s instant now and moves with {@code ticker}. */
  public MonotonicClock(InstantSource wall, LongSupplier ticker) {
    this.ticker = ticker;
    this.originNanos = ticker.getAsLong();
    Instant start = wall.instant();
    this.originEpochNanos = start.getEpochSecond() * 1_000_000_000L + start.getNano();
  }

  /**
   * A ticker read from a clock's instants, for a clock that is itself virtual (a simulation, a
   * test): its waits then follow that clock, as a real ticker follows real time.
   */
  public static LongSupplier tickerOf(InstantSource clock) {
    return () -> {
      Instant i = clock.instant();
      return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    };
  }

  @Override
  public Instant instant() {
    long n = originEpochNanos + (ticker.getAsLong() - originNanos);
    return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
  }

  @Override
  public long millis() {
    return Math.floorDiv(originEpochNanos + (ticker.getAsLong() - originNanos), 1_000_000L);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    // Resilience4j only reads instants; a zone changes nothing they measure.
    return this;
  }

  @Override
  public String toString() {
    return "MonotonicClock";
  }
}

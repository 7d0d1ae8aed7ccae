package dev.herdguard.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TokenPlanTest {

  private static final Instant T0 = Instant.parse("2026-11-10T08:00:00Z");
  private static final Duration MIN_REMAINING = Duration.ofSeconds(30);
  private static final Duration WARNING = Duration.ofMinutes(15);

  private static TokenPlan plan(Duration lifetime, Instant now, double u) {
    return TokenPlan.of(T0, T0.plus(lifetime), now, 0.75, 0.9, MIN_REMAINING, WARNING, u);
  }

  @Test
  void oneHourTokenUsesTheConfiguredMargins() {
    TokenPlan p = plan(Duration.ofHours(1), T0, 0.0);
    assertEquals(T0.plus(Duration.ofMinutes(45)), p.refreshAt());
    assertEquals(T0.plus(Duration.ofMinutes(60)).minusSeconds(30), p.staleAt());
    assertEquals(T0.plus(Duration.ofMinutes(45)), p.warnAt());
    assertEquals(T0.plus(Duration.ofMinutes(45)).plus(Duration.ofSeconds(270)), plan(Duration.ofHours(1), T0, 0.5).refreshAt());
  }

  @Test
  void sixtySecondTokenScalesTheMarginsDown() {
    // min-remaining 30s would leave a 60s token usable for only 30s and refresh it on every call
    // after that; a tenth of the life (6s) applies instead. The warning: a quarter (15s), not 15min.
    TokenPlan p = plan(Duration.ofSeconds(60), T0, 0.0);
    assertEquals(T0.plusSeconds(45), p.refreshAt());
    assertEquals(T0.plusSeconds(54), p.staleAt());
    assertEquals(T0.plusSeconds(45), p.warnAt());
    TokenPlan late = plan(Duration.ofSeconds(60), T0, Math.nextDown(1.0));
    assertTrue(late.refreshAt().isBefore(T0.plusSeconds(54)), late.refreshAt().toString());
    assertTrue(late.refreshAt().isAfter(T0.plusMillis(53_999)), late.refreshAt().toString());
  }

  @Test
  void twentyFourHourTokenKeepsTheConfiguredMargins() {
    TokenPlan p = plan(Duration.ofHours(24), T0, 0.0);
    assertEquals(T0.plus(Duration.ofHours(18)), p.refreshAt());
    assertEquals(T0.plus(Duration.ofHours(24)).minusSeconds(30), p.staleAt());
    assertEquals(T0.plus(Duration.ofHours(24)).minus(WARNING), p.warnAt());
    TokenPlan late = plan(Duration.ofHours(24), T0, Math.nextDown(1.0));
    assertTrue(late.refreshAt().isBefore(T0.plus(Duration.ofMinutes(21 * 60 + 36))), late.refreshAt().toString());
  }

  @Test
  void refreshInstantsOfTenThousandTokensIssuedInTheSameSecondSpanTheWindowEvenly() {
    SplittableRandom random = new SplittableRandom(2013);
    Duration life = Duration.ofHours(1);
    int tokens = 10_000;
    int buckets = 10;
    int[] counts = new int[buckets];
    // The window of a token issued at T0: [45min, 54min); issue instants spread over one second.
    long windowStart = T0.plus(Duration.ofMinutes(45)).toEpochMilli();
    long windowMillis = Duration.ofMinutes(9).toMillis();
    for (int i = 0; i < tokens; i++) {
      Instant issued = T0.plusMillis(random.nextInt(1000));
      TokenPlan p = TokenPlan.of(issued, issued.plus(life), issued, 0.75, 0.9, MIN_REMAINING, WARNING, random.nextDouble());
      long offset = p.refreshAt().toEpochMilli() - windowStart;
      assertTrue(offset >= 0 && offset < windowMillis + 1000, "refresh " + p.refreshAt() + " outside the window");
      counts[(int) Math.min(buckets - 1, offset * buckets / windowMillis)]++;
    }
    // Each 54-second tenth of the window gets about 1,000 refreshes; a herd would put them in one.
    for (int b = 0; b < buckets; b++) {
      assertTrue(counts[b] > 900 && counts[b] < 1100, "bucket " + b + " holds " + counts[b]);
    }
  }

  @Test
  void tokenTakenLateInItsWindowRefreshesOverWhatIsLeftOfIt() {
    // A fleet restarted at 80% of its tokens' life: refreshes spread over [48min, 54min), not all at once.
    Instant now = T0.plus(Duration.ofMinutes(48));
    assertEquals(now, plan(Duration.ofHours(1), now, 0.0).refreshAt());
    assertEquals(now.plus(Duration.ofMinutes(3)), plan(Duration.ofHours(1), now, 0.5).refreshAt());
  }

  @Test
  void tokenTakenAfterItsWindowRefreshesInTheFirstHalfOfWhatIsLeftBeforeItTurnsStale() {
    Instant now = T0.plus(Duration.ofMinutes(56));
    TokenPlan p = plan(Duration.ofHours(1), now, 0.5);
    // stale at 59:30; half of the 3.5 minutes left is 1:45; u = 0.5 gives 52.5s.
    assertEquals(now.plusMillis(52_500), p.refreshAt());
    assertEquals(now, plan(Duration.ofHours(1), now, 0.0).refreshAt());
  }

  @Test
  void issueInstantInTheFutureCountsAsNow() {
    Instant issued = T0.plusSeconds(120); // a server clock two minutes ahead
    TokenPlan p = TokenPlan.of(issued, issued.plus(Duration.ofHours(1)), T0, 0.75, 0.9, MIN_REMAINING, WARNING, 0.0);
    assertEquals(T0, p.issuedAt());
    assertEquals(T0.plus(Duration.ofMinutes(46).plusSeconds(30)), p.refreshAt());
  }

  @Test
  void refreshNeverFallsAfterTheStaleInstantEvenWithAWindowToTheEndOfLife() {
    TokenPlan p = TokenPlan.of(T0, T0.plusSeconds(60), T0, 0.75, 1.0, MIN_REMAINING, WARNING, Math.nextDown(1.0));
    assertFalse(p.refreshAt().isAfter(p.staleAt()), p.toString());
  }

  @Test
  void centuriesLongTokenDoesNotOverflow() {
    Instant far = Instant.parse("9999-12-31T23:59:59Z");
    TokenPlan p = TokenPlan.of(T0, far, T0, 0.75, 0.9, MIN_REMAINING, WARNING, 0.5);
    assertTrue(p.refreshAt().isAfter(T0) && p.refreshAt().isBefore(far));
    assertEquals(far.minusSeconds(30), p.staleAt());
  }

  @Test
  void zeroMinRemainingMakesTheTokenUsableToItsExpiry() {
    assertEquals(T0.plusSeconds(60), TokenPlan.staleAt(T0, T0.plusSeconds(60), T0, Duration.ZERO));
  }
}

package dev.herdguard.examples.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * mass-expiry at 2,000 clients, each a real token cache. The full run (10,000 clients) measures a
 * peak of 1.07x an even spread; at 2,000 the busiest minute holds about 220 refreshes, and random
 * refresh instants put it up to 15% above the mean, so this bound is 1.2.
 */
class MassExpiryTest {

  @Test
  void herdguardSpreadsRefreshesAndNoClientIsEverWithoutAToken() {
    MassExpiry.Settings s = MassExpiry.Settings.defaults(2_000);
    MassExpiry.Result herdguard = MassExpiry.run(s, Policy.HERDGUARD);
    MassExpiry.Result naive = MassExpiry.run(s, Policy.NAIVE);
    assertEquals(0, herdguard.withoutToken());
    assertEquals(s.clients(), herdguard.renewed(), "every token renewed once, before it expired");
    assertTrue(herdguard.peakVsEven() <= 1.2, "peak vs even spread: " + herdguard.peakVsEven());
    assertTrue(naive.withoutToken() > s.clients() / 2, "naive clients without a token: " + naive.withoutToken());
    assertTrue(naive.peakRate() > 10 * herdguard.peakRate());
  }
}

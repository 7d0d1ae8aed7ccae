package dev.herdguard.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.herdguard.HerdGuardConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class QuickStartTest {

  @Test
  void wrapsALoginCallThatSucceedsOnItsSecondAttempt() throws Exception {
    // No startup jitter and a 1ms backoff, so the recipe runs at once on a real clock.
    HerdGuardConfig config = HerdGuardConfig.builder()
        .withStartupMaxDelay(Duration.ZERO)
        .withBackoffBase(Duration.ofMillis(1))
        .withBackoffMax(Duration.ofMillis(2))
        .build();
    QuickStart.LoginClient server = new QuickStart.LoginClient(1);
    assertEquals(new QuickStart.Session("alice"), QuickStart.login(config, server));
    assertEquals(2, server.calls());
  }
}

package dev.herdguard.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.TokenCache;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ShowTheWaitTest {

  @Test
  void theScreenShowsTheWaitAndTheClickGoesPastItOncePerInterval() throws Exception {
    try (HerdGuard guard = HerdGuard.create(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO).build())) {
      AtomicInteger logins = new AtomicInteger();
      // The login goes through the host's operation: held by the host's wait unless the user's click lets it go.
      try (TokenCache tokens = guard.tokenCache(previous -> guard.operation("login", "auth.example.com").call(() -> {
        logins.incrementAndGet();
        return ShowTheWait.anHour("secret-token");
      }))) {
        guard.host("auth.example.com").obeyHint(Duration.ofMinutes(3));
        Duration shown = ShowTheWait.signInScreen(guard, tokens, false);
        assertTrue(shown.compareTo(Duration.ofMinutes(2)) > 0, "shows the wait: " + shown);
        assertEquals(0, logins.get());
        assertEquals(Duration.ZERO, ShowTheWait.signInScreen(guard, tokens, true), "the click went through");
        assertEquals(1, logins.get());
        // A second click within host.user-interval does not go past a new wait.
        tokens.invalidate(tokens.get());
        guard.host("auth.example.com").obeyHint(Duration.ofMinutes(3));
        assertTrue(ShowTheWait.signInScreen(guard, tokens, true).compareTo(Duration.ofMinutes(2)) > 0);
        assertEquals(1, logins.get());
      }
    }
  }
}

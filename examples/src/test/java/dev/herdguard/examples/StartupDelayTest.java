package dev.herdguard.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StartupDelayTest {

  @Test
  void bothWaysLogInOnceTheDelayHasPassed() throws Exception {
    // No delay, so the recipe runs at once on a real clock; FirstHourTest in core pins the waits.
    try (HerdGuard guard = HerdGuard.create(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO).build())) {
      StartupDelay.Client client = new StartupDelay.Client();
      assertEquals(new StartupDelay.Session(1), StartupDelay.firstContact(guard, client));
      assertEquals(2, client.logins.get(), "the blocking login, then the asynchronous one");
    }
  }
}

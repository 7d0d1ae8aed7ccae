package dev.herdguard.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.HerdGuardConfig;
import dev.herdguard.HerdGuardConfigException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TuneByPropertiesTest {

  @Test
  void propertiesAndBuilderSayTheSameAndOperationsOverrideTheGlobalKeys() throws Exception {
    HerdGuardConfig config = TuneByProperties.parse(TuneByProperties.TUNED);
    assertEquals(TuneByProperties.built(), config);
    assertEquals(Duration.ofMinutes(3), config.startupMaxDelay());
    assertEquals(3, config.forOperation("login").retryMaxAttempts());
    assertEquals(Duration.ofMinutes(2), config.forOperation("login").backoffMax());
    assertEquals(6, config.forOperation("updates").retryMaxAttempts(), "other operations keep the default");
  }

  @Test
  void aBadFileFailsWholeNamingEveryBadKey() {
    HerdGuardConfigException e = assertThrows(HerdGuardConfigException.class,
        () -> TuneByProperties.parse("herdguard.backof.base=1s\nherdguard.retry.max-attempts=0\n"));
    assertTrue(e.getMessage().contains("did you mean herdguard.backoff.base?"), e.getMessage());
    assertTrue(e.getMessage().contains("herdguard.retry.max-attempts"), e.getMessage());
  }
}

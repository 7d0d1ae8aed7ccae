package dev.herdguard.examples.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlagsTest {

  private static final List<Flags.Option> OPTIONS = List.of(
      new Flags.Option("clients", "100", "fleet"), new Flags.Option("window", "10m", "window"));

  @Test
  void readsDurationsLikeHerdguardProperties() {
    assertEquals(Duration.ofMillis(250), Flags.parseDuration("250ms"));
    assertEquals(Duration.ofSeconds(150), Flags.parseDuration("2m30s"));
    assertEquals(Duration.ofMinutes(90), Flags.parseDuration("1.5h"));
    assertEquals(Duration.ofDays(2), Flags.parseDuration("2d"));
    assertEquals(Duration.ofSeconds(30), Flags.parseDuration("PT30S"));
    assertEquals(Duration.ZERO, Flags.parseDuration("0"));
    assertNull(Flags.parseDuration("30"));
    assertNull(Flags.parseDuration("5 minutes"));
    assertEquals("2m30s", Flags.format(Duration.ofSeconds(150)));
    assertEquals("250ms", Flags.format(Duration.ofMillis(250)));
  }

  @Test
  void takesBothFormsAndKeepsDefaults() {
    Flags f = Flags.parse(List.of("--clients=5", "--window", "1m"), OPTIONS);
    assertEquals(5, f.intValue("clients", 1));
    assertEquals(Duration.ofMinutes(1), f.positiveDuration("window"));
    assertEquals(100, Flags.parse(List.of(), OPTIONS).intValue("clients", 1));
  }

  @Test
  void namesEveryBadFlagAtOnce() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Flags.parse(List.of("--clinets", "5", "--window"), OPTIONS));
    assertTrue(e.getMessage().contains("unknown flag --clinets (known: --clients, --window)"), e.getMessage());
    assertTrue(e.getMessage().contains("flag --window needs a value"), e.getMessage());
    Flags f = Flags.parse(List.of("--clients", "lots", "--window", "soon"), OPTIONS);
    f.intValue("clients", 1);
    f.positiveDuration("window");
    e = assertThrows(IllegalArgumentException.class, f::throwIfErrors);
    assertTrue(e.getMessage().contains("--clients (lots) must be a whole number"), e.getMessage());
    assertTrue(e.getMessage().contains("--window (soon) must be a duration"), e.getMessage());
  }
}

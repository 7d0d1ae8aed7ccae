package dev.herdguard.examples.loopback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.herdguard.HerdGuardConfig;
import dev.herdguard.Token;
import dev.herdguard.examples.loopback.LoopbackDemo.Options;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's small parts: flags, the login answer, the yardstick. */
class LoopbackPartsTest {

  @Test
  void flagsOverTheDefaults() {
    Options o = Options.parse("--clients", "500", "--capacity=50", "--window", "2s", "--queue", "1500ms",
        "--runs", "cold,warm", "--retry-after", "3s");
    assertEquals(500, o.clients());
    assertEquals(50.0, o.capacity());
    assertEquals(Duration.ofSeconds(2), o.window());
    assertEquals(List.of("cold", "warm"), o.runs());
    assertEquals(75, o.serverSettings().queueLimit());
    assertEquals(Duration.ofSeconds(3), o.serverSettings().retryAfter());
    assertEquals(Options.defaults().timeout(), o.timeout());
    assertNull(Options.parse("--help"));
  }

  @Test
  void theServersHintIsItsQueueRoundedUpUnlessGiven() {
    assertEquals(Duration.ofSeconds(4), Options.defaults().serverSettings().retryAfter());
    assertEquals(800, Options.defaults().serverSettings().queueLimit());
    assertEquals(Duration.ofSeconds(2), Options.parse("--queue", "1500ms").serverSettings().retryAfter());
  }

  @Test
  void everyBadFlagIsNamedAtOnce() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Options.parse("--clients", "many", "--window", "5", "--runs", "naive", "--runs", "cold", "--colour", "x"));
    assertEquals("--runs is given twice; unknown flag --colour; --clients (many) must be a whole number; "
        + "--window (5) must be a duration such as 250ms, 5s or 1m", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Options.parse("--clients", "0", "--runs", "lukewarm", "--seed", "x", "--verbose"));
    assertEquals("unknown flag --verbose; --seed (x) must be a whole number; "
        + "--clients (0) must be in [1, 20000]: each client in flight holds a socket; "
        + "--runs (lukewarm) must list some of naive, off, cold, warm", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Options.parse("--runs", "warm,cold"));
    assertEquals("--runs (warm,cold) needs cold before warm, or --dir holding the token files of an earlier run",
        e.getMessage());
    assertEquals(List.of("warm"), Options.parse("--runs", "warm", "--dir", "/tmp/tokens").runs());
  }

  @Test
  void theBunchedPresetIsAFleetSixTimesWhatTheStartupDelaySpreads() {
    Options o = Options.parse("--bunched");
    assertEquals(6000, o.clients());
    assertEquals(100, o.capacity());
    assertEquals(List.of("naive", "off", "cold"), o.runs());
    assertEquals(Duration.ofMinutes(2), o.limit());
    assertEquals(3000, Options.parse("--bunched", "--clients", "3000").clients(), "a flag given beats the preset");
  }

  @Test
  void herdguardsMinuteScaleSettingsAreDividedByTheTimeScaleAndTheRestAreDefaults() {
    HerdGuardConfig c = Options.defaults().herdguardConfig();
    HerdGuardConfig d = HerdGuardConfig.defaults();
    assertEquals(Duration.ofSeconds(10), c.startupMaxDelay());
    assertEquals(Duration.ofSeconds(10), c.backoffMax());
    assertEquals(Duration.ofSeconds(5), c.breakerOpenWait());
    assertEquals(Duration.ofSeconds(50), c.retryMaxDuration());
    assertEquals(Duration.ofSeconds(50), c.hostMaxWait());
    assertEquals(Duration.ofSeconds(5), c.hostDownMaxWait());
    assertEquals(Duration.ofSeconds(10), c.hostMaxTimeout());
    assertEquals(Duration.ofSeconds(10), c.hostUserInterval());
    assertEquals(d.toBuilder().withStartupMaxDelay(c.startupMaxDelay()).withBackoffMax(c.backoffMax())
        .withBreakerOpenWait(c.breakerOpenWait()).withRetryMaxDuration(c.retryMaxDuration())
        .withHostMaxWait(c.hostMaxWait()).withHostDownMaxWait(c.hostDownMaxWait())
        .withHostMaxTimeout(c.hostMaxTimeout()).withHostUserInterval(c.hostUserInterval()).build(), c);
    assertEquals(d, Options.parse("--time-scale", "1").herdguardConfig());
  }

  @Test
  void theLoginAnswerRoundTripsAndADamagedOneIsAnIoException() throws IOException {
    Instant now = Instant.parse("2007-08-16T03:00:00Z");
    Token t = LoginJson.parse(LoginJson.body("tok-1-abc", 3600), now);
    assertEquals("tok-1-abc", t.value());
    assertEquals(now.plusSeconds(3600), t.expiresAt().orElseThrow());
    assertThrows(IOException.class, () -> LoginJson.parse("{\"error\":\"busy\"}", now));
    assertThrows(IOException.class, () -> LoginJson.parse("{\"access_token\":\"x\",\"expires_in\":soon}", now));
    assertThrows(IOException.class, () -> LoginJson.parse("{\"access_token\":\"x\",\"expires_in\":\"1h\"}", now));
    assertThrows(IOException.class, () -> LoginJson.parse("{\"access_token\":\"x\",\"expires_in\":-1}", now));
    assertThrows(IOException.class, () -> LoginJson.parse("[1,2]", now));
    // A JSON library reads what a server may send and a hand parser would not: any field order,
    // whitespace, escapes, fields it does not know.
    Token spaced = LoginJson.parse("{ \"token_type\": \"Bearer\", \"expires_in\": 60,\n"
        + " \"access_token\": \"a\\\"b\" }", now);
    assertEquals("a\"b", spaced.value());
    assertEquals(now.plusSeconds(60), spaced.expiresAt().orElseThrow());
  }

  @Test
  void theIdealIsLoginsNeededOverCapacityWhenTheFleetRebootsAtOnce() {
    long[] atOnce = new long[100];
    boolean[] all = new boolean[100];
    Arrays.fill(all, true);
    // 100 logins at 10/s from t = 0: the 99th is done at 9.9 s.
    assertEquals(9_900, Reboots.idealOnline99Millis(atOnce, all, 10));
    // No login needed: online at the reboot itself.
    long[] spread = new long[100];
    for (int i = 0; i < 100; i++) {
      spread[i] = i * 10_000_000L;
    }
    assertEquals(980, Reboots.idealOnline99Millis(spread, new boolean[100], 10));
    assertEquals(-1, Reboots.percentile99(new long[] {1, 2, -1}));
  }

  @Test
  void rebootsAreTheSameForTheSameSeedAndFallInTheWindow() {
    long[] a = Reboots.uniform(1000, Duration.ofSeconds(5), 7);
    assertEquals(Arrays.toString(a), Arrays.toString(Reboots.uniform(1000, Duration.ofSeconds(5), 7)));
    assertEquals(0, Arrays.stream(a).filter(t -> t < 0 || t >= 5_000_000_000L).count());
  }
}

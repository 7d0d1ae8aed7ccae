package dev.herdguard.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DurationsTest {

  @ParameterizedTest
  @CsvSource({
    "250ms, PT0.25S",
    "30s, PT30S",
    "5m, PT5M",
    "1h, PT1H",
    "2d, PT48H",
    "0, PT0S",
    "000, PT0S",
    "0s, PT0S",
    "-5s, PT-5S",
    "PT30S, PT30S",
    "pt30s, PT30S",
    "P2D, PT48H",
    "PT1.5S, PT1.5S",
    "-PT5S, PT-5S",
    "' 30s ', PT30S",
  })
  void readsTheShortFormAndIso(String text, String expected) {
    assertEquals(Duration.parse(expected), Durations.parse(text));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "abc | must be a duration such as 250ms, 30s, 5m, 1h, 2d or PT30S",
    "'' | must be a duration such as 250ms, 30s, 5m, 1h, 2d or PT30S",
    "30 S | must be a duration such as 250ms, 30s, 5m, 1h, 2d or PT30S",
    "30S | must be a duration such as 250ms, 30s, 5m, 1h, 2d or PT30S",
    "1w | must be a duration such as 250ms, 30s, 5m, 1h, 2d or PT30S",
    "P1M | must be a duration such as 250ms, 30s, 5m, 1h, 2d or PT30S",
    "30 | must have a unit: ms, s, m, h or d, such as 30s",
    "1.5 | must have a unit: ms, s, m, h or d, such as 1s",
    "1.5s | must be a whole number of ms, s, m, h or d (no fractions): write 1500ms",
    "0.5m | must be a whole number of ms, s, m, h or d (no fractions): write 30s",
    "-1.5h | must be a whole number of ms, s, m, h or d (no fractions): write -90m",
    "1.5ms | must be a whole number of ms, s, m, h or d (no fractions): write PT0.0015S",
    "0.0000000001s | must be a whole number of ms, s, m, h or d (no fractions)",
    "99999999999999999999s | is too large for a duration",
    "999999999999999d | is too large for a duration",
  })
  void rejectsWithTheRuleAsMessage(String text, String rule) {
    var e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
    assertEquals(rule, e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({
    "PT0S, 0",
    "PT0.25S, 250ms",
    "PT1.5S, 1500ms",
    "PT30S, 30s",
    "PT90S, 90s",
    "PT5M, 5m",
    "PT1H, 1h",
    "PT25H, 25h",
    "PT48H, 2d",
    "PT-5S, -5s",
    "PT0.0000015S, PT0.0000015S",
    "PT-0.0000015S, -PT0.0000015S",
  })
  void writesTheShortestExactForm(String iso, String expected) {
    assertEquals(expected, Durations.format(Duration.parse(iso)));
  }

  @Test
  void formatThenParseGivesTheSameDuration() {
    for (Duration d : List.of(
        Duration.ZERO, Duration.ofNanos(1), Duration.ofMillis(1), Duration.ofMillis(-250),
        Duration.ofSeconds(86_399), Duration.ofDays(365), Duration.ofSeconds(Long.MAX_VALUE, 999_999_999),
        Duration.ofSeconds(Long.MAX_VALUE / 1000, 1_000_000), Duration.ofSeconds(Long.MIN_VALUE),
        Duration.ofSeconds(Long.MIN_VALUE, 1))) {
      assertEquals(d, Durations.parse(Durations.format(d)), () -> Durations.format(d));
    }
  }

  @ParameterizedTest
  @CsvSource({
    "PT59M59.999804468S, 59m59s",
    "PT0.25S, 250ms",
    "PT1.25S, 1s250ms",
    "PT30S, 30s",
    "PT1H30M, 1h30m",
    "PT1H0M59S, 1h",
    "P2DT3H4M, 2d3h",
    "PT0.0004S, 0.4ms",
    "PT0.000000001S, 0.001ms",
    "PT0S, 0",
    "PT-1.5S, -1s500ms",
  })
  void humanWritesDurationsAsPeopleDo(String iso, String expected) {
    assertEquals(expected, Durations.human(Duration.parse(iso)));
  }

  @org.junit.jupiter.api.Test
  void humanWritesTheExtremes() {
    assertEquals("106751991167300d15h", Durations.human(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)));
    assertEquals("-106751991167300d15h", Durations.human(Duration.ofSeconds(Long.MIN_VALUE)));
  }
}

package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.RetryAfter.Decision;
import dev.herdguard.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetryAfterTest {

  /** FakeClock's default start: Tuesday 2026-11-10 08:00:00 UTC. */
  private final FakeClock clock = new FakeClock();

  private Optional<Duration> parse(String value) {
    return RetryAfter.parse(value, clock.instant());
  }

  @Nested
  class DelaySeconds {

    @Test
    void readsWholeSeconds() {
      assertEquals(Optional.of(Duration.ofSeconds(120)), parse("120"));
      assertEquals(Optional.of(Duration.ZERO), parse("0"));
      assertEquals(Optional.of(Duration.ofSeconds(30)), parse("0030"));
    }

    @Test
    void ignoresSpacesAndTabsAroundTheValue() {
      assertEquals(Optional.of(Duration.ofSeconds(30)), parse("  30\t"));
      assertEquals(Optional.of(Duration.ofSeconds(30)), parse("\t30"));
    }

    @Test
    void largestLongIsStillAHint() {
      assertEquals(Optional.of(Duration.ofSeconds(Long.MAX_VALUE)), parse(Long.toString(Long.MAX_VALUE)));
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "", " ", "\t", "-1", "+5", "1.5", "1e3", "0x10", "abc", "30s", "30 s", "3 0", "120, 120",
          "9223372036854775808", // Long.MAX_VALUE + 1
          "1234567890123456789012345678901234567890", // 40 digits
          "\u0663\u0660", // Arabic-Indic "30": Character.isDigit says yes, the grammar says ASCII
          "\uff13\uff10", // full-width "30"
          "30\n", // only SP and HTAB are optional whitespace
          "\u00a030",
        })
    void garbageIsNoHint(String value) {
      assertEquals(Optional.empty(), parse(value));
    }

    @Test
    void nullIsNoHint() {
      assertEquals(Optional.empty(), parse(null));
    }

    @Test
    void valuesOverSixtyFourCharactersAreIgnoredEvenIfValid() {
      String padded = " ".repeat(RetryAfter.MAX_LENGTH - 2) + "30";
      assertEquals(Optional.of(Duration.ofSeconds(30)), parse(padded));
      assertEquals(Optional.empty(), parse(" " + padded));
    }
  }

  @Nested
  class HttpDate {

    @Test
    void readsImfFixdate() {
      assertEquals(Optional.of(Duration.ofSeconds(90)), parse("Tue, 10 Nov 2026 08:01:30 GMT"));
    }

    @Test
    void readsRfc850WithTwoDigitYear() {
      assertEquals(Optional.of(Duration.ofSeconds(90)), parse("Tuesday, 10-Nov-26 08:01:30 GMT"));
    }

    @Test
    void readsAsctimeWithSpaceOrZeroPaddedDay() {
      clock.set(Instant.parse("2026-11-05T23:59:00Z"));
      assertEquals(Optional.of(Duration.ofSeconds(61)), parse("Fri Nov  6 00:00:01 2026"));
      assertEquals(Optional.of(Duration.ofSeconds(61)), parse("Fri Nov 06 00:00:01 2026"));
      assertEquals(Optional.of(Duration.ofDays(10).plusSeconds(61)), parse("Mon Nov 16 00:00:01 2026"));
    }

    @Test
    void readsWhatJavaFormatsAsRfc1123() {
      Instant when = clock.instant().plusSeconds(3_600);
      String header = DateTimeFormatter.RFC_1123_DATE_TIME.format(when.atOffset(ZoneOffset.UTC));
      assertEquals(Optional.of(Duration.ofHours(1)), parse(header));
    }

    @Test
    void futureDateIsMeasuredFromTheGivenNowIncludingItsFraction() {
      clock.advance(Duration.ofMillis(250));
      assertEquals(Optional.of(Duration.ofMillis(29_750)), parse("Tue, 10 Nov 2026 08:00:30 GMT"));
    }

    @Test
    void pastDateIsZero() {
      assertEquals(Optional.of(Duration.ZERO), parse("Tue, 10 Nov 2026 07:59:59 GMT"));
      assertEquals(Optional.of(Duration.ZERO), parse("Sun, 06 Nov 1994 08:49:37 GMT"));
      assertEquals(Optional.of(Duration.ZERO), parse("Sunday, 06-Nov-94 08:49:37 GMT"));
      assertEquals(Optional.of(Duration.ZERO), parse("Sun Nov  6 08:49:37 1994"));
    }

    @Test
    void dateExactlyNowIsZero() {
      assertEquals(Optional.of(Duration.ZERO), parse("Tue, 10 Nov 2026 08:00:00 GMT"));
    }

    @Test
    void rfc850YearMoreThanFiftyYearsAheadIsLastCentury() {
      // Now is 2026: "76" is 2076 (50 years ahead), "77" is 1977 (51 ahead would be too far).
      assertEquals(
          Optional.of(Duration.between(clock.instant(), Instant.parse("2076-11-10T08:00:00Z"))),
          parse("Tuesday, 10-Nov-76 08:00:00 GMT"));
      assertEquals(Optional.of(Duration.ZERO), parse("Thursday, 10-Nov-77 08:00:00 GMT"));
    }

    @Test
    void rfc850YearIsPlacedRelativeToNowNotToTheCurrentCentury() {
      clock.set(Instant.parse("2090-01-01T00:00:00Z"));
      // In 2090, "10" is 2110 (20 years ahead), not 2010 (80 years ago).
      assertEquals(
          Optional.of(Duration.between(clock.instant(), Instant.parse("2110-01-01T00:00:00Z"))),
          parse("Wednesday, 01-Jan-10 00:00:00 GMT"));
    }

    @Test
    void leapSecondCountsAsTheNextMinute() {
      assertEquals(Optional.of(Duration.ofSeconds(60)), parse("Tue, 10 Nov 2026 08:00:60 GMT"));
    }

    @Test
    void leapDayExistsOnlyInLeapYears() {
      clock.set(Instant.parse("2028-02-29T00:00:00Z"));
      assertEquals(Optional.of(Duration.ofSeconds(1)), parse("Tue, 29 Feb 2028 00:00:01 GMT"));
      assertEquals(Optional.empty(), parse("Sun, 29 Feb 2027 00:00:01 GMT"));
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "Wed, 32 Oct 2026 08:00:00 GMT", // day 32
          "Sat, 31 Nov 2026 08:00:00 GMT", // November has 30 days
          "Tue, 00 Nov 2026 08:00:00 GMT",
          "Tue, 10 Foo 2026 08:00:00 GMT",
          "Tue, 10 Nov 2026 24:00:00 GMT",
          "Tue, 10 Nov 2026 08:60:00 GMT",
          "Tue, 10 Nov 2026 08:00:61 GMT",
          "Tue, 10 Nov 2026 08:00:00 UTC", // the grammar says GMT
          "Tue, 10 Nov 2026 08:00:00 +0000",
          "Tue, 10 Nov 2026 08:00:00",
          "Tue, 10 Nov 26 08:00:00 GMT", // IMF-fixdate has a four-digit year
          "Tue, 1 Nov 2026 08:00:00 GMT", // and a two-digit day
          "Tue,  10 Nov 2026 08:00:00 GMT",
          "Tue, 10 Nov 2026 8:00:00 GMT",
          "Tue, 10 Nov 2026 08-00-00 GMT",
          "tue, 10 nov 2026 08:00:00 gmt", // HTTP-date is case-sensitive
          "TUE, 10 NOV 2026 08:00:00 GMT",
          "Tues, 10 Nov 2026 08:00:00 GMT",
          "10 Nov 2026 08:00:00 GMT",
          "Tue, 10 Nov 2026 08:00:00 GMT, Tue, 10 Nov 2026 08:00:00 GMT",
          "Tuesday, 10-Nov-2026 08:00:00 GMT", // RFC 850 has a two-digit year
          "Tuesday, 10 Nov 26 08:00:00 GMT",
          "Tue, 10-Nov-26 08:00:00 GMT",
          "Tuesday 10-Nov-26 08:00:00 GMT",
          "Tue Nov 10 08:00:00 26",
          "Tue Nov 10 08:00:00 2026 GMT",
          "Tue Nov 10 08:00:00  2026",
          "Tue Nov 1008:00:00 2026 ",
          "Tue Nov  0 08:00:00 2026",
          "Tue Nov 10, 08:00:00 2026",
          "Sun, 06 Nov 1994 08:49:37 GMT\u0000",
        })
    void malformedDatesAreNoHint(String value) {
      assertEquals(Optional.empty(), parse(value));
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "Mon, 10 Nov 2026 08:01:30 GMT",
          "Monday, 10-Nov-26 08:01:30 GMT",
          "Mon Nov 10 08:01:30 2026",
        })
    void aWeekdayThatDoesNotMatchTheDateMakesItNoHintInEveryForm(String value) {
      assertEquals(Optional.empty(), parse(value));
    }

    @Test
    void toleratesSpacesAroundADate() {
      assertEquals(Optional.of(Duration.ofSeconds(90)), parse(" \tTue, 10 Nov 2026 08:01:30 GMT  "));
    }
  }

  @Nested
  class Robustness {

    @Test
    void longInputsReturnWithoutReadingThemWhole() {
      // A pathological value for a backtracking regex; here it is rejected by its length.
      String digits = "9".repeat(1_000_000);
      String dateLike = "Tue, 10 Nov 2026 08:00:00 GMT ".repeat(30_000);
      String spaces = " ".repeat(1_000_000) + "30";
      assertEquals(Optional.empty(), parse(digits));
      assertEquals(Optional.empty(), parse(dateLike));
      assertEquals(Optional.empty(), parse(spaces));
    }

    @Test
    void extremeNowDoesNotThrow() {
      for (Instant now : new Instant[] {Instant.MIN, Instant.MAX, Instant.EPOCH}) {
        assertEquals(Optional.of(Duration.ofSeconds(5)), RetryAfter.parse("5", now));
        assertNotNull(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", now));
        assertNotNull(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now));
      }
      assertEquals(Optional.of(Duration.ZERO), RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", Instant.MAX));
    }

    @Test
    void nullNowIsRejected() {
      NullPointerException e = assertThrows(NullPointerException.class, () -> RetryAfter.parse("5", null));
      assertEquals("now", e.getMessage());
    }

    @Test
    void fuzzedStringsNeverThrowAndNeverGiveANegativeWait() {
      var random = new SplittableRandom(20261110L);
      String[] seeds = {
        "Tue, 10 Nov 2026 08:01:30 GMT", "Tuesday, 10-Nov-26 08:01:30 GMT", "Tue Nov 10 08:01:30 2026", "120",
      };
      String alphabet = "0123456789 \t,:-+.eGMTSunWedNovFbay\u0000\u00ff\uffff\ud800";
      int hints = 0;
      for (int i = 0; i < 5_000; i++) {
        String value;
        if (i % 2 == 0) {
          // Random strings, up to a little over the length limit.
          var sb = new StringBuilder();
          int length = random.nextInt(70);
          for (int j = 0; j < length; j++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
          }
          value = sb.toString();
        } else {
          // Valid values with one or two characters changed, dropped or added: near misses.
          var sb = new StringBuilder(seeds[random.nextInt(seeds.length)]);
          for (int edits = 1 + random.nextInt(2); edits > 0 && sb.length() > 0; edits--) {
            int at = random.nextInt(sb.length());
            char c = alphabet.charAt(random.nextInt(alphabet.length()));
            switch (random.nextInt(3)) {
              case 0 -> sb.setCharAt(at, c);
              case 1 -> sb.deleteCharAt(at);
              default -> sb.insert(at, c);
            }
          }
          value = sb.toString();
        }
        Optional<Duration> hint = parse(value);
        if (hint.isPresent()) {
          hints++;
          assertFalse(hint.get().isNegative(), value);
        }
      }
      // The near misses must sometimes still parse (a digit swapped in a date): otherwise this
      // test would exercise only the rejections.
      assertTrue(hints > 0, "hints " + hints);
    }
  }

  @Nested
  class Decide {

    private final RetryAfter policy = RetryAfter.of(Duration.ofMinutes(10), 0.2);

    @Test
    void spreadsTheHintByTheDraw() {
      Duration hint = Duration.ofSeconds(30);
      assertEquals(new Decision.Wait(Duration.ofSeconds(30), hint), policy.decide(hint, 0.0));
      assertEquals(new Decision.Wait(Duration.ofSeconds(33), hint), policy.decide(hint, 0.5));
      assertEquals(new Decision.Wait(Duration.ofMillis(31_500), hint), policy.decide(hint, 0.25));
      assertEquals(new Decision.Wait(Duration.ofMillis(30_600), hint), policy.decide(hint, 0.1));
    }

    @Test
    void delayStaysWithinHintAndHintTimesOnePlusSpread() {
      Duration hint = Duration.ofSeconds(30);
      Decision.Wait w = (Decision.Wait) policy.decide(hint, Math.nextDown(1.0));
      assertEquals(Duration.ofSeconds(36), w.delay());
    }

    @Test
    void zeroSpreadWaitsExactlyTheHint() {
      RetryAfter exact = RetryAfter.of(Duration.ofMinutes(10), 0.0);
      Duration hint = Duration.ofSeconds(30);
      assertEquals(new Decision.Wait(hint, hint), exact.decide(hint, 0.99));
    }

    @Test
    void zeroHintMeansRetryNow() {
      assertEquals(new Decision.Wait(Duration.ZERO, Duration.ZERO), policy.decide(Duration.ZERO, 0.9));
    }

    @Test
    void hintExactlyAtMaxIsHonouredAndJustAboveGivesUp() {
      Duration max = Duration.ofMinutes(10);
      assertEquals(new Decision.Wait(Duration.ofMinutes(11), max), policy.decide(max, 0.5));
      Duration above = max.plusNanos(1);
      assertEquals(new Decision.GiveUp(above), policy.decide(above, 0.5));
      assertEquals(
          new Decision.GiveUp(Duration.ofSeconds(601)), policy.decide("601", clock.instant(), new SplittableRandom(1)));
    }

    @Test
    void hugeHintGivesUp() {
      Duration huge = Duration.ofSeconds(Long.MAX_VALUE);
      assertEquals(new Decision.GiveUp(huge), policy.decide(huge, 0.5));
    }

    @Test
    void largestSettingsDoNotOverflow() {
      RetryAfter widest = RetryAfter.of(RetryAfter.MAX_MAX, RetryAfter.MAX_SPREAD);
      Decision.Wait half = (Decision.Wait) widest.decide(RetryAfter.MAX_MAX, 0.5);
      assertEquals(RetryAfter.MAX_MAX.multipliedBy(6), half.delay());
      Decision.Wait top = (Decision.Wait) widest.decide(RetryAfter.MAX_MAX, Math.nextDown(1.0));
      Duration eleven = RetryAfter.MAX_MAX.multipliedBy(11);
      assertTrue(top.delay().compareTo(eleven) <= 0, top.delay().toString());
      assertTrue(top.delay().compareTo(eleven.minusSeconds(1)) > 0, top.delay().toString());
    }

    @Test
    void headerValueIsParsedThenSpreadWithOneDraw() {
      var random = new SplittableRandom(42);
      double u = new SplittableRandom(42).nextDouble();
      Duration hint = Duration.ofSeconds(30);
      Duration expected = hint.plusNanos(Math.round(u * 0.2 * hint.toNanos()));
      assertEquals(new Decision.Wait(expected, hint), policy.decide("30", clock.instant(), random));
      assertEquals(
          new Decision.Wait(Duration.ofSeconds(33), hint),
          policy.decide("Tue, 10 Nov 2026 08:00:30 GMT", clock.instant(), constant(0.5)));
    }

    @Test
    void unusableHeaderIsNoHintAndDrawsNothing() {
      RandomGenerator noDraws = () -> {
        throw new AssertionError("drew for a value with no hint");
      };
      assertSame(Decision.NoHint.INSTANCE, policy.decide("abc", clock.instant(), noDraws));
      assertSame(Decision.NoHint.INSTANCE, policy.decide(null, clock.instant(), noDraws));
      assertEquals(new Decision.NoHint(), policy.decide("1.5", clock.instant(), noDraws));
    }

    @Test
    void pastDateMeansRetryNow() {
      assertEquals(
          new Decision.Wait(Duration.ZERO, Duration.ZERO),
          policy.decide("Sun, 06 Nov 1994 08:49:37 GMT", clock.instant(), constant(0.5)));
    }

    @Test
    void drawOutsideUnitIntervalIsRejected() {
      Duration hint = Duration.ofSeconds(1);
      assertEquals(
          "u (1.0) must be in [0, 1)",
          assertThrows(IllegalArgumentException.class, () -> policy.decide(hint, 1.0)).getMessage());
      assertEquals(
          "u (-0.1) must be in [0, 1)",
          assertThrows(IllegalArgumentException.class, () -> policy.decide(hint, -0.1)).getMessage());
      assertEquals(
          "u (NaN) must be in [0, 1)",
          assertThrows(IllegalArgumentException.class, () -> policy.decide(hint, Double.NaN)).getMessage());
    }

    @Test
    void negativeOrNullHintIsRejected() {
      assertEquals(
          "retry-after hint (-1s) must be >= 0",
          assertThrows(IllegalArgumentException.class, () -> policy.decide(Duration.ofSeconds(-1), 0.5))
              .getMessage());
      assertEquals(
          "hint", assertThrows(NullPointerException.class, () -> policy.decide(null, 0.5)).getMessage());
    }

    @Test
    void waitRejectsADelayShorterThanTheHint() {
      assertEquals(
          "retry-after delay (29s) must be >= hint (30s)",
          assertThrows(
                  IllegalArgumentException.class,
                  () -> new Decision.Wait(Duration.ofSeconds(29), Duration.ofSeconds(30)))
              .getMessage());
    }

    private RandomGenerator constant(double u) {
      return new RandomGenerator() {
        @Override
        public long nextLong() {
          throw new UnsupportedOperationException();
        }

        @Override
        public double nextDouble() {
          return u;
        }
      };
    }
  }

  @Nested
  class Settings {

    @Test
    void defaultsMatchTheConfigurationContract() {
      assertEquals(Duration.ofMinutes(10), RetryAfter.ofDefaults().max());
      assertEquals(0.2, RetryAfter.ofDefaults().spread());
      assertEquals(RetryAfter.of(Duration.ofMinutes(10), 0.2), RetryAfter.ofDefaults());
      assertEquals("RetryAfter[max=10m, spread=0.2]", RetryAfter.ofDefaults().toString());
    }

    @Test
    void rejectsMaxOutsideItsRange() {
      assertEquals("retry-after max (0) must be > 0", invalid(Duration.ZERO, 0.2));
      assertEquals("retry-after max (-1s) must be > 0", invalid(Duration.ofSeconds(-1), 0.2));
      assertEquals("retry-after max (8761h) must be <= 365d", invalid(Duration.ofHours(8761), 0.2));
      assertEquals("max", assertThrows(NullPointerException.class, () -> RetryAfter.of(null, 0.2)).getMessage());
    }

    @Test
    void rejectsSpreadOutsideItsRange() {
      Duration max = Duration.ofMinutes(10);
      assertEquals("retry-after spread (-0.1) must be in [0, 10]", invalid(max, -0.1));
      assertEquals("retry-after spread (10.5) must be in [0, 10]", invalid(max, 10.5));
      assertEquals("retry-after spread (NaN) must be in [0, 10]", invalid(max, Double.NaN));
      assertEquals("retry-after spread (Infinity) must be in [0, 10]", invalid(max, Double.POSITIVE_INFINITY));
    }

    @Test
    void acceptsTheEdgesOfEachRange() {
      assertEquals(10.0, RetryAfter.of(Duration.ofNanos(1), 10.0).spread());
      assertEquals(RetryAfter.MAX_MAX, RetryAfter.of(RetryAfter.MAX_MAX, 0.0).max());
    }

    private String invalid(Duration max, double spread) {
      return assertThrows(IllegalArgumentException.class, () -> RetryAfter.of(max, spread)).getMessage();
    }
  }
}

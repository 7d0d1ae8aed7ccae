package dev.herdguard.internal;

import java.time.LocalDate;
import java.time.Month;
import java.time.Year;
import java.util.OptionalLong;

/**
 * Reads an HTTP-date (RFC 9110, section 5.6.7) in any of its three forms:
 * <ul>
 *   <li>IMF-fixdate, the one servers must send: {@code Sun, 06 Nov 1994 08:49:37 GMT}
 *   <li>the obsolete RFC 850 form: {@code Sunday, 06-Nov-94 08:49:37 GMT}
 *   <li>the obsolete asctime form: {@code Sun Nov  6 08:49:37 1994} (day as {@code " 6"} or {@code "06"})
 * </ul>
 *
 * <p>The grammar is followed exactly, case included (RFC 9110 calls HTTP-date case-sensitive), with
 * two deliberate choices: a weekday that does not match the date makes the whole value invalid
 * (which half is wrong cannot be known, so neither is trusted), and second {@code 60} is accepted
 * for a leap second and counted as the next minute's second 0. Parsing walks fixed positions: no
 * regex, no backtracking, cost linear in the (already bounded) length.
 *
 * <p>Not part of the public API. Thread-safe: it holds no state.
 */
public final class HttpDates {

  private static final String[] DAY_NAMES = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  private static final String[] LONG_DAY_NAMES = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"
  };
  private static final String[] MONTH_NAMES = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
  };

  private HttpDates() {}

  /**
   * The date in {@code s[from, to)} as seconds since the epoch, or empty if it is not an HTTP-date.
   *
   * @param nowYear the current year (UTC), used only to place the RFC 850 form's two-digit year:
   *     it becomes the year with those last two digits in {@code (nowYear - 50, nowYear + 50]}, so
   *     that a date more than 50 years ahead is read as the past century's, as RFC 9110 requires
   */
  public static OptionalLong parseEpochSecond(String s, int from, int to, int nowYear) {
    int length = to - from;
    // asctime, the shortest form, has 24 characters; checking this first keeps every index below in range.
    if (length < 24) {
      return OptionalLong.empty();
    }
    if (s.charAt(from + 3) == ',') {
      return imfFixdate(s, from, length);
    }
    if (s.charAt(from + 3) == ' ') {
      return asctime(s, from, length);
    }
    return rfc850(s, from, to, nowYear);
  }

  // "Sun, 06 Nov 1994 08:49:37 GMT"
  private static OptionalLong imfFixdate(String s, int at, int length) {
    if (length != 29
        || s.charAt(at + 4) != ' '
        || s.charAt(at + 7) != ' '
        || s.charAt(at + 11) != ' '
        || s.charAt(at + 16) != ' '
        || s.charAt(at + 25) != ' '
        || !s.startsWith("GMT", at + 26)) {
      return OptionalLong.empty();
    }
    return toEpochSecond(
        dayName(s, at), digits(s, at + 12, 4), month(s, at + 8), digits(s, at + 5, 2), s, at + 17);
  }

  // "Sun Nov  6 08:49:37 1994" or "Sun Nov 06 08:49:37 1994"
  private static OptionalLong asctime(String s, int at, int length) {
    if (length != 24
        || s.charAt(at + 7) != ' '
        || s.charAt(at + 10) != ' '
        || s.charAt(at + 19) != ' ') {
      return OptionalLong.empty();
    }
    int day = s.charAt(at + 8) == ' ' ? digits(s, at + 9, 1) : digits(s, at + 8, 2);
    return toEpochSecond(dayName(s, at), digits(s, at + 20, 4), month(s, at + 4), day, s, at + 11);
  }

  // "Sunday, 06-Nov-94 08:49:37 GMT"
  private static OptionalLong rfc850(String s, int from, int to, int nowYear) {
    int weekday = -1;
    int comma = -1;
    for (int i = 0; i < LONG_DAY_NAMES.length; i++) {
      String name = LONG_DAY_NAMES[i];
      if (s.startsWith(name, from) && from + name.length() < to && s.charAt(from + name.length()) == ',') {
        weekday = i;
        comma = from + name.length();
        break;
      }
    }
    if (weekday < 0 || to - comma != 24) {
      return OptionalLong.empty();
    }
    int at = comma + 1;
    if (s.charAt(at) != ' '
        || s.charAt(at + 3) != '-'
        || s.charAt(at + 7) != '-'
        || s.charAt(at + 10) != ' '
        || s.charAt(at + 19) != ' '
        || !s.startsWith("GMT", at + 20)) {
      return OptionalLong.empty();
    }
    int twoDigits = digits(s, at + 8, 2);
    if (twoDigits < 0) {
      return OptionalLong.empty();
    }
    int year = nowYear - Math.floorMod(nowYear, 100) + twoDigits;
    if (year > nowYear + 50) {
      year -= 100;
    } else if (year <= nowYear - 50) {
      year += 100;
    }
    return toEpochSecond(weekday, year, month(s, at + 4), digits(s, at + 1, 2), s, at + 11);
  }

  /** Checks every field (negative means unreadable), then the weekday against the date. */
  private static OptionalLong toEpochSecond(int weekday, int year, int month, int day, String s, int timeAt) {
    if (weekday < 0 || year < 0 || year > 9999 || month < 1 || day < 1) {
      return OptionalLong.empty();
    }
    if (day > Month.of(month).length(Year.isLeap(year))) {
      return OptionalLong.empty();
    }
    // time-of-day = hour ":" minute ":" second
    if (s.charAt(timeAt + 2) != ':' || s.charAt(timeAt + 5) != ':') {
      return OptionalLong.empty();
    }
    int hour = digits(s, timeAt, 2);
    int minute = digits(s, timeAt + 3, 2);
    int second = digits(s, timeAt + 6, 2);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) {
      return OptionalLong.empty();
    }
    LocalDate date = LocalDate.of(year, month, day);
    if (date.getDayOfWeek().ordinal() != weekday) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(date.toEpochDay() * 86_400L + hour * 3_600L + minute * 60L + second);
  }

  /** Index of the three-letter day name at {@code at} (0 = Mon), or -1. */
  private static int dayName(String s, int at) {
    for (int i = 0; i < DAY_NAMES.length; i++) {
      if (s.startsWith(DAY_NAMES[i], at)) {
        return i;
      }
    }
    return -1;
  }

  /** Month number (1 = Jan) of the three-letter name at {@code at}, or -1. */
  private static int month(String s, int at) {
    for (int i = 0; i < MONTH_NAMES.length; i++) {
      if (s.startsWith(MONTH_NAMES[i], at)) {
        return i + 1;
      }
    }
    return -1;
  }

  /** The {@code n} ASCII digits at {@code at} as a number, or -1 if any is not one. */
  private static int digits(String s, int at, int n) {
    int value = 0;
    for (int i = at; i < at + n; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }
}

package dev.herdguard.examples.loopback;

import dev.herdguard.Token;
import java.io.IOException;
import java.time.Instant;

/**
 * The login answer, {@code {"access_token":"…","expires_in":3600}}, written and read by hand: the
 * demo needs two fields, and herdguard keeps JSON libraries out of its dependencies.
 *
 * <p>Thread-safe: it holds no state.
 */
final class LoginJson {

  private static final String TOKEN_FIELD = "\"access_token\":\"";
  private static final String EXPIRES_FIELD = "\"expires_in\":";

  private LoginJson() {}

  /** The answer for a token {@code value} that lives {@code expiresIn} seconds. */
  static String body(String value, long expiresIn) {
    return "{" + TOKEN_FIELD + value + "\"," + EXPIRES_FIELD + expiresIn + "}";
  }

  /**
   * The token in a login answer, expiring {@code expires_in} seconds after {@code now}.
   *
   * @throws IOException if the answer lacks either field, as a damaged answer on the wire would
   */
  static Token parse(String body, Instant now) throws IOException {
    int t = body.indexOf(TOKEN_FIELD);
    int e = body.indexOf(EXPIRES_FIELD);
    if (t < 0 || e < 0) {
      throw new IOException("login answer without access_token or expires_in (" + body.length() + " chars)");
    }
    int start = t + TOKEN_FIELD.length();
    int end = body.indexOf('"', start);
    int digits = e + EXPIRES_FIELD.length();
    int stop = digits;
    while (stop < body.length() && Character.isDigit(body.charAt(stop))) {
      stop++;
    }
    if (end <= start || stop == digits || stop - digits > 9) {
      throw new IOException("login answer with an unreadable access_token or expires_in");
    }
    long seconds = Long.parseLong(body, digits, stop, 10);
    return Token.of(body.substring(start, end), now.plusSeconds(seconds));
  }
}

package dev.herdguard.examples.loopback;

import com.squareup.moshi.Json;
import com.squareup.moshi.JsonAdapter;
import com.squareup.moshi.JsonDataException;
import com.squareup.moshi.Moshi;
import dev.herdguard.Token;
import java.io.IOException;
import java.time.Instant;

/**
 * The login answer, {@code {"access_token":"…","expires_in":3600}}, written and read with Moshi
 * (OkHttp's JSON sibling): an application that copies this demo should parse its login answer
 * with a JSON library, never by hand. herdguard itself depends on none: the login function is
 * the application's.
 *
 * <p>Thread-safe: a Moshi adapter is.
 */
final class LoginJson {

  /** Longest lifetime a login answer may claim: ten years, past which it is a damaged answer. */
  private static final long MAX_EXPIRES_IN = 10L * 366 * 24 * 3600;

  /** The answer's two fields, in the names of the OAuth 2.0 token response. */
  static final class Answer {
    @Json(name = "access_token")
    String accessToken;

    @Json(name = "expires_in")
    Long expiresIn;

    Answer() {}

    Answer(String accessToken, long expiresIn) {
      this.accessToken = accessToken;
      this.expiresIn = expiresIn;
    }
  }

  private static final JsonAdapter<Answer> ADAPTER = new Moshi.Builder().build().adapter(Answer.class);

  private LoginJson() {}

  /** The answer for a token {@code value} that lives {@code expiresIn} seconds. */
  static String body(String value, long expiresIn) {
    return ADAPTER.toJson(new Answer(value, expiresIn));
  }

  /**
   * The token in a login answer, expiring {@code expires_in} seconds after {@code now}.
   *
   * @throws IOException if the answer is not JSON, lacks either field or holds an unreadable one,
   *     as a damaged answer on the wire would
   */
  static Token parse(String body, Instant now) throws IOException {
    Answer a;
    try {
      a = ADAPTER.fromJson(body);
    } catch (JsonDataException e) {
      throw new IOException("login answer with an unreadable field: " + e.getMessage(), e);
    }
    if (a == null || a.accessToken == null || a.expiresIn == null) {
      throw new IOException("login answer without access_token or expires_in (" + body.length() + " chars)");
    }
    if (a.accessToken.isEmpty() || a.expiresIn < 0 || a.expiresIn > MAX_EXPIRES_IN) {
      throw new IOException("login answer with an empty access_token or an expires_in outside [0, "
          + MAX_EXPIRES_IN + "] s");
    }
    return Token.of(a.accessToken, now.plusSeconds(a.expiresIn));
  }
}

package dev.herdguard.okhttp;

import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import java.io.IOException;
import java.io.InterruptedIOException;
import okhttp3.Request;

/**
 * What {@link TokenInterceptor} and {@link TokenAuthenticator} share: the header, the tags they put
 * on requests, and a {@link TokenCache#get()} whose failures an OkHttp call can report.
 */
final class Tokens {

  static final String AUTHORIZATION = "Authorization";
  private static final String BEARER = "Bearer ";

  private Tokens() {}

  /**
   * Tags a request whose {@code Authorization} header came from a {@link TokenCache}, so that the
   * authenticator answers a 401 on it and leaves other credentials alone. OkHttp copies tags to the
   * request the authenticator sees.
   */
  enum Issued { INSTANCE }

  /** Tags a request the authenticator sent again with a fresh token: a 401 on it ends the call. */
  enum Refreshed { INSTANCE }

  static String header(Token token) {
    return BEARER + token.value();
  }

  /**
   * {@code builder} with {@code token} as its {@code Authorization}, or an {@code IOException} if
   * OkHttp refuses the value (a line break, another control character, a character outside
   * US-ASCII). herdguard's own cache never hands such a token out: there it is a failed login,
   * with the failure backoff, and nothing is cached (see {@link TokenCache}). Another {@code
   * TokenCache} might; then the token is invalidated, so that the next call gets a fresh one, and
   * the call fails as an OkHttp call may, with an {@code IOException} instead of OkHttp's
   * {@code IllegalArgumentException}. The message names no character of the value, and OkHttp's
   * (which names one) is not kept.
   */
  static Request.Builder authorize(Request.Builder builder, TokenCache cache, Token token, Request request)
      throws IOException {
    try {
      return builder.header(AUTHORIZATION, header(token));
    } catch (IllegalArgumentException refused) {
      cache.invalidate(token);
      throw new IOException("the login token for " + HerdGuardInterceptor.describe(request)
          + " cannot be sent: OkHttp refused it as a header value (a line break, a control character or"
          + " a character outside US-ASCII); it was dropped from the token cache");
    }
  }

  /** The token value of a {@code Bearer} header, or null when {@code header} is anything else. */
  static String bearerValue(String header) {
    if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    return header.substring(BEARER.length()).trim();
  }

  /**
   * The cache's token for {@code request}. A failed login, a wait that ran out or a closed cache
   * become an {@code IOException} naming the request, the cache's exception its cause: the only
   * kind an OkHttp call may fail with. The message holds no token: the cache's messages never do.
   */
  static Token get(TokenCache cache, Request request) throws IOException {
    try {
      return cache.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException io = new InterruptedIOException(
          "interrupted while waiting for a login token for " + HerdGuardInterceptor.describe(request));
      io.initCause(e);
      throw io;
    } catch (RuntimeException e) {
      throw new IOException("no login token for " + HerdGuardInterceptor.describe(request) + ": "
          + e.getMessage(), e);
    }
  }
}

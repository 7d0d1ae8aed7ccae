package dev.herdguard.okhttp;

import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import java.io.IOException;
import java.util.Objects;
import okhttp3.Authenticator;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.Route;

/**
 * An OkHttp {@link Authenticator} that answers a 401 with a fresh token from a {@link TokenCache}:
 * it invalidates exactly the token the server refused, gets the cache's next one, and sends the
 * request once more with it. If the fresh token is refused too, it gives up and the caller gets
 * that 401: a server that refuses every token sees two requests per call, not an endless loop.
 * Install it with {@link okhttp3.OkHttpClient.Builder#authenticator} beside a {@link
 * TokenInterceptor} on the same cache, or let {@link HerdGuardOkHttp#withTokens} do both.
 *
 * <p><b>Exactly the refused token.</b> The token is read from the refused request's header and
 * passed to {@link TokenCache#invalidate}, which drops it only if it is still the current one. When
 * sixteen calls carrying the same stale token all get a 401, the first drops it, and all sixteen
 * wait for the same one login and retry with its token; a 401 that arrives after the refresh
 * leaves the fresh token alone.
 *
 * <p><b>Whose 401.</b> It answers a 401 on a request that carried a token of the {@link
 * TokenInterceptor}, or no {@code Authorization} header at all (then it adds one: the authenticator
 * works alone too, sending the token only when challenged). A 401 on credentials the caller set
 * itself is left to the caller. Proxy challenges (407) are not its business.
 *
 * <p><b>Threads.</b> OkHttp calls an authenticator on the thread that runs the call: a
 * dispatcher thread for {@code enqueue}. There it waits for the cache's login, so the login must
 * be made as {@link TokenInterceptor} explains: with {@code execute()}, on a client without the
 * token interceptor. The refusal, the wait and the second request all happen inside one attempt of
 * {@link HerdGuardInterceptor}.
 *
 * <p>Immutable and thread-safe.
 */
public final class TokenAuthenticator implements Authenticator {

  private static final int UNAUTHORIZED = 401;

  private final TokenCache cache;

  private TokenAuthenticator(TokenCache cache) {
    this.cache = Objects.requireNonNull(cache, "cache");
  }

  /**
   * An authenticator that refreshes the tokens of {@code cache}.
   *
   * @param cache the token cache, shared with the client's {@link TokenInterceptor}
   * @return the authenticator
   * @throws NullPointerException if {@code cache} is null
   */
  public static TokenAuthenticator of(TokenCache cache) {
    return new TokenAuthenticator(cache);
  }

  /**
   * The refused request with a fresh token, or null to give up and return the 401 to the caller.
   *
   * @throws IOException if no fresh token can be had (its cause is the cache's exception), or the
   *     thread is interrupted while it waits for one
   */
  @Override
  public Request authenticate(Route route, Response response) throws IOException {
    Request refused = response.request();
    if (response.code() != UNAUTHORIZED || refused.tag(Tokens.Refreshed.class) != null) {
      return null;
    }
    String header = refused.header(Tokens.AUTHORIZATION);
    String refusedValue = null;
    if (header != null) {
      if (refused.tag(Tokens.Issued.class) == null) {
        return null; // the caller's own credentials
      }
      refusedValue = Tokens.bearerValue(header);
      if (refusedValue == null || refusedValue.isEmpty()) {
        return null;
      }
      cache.invalidate(Token.withoutExpiry(refusedValue)); // by value: a no-op if already replaced
    }
    Token fresh = Tokens.get(cache, refused);
    if (fresh.value().equals(refusedValue)) {
      return null; // the login gave the same token again: sending it once more cannot help
    }
    Request.Builder retry = Tokens.authorize(refused.newBuilder(), cache, fresh, refused)
        .tag(Tokens.Issued.class, Tokens.Issued.INSTANCE);
    if (refusedValue != null) {
      // Only a token that replaces a refused one is the last try; a first one may still be stale.
      retry.tag(Tokens.Refreshed.class, Tokens.Refreshed.INSTANCE);
    }
    return retry.build();
  }

  @Override
  public String toString() {
    return "TokenAuthenticator[" + cache + "]";
  }
}

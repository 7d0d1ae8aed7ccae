package dev.herdguard.okhttp;

import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import java.io.IOException;
import java.util.Objects;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * An OkHttp application interceptor that sends the login token of a {@link TokenCache} as
 * {@code Authorization: Bearer <token>}. A hit costs one volatile read; while no valid token is
 * held, the call waits for the cache's one login (single flight), however many calls need it.
 * Pair it with a {@link TokenAuthenticator} on the same cache, which answers a 401, or let {@link
 * HerdGuardOkHttp#withTokens} install both.
 *
 * <p>A request that already carries an {@code Authorization} header is sent as it is: the caller's
 * own credentials win, and the authenticator leaves a 401 on them alone.
 *
 * <p>When no token can be had (the login failed and its next attempt is not due, the wait for a
 * login ran out, the cache is closed), the call fails with an {@link IOException} whose cause is
 * the cache's {@link dev.herdguard.LoginFailedException}, {@link
 * dev.herdguard.TokenWaitTimeoutException} or {@link IllegalStateException}; no request is sent. A
 * login that returns a token no HTTP header can carry (a line break in it, say) is a failed login
 * of herdguard's cache, so it ends the same way and is not cached; should another {@link
 * TokenCache} hand out such a token, the call fails with an {@link IOException} and the token is
 * invalidated, never with OkHttp's {@code IllegalArgumentException}.
 * Installed before {@link HerdGuardInterceptor}, as {@link HerdGuardOkHttp} does, such a failure
 * is not retried and does not count against the API host's breaker: it is the login's failure.
 *
 * <p><b>The login call.</b> The cache runs the login on its own executor while calls wait for it,
 * on their own threads or, for {@code enqueue}, on the dispatcher's. So the login must not need
 * that dispatcher: make it with a client that has no token interceptor (a client that has one
 * would wait for the very login it is part of) and with a synchronous {@code execute()}, which
 * runs on the cache's thread and is not held back by the dispatcher's limits. An {@code
 * enqueue()}d login that the cache waits for queues behind the calls that wait for it once the
 * dispatcher is full (5 calls per host by default): a deadlock, broken only by the cache's wait
 * running out. {@link HerdGuardOkHttp} shows the recipe.
 *
 * <p>Immutable and thread-safe.
 */
public final class TokenInterceptor implements Interceptor {

  private final TokenCache cache;

  private TokenInterceptor(TokenCache cache) {
    this.cache = Objects.requireNonNull(cache, "cache");
  }

  /**
   * An interceptor that sends the tokens of {@code cache}.
   *
   * @param cache the token cache, shared with the client's {@link TokenAuthenticator}
   * @return the interceptor
   * @throws NullPointerException if {@code cache} is null
   */
  public static TokenInterceptor of(TokenCache cache) {
    return new TokenInterceptor(cache);
  }

  /**
   * Adds the token and proceeds.
   *
   * @throws IOException if no token can be had (see the class comment), or the call fails
   */
  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    if (request.header(Tokens.AUTHORIZATION) != null) {
      return chain.proceed(request);
    }
    Token token = Tokens.get(cache, request);
    return chain.proceed(Tokens.authorize(request.newBuilder(), cache, token, request)
        .tag(Tokens.Issued.class, Tokens.Issued.INSTANCE)
        .build());
  }

  @Override
  public String toString() {
    return "TokenInterceptor[" + cache + "]";
  }
}

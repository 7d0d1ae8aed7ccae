package dev.herdguard.okhttp;

import dev.herdguard.HerdGuard;
import dev.herdguard.TokenCache;
import java.util.Objects;
import okhttp3.OkHttpClient;

/**
 * herdguard on an {@link OkHttpClient.Builder} in one line: installs, as the guard's config asks,
 * a {@link StartupGate}, a {@link TokenInterceptor} with its {@link TokenAuthenticator} when given a
 * {@link TokenCache}, and a {@link HerdGuardInterceptor}, in that order (the gate outermost, so a
 * held call holds nothing; the token outside the retries, so a failed login is not retried as a
 * failure of the API host).
 *
 * <pre>{@code
 * HerdGuard guard = HerdGuard.create(HerdGuardConfig.load());
 * OkHttpClient client = HerdGuardOkHttp.install(
 *     new OkHttpClient.Builder().retryOnConnectionFailure(false), guard).build();
 * }</pre>
 *
 * <p><b>Which OkHttp.</b> The application's own: herdguard-okhttp declares OkHttp as an optional
 * dependency and uses only the API that 4.12 and 5.x share, so it never puts a second OkHttp beside
 * the application's. Without any, {@link #with} and {@link #install(OkHttpClient.Builder, HerdGuard)}
 * fail with an {@link IllegalStateException} that says what to add.
 *
 * <p><b>OkHttp's own resends.</b> {@link #install} turns OkHttp's {@code retryOnConnectionFailure}
 * off and adds {@link HerdGuardInterceptor#networkInterceptor()}, so that through the adapter a
 * request goes out again only when herdguard decided it, on OkHttp 4.12 and 5.x alike. Left on
 * (OkHttp's default), {@code retryOnConnectionFailure} resends at once, below herdguard and without
 * asking it, a request whose connection failed, even one that had reached the server, and a POST
 * with a body that can be written again among them; and OkHttp's follow-up resends a 503 carrying
 * {@code Retry-After: 0}, or a 408, by itself: herdguard's "never a POST" would not hold, and one
 * herdguard attempt could be several requests that neither the backoff nor the budget see. With
 * both off, every resend is herdguard's: after a backoff, within the budget, and only for requests
 * safe to repeat. What is lost is the immediate, silent retry of a pooled connection that the
 * server had closed: a safe request is retried after one backoff instead, and a POST fails with the
 * {@code IOException}, which is the honest answer, since it may have been processed. Turning
 * {@code retryOnConnectionFailure} back on after {@code install} brings OkHttp's resends back.
 *
 * <p><b>Tokens and the login call.</b> The login must not go through the token interceptor, and
 * must be made with {@code execute()}, never {@code enqueue()}: see {@link TokenInterceptor}. A
 * login client made from the same base shares its connection pool and dispatcher, which is fine
 * for {@code execute()}:
 *
 * <pre>{@code
 * OkHttpClient base = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
 * OkHttpClient loginClient = HerdGuardOkHttp.install(base.newBuilder(), guard).build();
 * TokenCache tokens = guard.tokenCache(previous -> {
 *   try (Response r = loginClient.newCall(loginRequest(previous)).execute()) {  // on the cache's thread
 *     if (!r.isSuccessful()) throw new IOException("login: HTTP " + r.code());
 *     return parseToken(r.body().string());
 *   }
 * });
 * OkHttpClient client = HerdGuardOkHttp.with(guard).withTokens(tokens).install(base.newBuilder()).build();
 * }</pre>
 *
 * <p>Not thread-safe: configure on one thread, then {@link #install} as often as needed; each
 * install adds new interceptors, which share the guard's breakers and budgets. When a setting is
 * set twice the last call wins.
 */
public final class HerdGuardOkHttp {

  private final HerdGuard guard;
  private TokenCache tokens;
  private boolean startupGate = true;
  private final HerdGuardInterceptor.Builder interceptor;

  private HerdGuardOkHttp(HerdGuard guard) {
    Objects.requireNonNull(guard, "guard");
    OkHttpPresence.require(); // before the first OkHttp type: a message instead of NoClassDefFoundError
    this.guard = guard;
    this.interceptor = HerdGuardInterceptor.builder(guard);
  }

  /**
   * Installs herdguard with the defaults: the startup gate when the guard has a startup delay, and
   * the retry interceptor with operation {@code http} and statuses 408, 429, 502, 503, 504.
   *
   * @param builder the client builder
   * @param guard the guard
   * @return {@code builder}
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if no OkHttp is on the classpath (the adapter uses the application's)
   */
  public static OkHttpClient.Builder install(OkHttpClient.Builder builder, HerdGuard guard) {
    return with(guard).install(builder);
  }

  /**
   * Starts configuring what to install.
   *
   * @param guard gives the breakers, budgets, retry settings and startup delay
   * @return a configuration with the defaults of {@link #install(OkHttpClient.Builder, HerdGuard)}
   * @throws NullPointerException if {@code guard} is null
   * @throws IllegalStateException if no OkHttp is on the classpath (the adapter uses the application's)
   */
  public static HerdGuardOkHttp with(HerdGuard guard) {
    return new HerdGuardOkHttp(guard);
  }

  /**
   * Sends the tokens of {@code cache} and refreshes them on a 401: installs a {@link
   * TokenInterceptor} and sets a {@link TokenAuthenticator} as the client's {@linkplain
   * OkHttpClient.Builder#authenticator authenticator}, replacing any other.
   *
   * @param cache the token cache
   * @return this
   * @throws NullPointerException if {@code cache} is null
   */
  public HerdGuardOkHttp withTokens(TokenCache cache) {
    this.tokens = Objects.requireNonNull(cache, "cache");
    return this;
  }

  /**
   * Whether calls wait for the guard's startup delay ({@code herdguard.startup.max-delay}, default
   * 60 s) before the first one goes out: see {@link StartupGate}. Default true, so the client
   * follows the config; nothing is installed when the config turns the delay off ({@code 0}). Turn
   * it off for a client whose calls a user waits for.
   *
   * @param enabled whether to install the gate
   * @return this
   */
  public HerdGuardOkHttp withStartupGate(boolean enabled) {
    this.startupGate = enabled;
    return this;
  }

  /**
   * The response statuses that are retried: see {@link HerdGuardInterceptor.Builder#withRetryStatusCodes}.
   *
   * @param codes statuses in [400, 599]
   * @return this
   * @throws IllegalArgumentException naming every code outside [400, 599]
   */
  public HerdGuardOkHttp withRetryStatusCodes(int... codes) {
    interceptor.withRetryStatusCodes(codes);
    return this;
  }

  /**
   * The guarded operation's name: see {@link HerdGuardInterceptor.Builder#withOperationName}.
   *
   * @param name the operation's name, {@code http} by default
   * @return this
   * @throws IllegalArgumentException if {@code name} is not a valid operation name
   */
  public HerdGuardOkHttp withOperationName(String name) {
    interceptor.withOperationName(name);
    return this;
  }

  /**
   * Adds the interceptors (and the authenticator) to {@code builder}, after any it already has,
   * and turns {@code retryOnConnectionFailure} off (see the class comment).
   *
   * @param builder the client builder
   * @return {@code builder}
   * @throws NullPointerException if {@code builder} is null
   */
  public OkHttpClient.Builder install(OkHttpClient.Builder builder) {
    Objects.requireNonNull(builder, "builder");
    return Installation.install(builder, guard, tokens, startupGate, interceptor);
  }

  /**
   * Where the interceptors meet the builder. Apart from this class, so that {@code HerdGuardOkHttp}
   * itself links without OkHttp: handing a {@code StartupGate} to {@code addInterceptor} makes the
   * JVM's verifier load {@code okhttp3.Interceptor}, and without OkHttp that failed before {@link
   * OkHttpPresence} could say what is missing.
   */
  private static final class Installation {
    static OkHttpClient.Builder install(OkHttpClient.Builder builder, HerdGuard guard, TokenCache tokens,
        boolean startupGate, HerdGuardInterceptor.Builder interceptor) {
      if (startupGate && !guard.startupDelay().isZero()) {
        builder.addInterceptor(StartupGate.of(guard));
      }
      if (tokens != null) {
        builder.addInterceptor(TokenInterceptor.of(tokens));
        builder.authenticator(TokenAuthenticator.of(tokens));
      }
      builder.addInterceptor(interceptor.build());
      // Every resend is herdguard's: none by OkHttp below it (see the class comment).
      builder.retryOnConnectionFailure(false);
      builder.addNetworkInterceptor(HerdGuardInterceptor.networkInterceptor());
      return builder;
    }
  }

  @Override
  public String toString() {
    return "HerdGuardOkHttp[startupGate=" + startupGate + ", tokens=" + (tokens != null) + "]";
  }
}

package dev.herdguard.examples;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import dev.herdguard.okhttp.HerdGuardOkHttp;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Recipe: OkHttp with a login token. The login runs on a client without the token interceptor,
 * synchronously ({@code execute()}, never {@code enqueue}), on the token cache's thread; the API
 * client sends the cached token and, on a 401, drops exactly that token and logs in once.
 *
 * <p>Run: {@code java -cp examples/target/herdguard-examples.jar dev.herdguard.examples.OkHttpWithTokens <base-url>}
 * against a server with {@code POST /login} (answering the token, one per line) and {@code GET /data}.
 */
public final class OkHttpWithTokens {

  private final HttpUrl base;

  OkHttpWithTokens(HttpUrl base) {
    this.base = base;
  }

  public static void main(String[] args) throws IOException {
    try (HerdGuard guard = HerdGuard.create(HerdGuardConfig.load())) {
      OkHttpWithTokens app = new OkHttpWithTokens(HttpUrl.get(args[0]));
      OkHttpClient client = app.client(guard);
      System.out.println(app.fetch(client, "/data"));
    }
  }

  /** The API client, with its login client and token cache. */
  OkHttpClient client(HerdGuard guard) {
    OkHttpClient base = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
    OkHttpClient loginClient = HerdGuardOkHttp.install(base.newBuilder(), guard).build(); // no tokens
    TokenCache tokens = guard.tokenCache(previous -> {
      try (Response r = loginClient.newCall(loginRequest(previous)).execute()) {       // not enqueue
        if (!r.isSuccessful()) throw new IOException("login: HTTP " + r.code());
        return parseToken(r.body().string());
      }
    });
    OkHttpClient client = HerdGuardOkHttp.with(guard).withTokens(tokens)
        .install(base.newBuilder()).build();
    return client;
  }

  String fetch(OkHttpClient client, String path) throws IOException {
    try (Response response = client.newCall(new Request.Builder().url(base.resolve(path)).build()).execute()) {
      return response.code() + " " + response.body().string();
    }
  }

  private Request loginRequest(Optional<Token> previous) {
    return new Request.Builder().url(base.resolve("/login"))
        .post(okhttp3.RequestBody.create(new byte[0], null))
        .build();
  }

  /** The login answer here is the token alone; a real one is JSON (see the loopback demo). */
  private static Token parseToken(String body) {
    return Token.of(body.strip(), Instant.now().plusSeconds(3600));
  }
}

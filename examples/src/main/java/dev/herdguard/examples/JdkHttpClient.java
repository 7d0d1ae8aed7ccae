package dev.herdguard.examples;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import dev.herdguard.httpclient.HerdGuardHttpClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Recipe: the JDK's own {@link HttpClient}, guarded. {@link HerdGuardHttpClient} wraps a client and
 * is one, so code that takes an {@code HttpClient} keeps working: a breaker per host, retries with
 * backoff within the host's retry budget, {@code Retry-After} honoured (capped and spread), only for
 * requests that are safe to repeat, the request's timeout as the deadline of the whole call, and,
 * with tokens, a bearer header refreshed once on a 401. No dependency beyond herdguard-core.
 *
 * <p>Run: {@code java -cp examples/target/herdguard-examples.jar dev.herdguard.examples.JdkHttpClient <url>}
 */
public final class JdkHttpClient {

  private JdkHttpClient() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    try (HerdGuard guard = HerdGuard.create(HerdGuardConfig.load())) {
      System.out.println(fetch(client(guard), URI.create(args[0])));
    }
  }

  /** One client per application: share it. */
  static HttpClient client(HerdGuard guard) {
    return HerdGuardHttpClient.create(HttpClient.newHttpClient(), guard);
  }

  static String fetch(HttpClient client, URI uri) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build();
    HttpResponse<String> response = client.send(request, BodyHandlers.ofString());
    return response.statusCode() + " " + response.body();
  }

  /** The same call without blocking a thread: backoffs run on the guard's scheduler. */
  static CompletableFuture<String> fetchAsync(HttpClient client, URI uri) {
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build();
    return client.sendAsync(request, BodyHandlers.ofString())
        .thenApply(response -> response.statusCode() + " " + response.body());
  }

  /**
   * With a login token: the login goes through the plain client (a guarded one with tokens would
   * wait for its own login), and the guarded client sends {@code Authorization: Bearer ...}.
   */
  static HttpClient clientWithTokens(HerdGuard guard, URI login) {
    HttpClient base = HttpClient.newHttpClient();
    TokenCache tokens = guard.tokenCache(previous -> {
      HttpRequest request = HttpRequest.newBuilder(login).POST(HttpRequest.BodyPublishers.noBody()).build();
      HttpResponse<String> r = base.send(request, BodyHandlers.ofString());
      if (r.statusCode() != 200) throw new IOException("login: HTTP " + r.statusCode());
      return Token.of(r.body(), Instant.now().plus(Duration.ofHours(1)));
    });
    return HerdGuardHttpClient.builder(base, guard).withTokens(tokens).build();
  }
}

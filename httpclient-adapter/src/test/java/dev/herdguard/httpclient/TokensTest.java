package dev.herdguard.httpclient;

import static dev.herdguard.httpclient.TestSupport.fastConfig;
import static dev.herdguard.httpclient.TestSupport.get;
import static dev.herdguard.httpclient.TestSupport.plainClient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.HerdGuard;
import dev.herdguard.LoginFailedException;
import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The token header and the refresh on 401, against a server with a login endpoint ({@code /login}
 * answers {@code t1}, {@code t2}, ... in turn) and an API that accepts only the tokens a test says.
 */
class TokensTest {

  private static final int CALLERS = 16;

  private final MockWebServer server = new MockWebServer();
  private final AtomicInteger logins = new AtomicInteger();
  private final ConcurrentLinkedQueue<String> apiAuthorizations = new ConcurrentLinkedQueue<>();
  /** The Authorization headers the API accepts. */
  private volatile List<String> accepted = List.of("Bearer t2");
  /** Whether the login endpoint refuses. */
  private volatile boolean loginDown;
  /** How long the login endpoint holds its answer. */
  private volatile long loginDelayMillis;

  private HerdGuard guard;
  private TokenCache tokens;
  private HerdGuardHttpClient client;

  @BeforeEach
  void start() throws IOException {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        if ("/login".equals(request.getPath())) {
          return loginDown
              ? new MockResponse().setResponseCode(403).setBody("no")
              : new MockResponse().setBody("t" + logins.incrementAndGet())
                  .setHeadersDelay(loginDelayMillis, TimeUnit.MILLISECONDS);
        }
        String authorization = request.getHeader("Authorization");
        apiAuthorizations.add(String.valueOf(authorization));
        return authorization != null && accepted.contains(authorization)
            ? new MockResponse().setBody("hello")
            : new MockResponse().setResponseCode(401).setBody("who are you?");
      }
    });
    server.start();
    guard = HerdGuard.create(fastConfig().build());
    recipe();
  }

  @AfterEach
  void stop() throws IOException {
    tokens.close();
    guard.close();
    server.shutdown();
  }

  /** The documented recipe: the login goes through the wrapped client, which carries no tokens. */
  private void recipe() {
    HttpClient base = plainClient();
    tokens = guard.tokenCache(previous -> {
      HttpRequest login = HttpRequest.newBuilder(URI.create(server.url("/login").toString()))
          .POST(HttpRequest.BodyPublishers.ofString("user=ada")).build();
      HttpResponse<String> response = base.send(login, BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException("login: HTTP " + response.statusCode());
      }
      return Token.of(response.body(), Instant.now().plus(Duration.ofHours(1)));
    });
    client = HerdGuardHttpClient.builder(base, guard).withTokens(tokens).build();
  }

  private HttpRequest api() {
    return get(server, "/api/me").build();
  }

  @Test
  void tokenIsSentAsBearer() throws Exception {
    accepted = List.of("Bearer t1");

    assertEquals("hello", client.send(api(), BodyHandlers.ofString()).body());
    assertEquals("hello", client.sendAsync(api(), BodyHandlers.ofString()).get(30, TimeUnit.SECONDS).body());
    assertEquals(List.of("Bearer t1", "Bearer t1"), List.copyOf(apiAuthorizations));
    assertEquals(1, logins.get());
  }

  @Test
  void unauthorizedStormOfSixteenBlockingCallsMakesOneLogin() throws Exception {
    assertEquals("t1", tokens.get().value()); // every call starts with t1, which the API now refuses
    assertEquals(1, logins.get());

    ExecutorService threads = Executors.newFixedThreadPool(CALLERS);
    try {
      CountDownLatch ready = new CountDownLatch(CALLERS);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < CALLERS; i++) {
        results.add(threads.submit(() -> {
          ready.countDown();
          go.await();
          HttpResponse<String> response = client.send(api(), BodyHandlers.ofString());
          return response.statusCode() + " " + response.body();
        }));
      }
      assertTrue(ready.await(10, TimeUnit.SECONDS));
      go.countDown();
      for (Future<String> result : results) {
        assertEquals("200 hello", result.get(30, TimeUnit.SECONDS));
      }
    } finally {
      threads.shutdownNow();
    }
    assertEquals(2, logins.get(), "exactly one login for the sixteen 401s");
    assertEquals("t2", tokens.peek().orElseThrow().value());
    for (String authorization : apiAuthorizations) {
      assertTrue(authorization.equals("Bearer t1") || authorization.equals("Bearer t2"), authorization);
    }
  }

  @Test
  void unauthorizedStormOfSixteenAsyncCallsMakesOneLogin() throws Exception {
    assertEquals("t1", tokens.get().value());

    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < CALLERS; i++) {
      calls.add(client.sendAsync(api(), BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      HttpResponse<String> response = call.get(30, TimeUnit.SECONDS);
      assertEquals("200 hello", response.statusCode() + " " + response.body());
    }
    assertEquals(2, logins.get(), "exactly one login for the sixteen 401s");
    assertEquals(CALLERS, apiAuthorizations.stream().filter("Bearer t2"::equals).count());
  }

  @Test
  void refusedFreshTokenGivesUpWithTheUnauthorizedResponse() throws Exception {
    accepted = List.of();
    assertEquals("t1", tokens.get().value());

    HttpResponse<String> response = client.send(api(), BodyHandlers.ofString());
    assertEquals(401, response.statusCode());
    assertEquals("who are you?", response.body());
    assertEquals(List.of("Bearer t1", "Bearer t2"), List.copyOf(apiAuthorizations));
    assertEquals(2, logins.get(), "one refresh, then no more");
  }

  @Test
  void callersOwnCredentialsAreLeftAlone() throws Exception {
    HttpRequest own = get(server, "/api/me").header("Authorization", "Basic YWRhOnNlY3JldA==").build();

    HttpResponse<String> response = client.send(own, BodyHandlers.ofString());
    assertEquals(401, response.statusCode());
    assertEquals("who are you?", response.body());
    assertEquals(List.of("Basic YWRhOnNlY3JldA=="), List.copyOf(apiAuthorizations));
    assertEquals(0, logins.get());
  }

  @Test
  void failedLoginFailsTheCallWithoutARequestOrABreakerFailure() throws Exception {
    loginDown = true;

    IOException e = assertThrows(IOException.class, () -> client.send(api(), BodyHandlers.ofString()));
    assertInstanceOf(LoginFailedException.class, e.getCause());
    assertTrue(e.getMessage().startsWith("no login token for GET http://"), e.getMessage());
    ExecutionException async = assertThrows(ExecutionException.class,
        () -> client.sendAsync(api(), BodyHandlers.ofString()).get(30, TimeUnit.SECONDS));
    assertInstanceOf(LoginFailedException.class, async.getCause().getCause());
    assertTrue(apiAuthorizations.isEmpty(), "no API request without a token");
    assertEquals(0, guard.operation("http", server.getHostName()).circuitBreaker()
        .getMetrics().getNumberOfFailedCalls());
  }

  @Test
  void deadlineSpentWaitingForTheLoginEndsTheCallUnsentAndUnblamed() throws Exception {
    loginDelayMillis = 500;
    accepted = List.of("Bearer t1");
    HttpRequest hurried = get(server, "/api/me").timeout(Duration.ofMillis(100)).build();

    assertThrows(java.net.http.HttpTimeoutException.class, () -> client.send(hurried, BodyHandlers.ofString()));
    assertTrue(apiAuthorizations.isEmpty(), "the API was not asked");
    assertEquals(0, guard.operation("http", server.getHostName()).circuitBreaker()
        .getMetrics().getNumberOfFailedCalls(), "nor blamed");
    assertEquals(1, logins.get());
  }

  @Test
  void lateUnauthorizedOnAnOldTokenKeepsTheFreshOne() throws Exception {
    Token t1 = tokens.get();
    assertTrue(tokens.invalidate(t1));
    assertEquals("t2", tokens.get().value());

    assertFalse(tokens.invalidate(t1), "a late 401 on t1 drops nothing");
    assertEquals("hello", client.send(api(), BodyHandlers.ofString()).body());
    assertEquals(2, logins.get());
  }

  @Test
  void tokenNeverAppearsInTheClientsDescription() {
    assertFalse(client.toString().contains("t1"));
  }
}

package dev.herdguard.okhttp;

import static dev.herdguard.okhttp.TestSupport.assertNoConnectionLeaked;
import static dev.herdguard.okhttp.TestSupport.clientBuilder;
import static dev.herdguard.okhttp.TestSupport.enqueue;
import static dev.herdguard.okhttp.TestSupport.fastConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.HerdGuard;
import dev.herdguard.LoginFailedException;
import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import dev.herdguard.TokenWaitTimeoutException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TokenInterceptor} and {@link TokenAuthenticator} against a server with a login endpoint
 * ({@code /login} answers {@code t1}, {@code t2}, ... in turn) and an API that accepts only the
 * tokens a test says it accepts.
 */
class TokensTest {

  private final MockWebServer server = new MockWebServer();
  private final AtomicInteger logins = new AtomicInteger();
  private final ConcurrentLinkedQueue<String> apiAuthorizations = new ConcurrentLinkedQueue<>();
  /** The Authorization headers the API accepts. */
  private volatile List<String> accepted = List.of("Bearer t2");

  private HerdGuard guard;
  private OkHttpClient base;
  private TokenCache tokens;
  private OkHttpClient client;

  @BeforeEach
  void start() throws IOException {
    server.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        if ("/login".equals(request.getPath())) {
          return new MockResponse().setBody("t" + logins.incrementAndGet());
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
  }

  @AfterEach
  void stop() throws IOException {
    if (client != null) {
      assertNoConnectionLeaked(client);
    }
    if (tokens != null) {
      tokens.close();
    }
    guard.close();
    server.shutdown();
  }

  /** The documented recipe: the login goes through a client without tokens, with execute(). */
  private void recipe(OkHttpClient.Builder baseBuilder) {
    base = baseBuilder.build();
    OkHttpClient loginClient = HerdGuardOkHttp.install(base.newBuilder(), guard).build();
    tokens = guard.tokenCache(previous -> {
      Request login = new Request.Builder().url(server.url("/login"))
          .post(RequestBody.create("user=ada", MediaType.get("application/x-www-form-urlencoded")))
          .build();
      try (Response response = loginClient.newCall(login).execute()) {
        if (!response.isSuccessful()) {
          throw new IOException("login: HTTP " + response.code());
        }
        return Token.of(response.body().string(), Instant.now().plus(Duration.ofHours(1)));
      }
    });
    client = HerdGuardOkHttp.with(guard).withTokens(tokens).install(base.newBuilder()).build();
  }

  private Request api() {
    return new Request.Builder().url(server.url("/api/me")).build();
  }

  @Test
  void tokenIsSentAsBearer() throws Exception {
    accepted = List.of("Bearer t1");
    recipe(clientBuilder());

    try (Response response = client.newCall(api()).execute()) {
      assertEquals("hello", response.body().string());
    }
    assertEquals(List.of("Bearer t1"), List.copyOf(apiAuthorizations));
    assertEquals(1, logins.get());
  }

  @Test
  void unauthorizedRefreshesOnceForSixteenConcurrentCalls() throws Exception {
    recipe(clientBuilder());
    assertEquals("t1", tokens.get().value()); // every call starts with t1, which the API now refuses
    assertEquals(1, logins.get());

    int callers = 16;
    ExecutorService threads = Executors.newFixedThreadPool(callers);
    try {
      CountDownLatch ready = new CountDownLatch(callers);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        results.add(threads.submit(() -> {
          ready.countDown();
          go.await();
          try (Response response = client.newCall(api()).execute()) {
            return response.code() + " " + response.body().string();
          }
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
  void refusedFreshTokenGivesUpWithTheUnauthorizedResponse() throws Exception {
    accepted = List.of();
    recipe(clientBuilder());
    assertEquals("t1", tokens.get().value());

    try (Response response = client.newCall(api()).execute()) {
      assertEquals(401, response.code());
      assertEquals("who are you?", response.body().string());
      assertNotNull(response.priorResponse(), "the fresh token was tried");
      assertEquals(401, response.priorResponse().code());
    }
    assertEquals(List.of("Bearer t1", "Bearer t2"), List.copyOf(apiAuthorizations));
    assertEquals(2, logins.get(), "one refresh, then no more");
  }

  @Test
  void callersOwnCredentialsAreLeftAlone() throws Exception {
    recipe(clientBuilder());
    Request own = api().newBuilder().header("Authorization", "Basic YWRhOnNlY3JldA==").build();

    try (Response response = client.newCall(own).execute()) {
      assertEquals(401, response.code());
      assertNull(response.priorResponse());
    }
    assertEquals(List.of("Basic YWRhOnNlY3JldA=="), List.copyOf(apiAuthorizations));
    assertEquals(0, logins.get());
  }

  @Test
  void authenticatorAloneSendsTheTokenWhenChallenged() throws Exception {
    accepted = List.of("Bearer t1");
    recipe(clientBuilder());
    OkHttpClient challengedOnly = base.newBuilder().authenticator(TokenAuthenticator.of(tokens)).build();

    try (Response response = challengedOnly.newCall(api()).execute()) {
      assertEquals("hello", response.body().string());
    }
    assertEquals(List.of("null", "Bearer t1"), List.copyOf(apiAuthorizations));
    assertNoConnectionLeaked(challengedOnly);
  }

  @Test
  void failedLoginFailsTheCallWithoutARequestOrABreakerFailure() throws Exception {
    base = clientBuilder().build();
    tokens = guard.tokenCache(previous -> {
      throw new IOException("login server says 403");
    });
    client = HerdGuardOkHttp.with(guard).withTokens(tokens).install(base.newBuilder()).build();

    IOException e = assertThrows(IOException.class, () -> client.newCall(api()).execute());
    assertInstanceOf(LoginFailedException.class, e.getCause());
    assertTrue(e.getMessage().startsWith("no login token for GET http://"), e.getMessage());
    assertEquals(0, server.getRequestCount());
    assertEquals(0, guard.operation("http", server.url("/").host()).circuitBreaker()
        .getMetrics().getNumberOfBufferedCalls(), "the API host's breaker never saw the call");
  }

  @Test
  void executedLoginGoesOutWhileAsyncCallsHoldTheWholeDispatcher() throws Exception {
    accepted = List.of("Bearer t1");
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequestsPerHost(1); // the first async call takes the only place there is
    recipe(clientBuilder().dispatcher(dispatcher));

    List<CompletableFuture<Response>> calls = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      calls.add(enqueue(client.newCall(api())));
    }
    for (CompletableFuture<Response> call : calls) {
      try (Response response = call.get(30, TimeUnit.SECONDS)) {
        assertEquals(200, response.code());
      }
    }
    assertEquals(1, logins.get());
  }

  /** Pins why the login must be executed: an enqueued one waits behind the call that waits for it. */
  @Test
  void enqueuedLoginOnTheSameDispatcherDeadlocksUntilTheCacheWaitRunsOut() throws Exception {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequestsPerHost(1);
    base = clientBuilder().dispatcher(dispatcher).build();
    OkHttpClient loginClient = base.newBuilder().build();
    tokens = TokenCache.builder(previous -> {
      Request login = new Request.Builder().url(server.url("/login")).build();
      try (Response response = enqueue(loginClient.newCall(login)).get(30, TimeUnit.SECONDS)) { // wrong
        return Token.of(response.body().string(), Instant.now().plus(Duration.ofHours(1)));
      }
    }).withMaxWait(Duration.ofMillis(200)).build();
    client = HerdGuardOkHttp.with(guard).withTokens(tokens).install(base.newBuilder()).build();

    ExecutionException e = assertThrows(ExecutionException.class,
        () -> enqueue(client.newCall(api())).get(30, TimeUnit.SECONDS));
    assertInstanceOf(TokenWaitTimeoutException.class, e.getCause().getCause());
    assertEquals(0, apiAuthorizations.size());
    // Once the stuck call has failed, its place frees up and the queued login finally goes out.
    assertEquals("t1", tokens.get(Duration.ofSeconds(30)).value());
  }

  @Test
  void lateUnauthorizedOnAnOldTokenKeepsTheFreshOne() throws Exception {
    recipe(clientBuilder());
    tokens.get(); // t1
    tokens.invalidate(Token.withoutExpiry("t1"));
    assertEquals("t2", tokens.get().value());

    // A request that still carries t1 gets its 401 after t2 arrived: t2 must survive it.
    Request stale = api().newBuilder().header("Authorization", "Bearer t1")
        .tag(Tokens.Issued.class, Tokens.Issued.INSTANCE).build();
    Request retry = TokenAuthenticator.of(tokens).authenticate(null, new Response.Builder()
        .request(stale).protocol(okhttp3.Protocol.HTTP_1_1).code(401).message("Unauthorized").build());
    assertNotNull(retry);
    assertEquals("Bearer t2", retry.header("Authorization"));
    assertEquals(Optional.of("t2"), tokens.peek().map(Token::value));
    assertEquals(2, logins.get());
  }
}

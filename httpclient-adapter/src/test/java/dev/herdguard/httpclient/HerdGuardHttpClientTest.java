package dev.herdguard.httpclient;

import static dev.herdguard.httpclient.TestSupport.fastConfig;
import static dev.herdguard.httpclient.TestSupport.get;
import static dev.herdguard.httpclient.TestSupport.plainClient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.HerdGuardException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link HerdGuardHttpClient#send}: what is retried, how long it waits, what the caller sees. */
class HerdGuardHttpClientTest {

  private final MockWebServer server = new MockWebServer();
  private final TestSupport.RecordingSleeper sleeper = new TestSupport.RecordingSleeper();
  private HerdGuard guard;
  private HerdGuardHttpClient client;

  @BeforeEach
  void start() throws IOException {
    TestSupport.failFast(server);
    server.start();
  }

  @AfterEach
  void stop() throws IOException {
    if (guard != null) {
      guard.close();
    }
    server.shutdown();
  }

  /** A client whose backoffs are recorded, not slept. */
  private HerdGuardHttpClient client(HerdGuardConfig.Builder config) {
    return client(config, b -> b);
  }

  private HerdGuardHttpClient client(HerdGuardConfig.Builder config,
      java.util.function.UnaryOperator<HerdGuardHttpClient.Builder> settings) {
    guard = HerdGuard.create(config.build());
    client = settings.apply(HerdGuardHttpClient.builder(plainClient(), guard).withSleeper(sleeper)).build();
    return client;
  }

  private HttpRequest updates() {
    return get(server, "/v1/updates").build();
  }

  private HttpResponse<String> send(HttpRequest request) throws Exception {
    return client.send(request, BodyHandlers.ofString());
  }

  private CircuitBreaker breaker() {
    return guard.operation("http", server.getHostName()).circuitBreaker();
  }

  private static MockResponse status(int code) {
    return new MockResponse().setResponseCode(code).setBody("status " + code);
  }

  @Test
  void serviceUnavailableWithRetryAfterInSecondsIsRetriedAfterThatWait() throws Exception {
    client(fastConfig());
    server.enqueue(status(503).setHeader("Retry-After", "30"));
    server.enqueue(new MockResponse().setBody("update 42"));

    HttpResponse<String> response = send(updates());
    assertEquals(200, response.statusCode());
    assertEquals("update 42", response.body());
    assertEquals(2, server.getRequestCount());
    assertEquals(List.of(Duration.ofSeconds(30)), sleeper.waits);
  }

  @Test
  void retryAfterAsADateIsMeasuredFromTheResponsesDateHeader() throws Exception {
    client(fastConfig());
    // A server whose clock is 30 years behind ours: the 45 s it means still come out as 45 s.
    server.enqueue(status(503)
        .setHeader("Date", "Sun, 06 Nov 1994 08:49:37 GMT")
        .setHeader("Retry-After", "Sun, 06 Nov 1994 08:50:22 GMT"));
    server.enqueue(new MockResponse().setBody("ok"));

    assertEquals(200, send(updates()).statusCode());
    assertEquals(List.of(Duration.ofSeconds(45)), sleeper.waits);
  }

  @Test
  void retryAfterAsADateWithoutADateHeaderIsMeasuredFromTheClock() throws Exception {
    Instant now = Instant.parse("2026-03-01T12:00:00Z");
    client(fastConfig(), b -> b.withClock(InstantSource.fixed(now)));
    server.enqueue(status(503).setHeader("Retry-After", "Sun, 01 Mar 2026 12:00:20 GMT"));
    server.enqueue(new MockResponse().setBody("ok"));

    assertEquals(200, send(updates()).statusCode());
    assertEquals(List.of(Duration.ofSeconds(20)), sleeper.waits);
  }

  @Test
  void retryAfterIsSpreadNeverShortened() throws Exception {
    client(fastConfig().withRetryAfterSpread(0.5));
    server.enqueue(status(503).setHeader("Retry-After", "10"));
    server.enqueue(new MockResponse().setBody("ok"));

    assertEquals(200, send(updates()).statusCode());
    Duration wait = sleeper.waits.get(0);
    assertTrue(wait.compareTo(Duration.ofSeconds(10)) >= 0 && wait.compareTo(Duration.ofSeconds(15)) <= 0,
        wait.toString());
  }

  @Test
  void everyDefaultStatusIsRetriedAndOthersAreNot() throws Exception {
    client(fastConfig());
    assertEquals(Set.of(408, 429, 502, 503, 504), client.retryStatusCodes());
    for (int code : new int[] {408, 429, 502, 503, 504}) {
      server.enqueue(status(code));
      server.enqueue(new MockResponse().setBody("ok"));
      assertEquals(200, send(updates()).statusCode(), "status " + code);
    }
    for (int code : new int[] {400, 404, 500, 501}) {
      server.enqueue(status(code));
      HttpResponse<String> response = send(updates());
      assertEquals(code, response.statusCode());
      assertEquals("status " + code, response.body());
    }
    assertEquals(14, server.getRequestCount());
  }

  @Test
  void retryStatusCodesAreConfigurable() throws Exception {
    client(fastConfig(), b -> b.withRetryStatusCodes(500));
    assertEquals(Set.of(500), client.retryStatusCodes());
    server.enqueue(status(500));
    server.enqueue(new MockResponse().setBody("ok"));
    server.enqueue(status(503));

    assertEquals(200, send(updates()).statusCode());
    assertEquals(503, send(updates()).statusCode());
    assertEquals(3, server.getRequestCount());
  }

  @Test
  void retryStatusCodesOutsideTheErrorRangeAreRejectedByName() {
    guard = HerdGuard.create(fastConfig().build());
    HerdGuardHttpClient.Builder builder = HerdGuardHttpClient.builder(plainClient(), guard);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> builder.withRetryStatusCodes(503, 200, 302, 600));
    assertEquals("retry status codes [200, 302, 600] must be in [400, 599]: only an error status can be retried",
        e.getMessage());
  }

  @Test
  void guardingAGuardedClientIsRefused() {
    guard = HerdGuard.create(fastConfig().build());
    HerdGuardHttpClient once = HerdGuardHttpClient.create(plainClient(), guard);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HerdGuardHttpClient.create(once, guard));
    assertTrue(e.getMessage().startsWith("client is already a HerdGuardHttpClient"), e.getMessage());
  }

  @Test
  void connectionDroppedBeforeTheResponseIsRetried() throws Exception {
    // The JDK itself sends a GET once more when its connection closes before any response (see the
    // class comment of HerdGuardHttpClient): each attempt of herdguard's is two requests here.
    client(fastConfig());
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setBody("ok"));

    HttpResponse<String> response = send(updates());
    assertEquals("ok", response.body());
    assertEquals(3, server.getRequestCount());
    assertEquals(1, sleeper.waits.size(), "one retry of herdguard's");
  }

  @Test
  void droppedConnectionsOfAPostDeclaredSafeToRepeatAreRetriedByHerdguardAlone() throws Exception {
    client(fastConfig(), b -> b.withSafeToRepeat(r -> true));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setBody("ok"));
    HttpRequest post = get(server, "/v1/orders").POST(HttpRequest.BodyPublishers.ofString("order=1")).build();

    assertEquals("ok", send(post).body());
    assertEquals(3, server.getRequestCount());
    assertEquals(2, sleeper.waits.size());
  }

  @Test
  void connectionDroppedDuringTheBodyIsRetriedWhenTheHandlerReadsItWithinSend() throws Exception {
    // Unlike OkHttp, the JDK's send returns after the handler has read the body: the drop is the
    // attempt's failure, and a GET can be sent again.
    client(fastConfig());
    server.enqueue(new MockResponse().setBody("a long update body")
        .setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY));
    server.enqueue(new MockResponse().setBody("ok"));

    assertEquals("ok", send(updates()).body());
    assertEquals(2, server.getRequestCount());
  }

  @Test
  void ioExceptionThatEndsTheRetriesIsRethrownAsItIs() throws Exception {
    client(fastConfig().withRetryMaxAttempts(2), b -> b.withSafeToRepeat(r -> true));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    HttpRequest post = get(server, "/v1/orders").POST(HttpRequest.BodyPublishers.ofString("order=1")).build();

    IOException e = assertThrows(IOException.class, () -> send(post));
    assertFalse(e instanceof BreakerOpenException);
    assertFalse(e.getClass().getName().startsWith("dev.herdguard"), "the JDK's own exception: " + e);
    assertEquals(2, server.getRequestCount());
  }

  @Test
  void postIsNotRetried() throws Exception {
    client(fastConfig());
    server.enqueue(status(503).setHeader("Retry-After", "1"));
    server.enqueue(new MockResponse().setBody("never sent"));
    HttpRequest post = get(server, "/v1/orders").POST(HttpRequest.BodyPublishers.ofString("order=1")).build();

    HttpResponse<String> response = send(post);
    assertEquals(503, response.statusCode());
    assertEquals("status 503", response.body());
    assertEquals(1, server.getRequestCount());
    assertTrue(sleeper.waits.isEmpty());
    assertEquals(1, breaker().getMetrics().getNumberOfFailedCalls(), "a POST's failure still counts");
  }

  @Test
  void postWhoseConnectionDropsFailsWithoutAResend() throws Exception {
    client(fastConfig());
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setBody("never sent"));
    HttpRequest post = get(server, "/v1/orders").POST(HttpRequest.BodyPublishers.ofString("order=1")).build();

    assertThrows(IOException.class, () -> send(post));
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void postDeclaredSafeToRepeatIsRetriedWithTheSameBody() throws Exception {
    client(fastConfig(), b -> b.withSafeToRepeat(r -> r.uri().getPath().equals("/login")));
    server.enqueue(status(503));
    server.enqueue(new MockResponse().setBody("welcome"));
    HttpRequest login = get(server, "/login").POST(HttpRequest.BodyPublishers.ofString("user=ada")).build();

    assertEquals("welcome", send(login).body());
    assertEquals("user=ada", server.takeRequest().getBody().readUtf8());
    assertEquals("user=ada", server.takeRequest().getBody().readUtf8());
  }

  @Test
  void openBreakerSendsNoRequestAndNamesTheHost() throws Exception {
    client(fastConfig()
        .withRetryMaxAttempts(1)
        .withBreakerWindow(2)
        .withBreakerMinimumCalls(2)
        .withBreakerFailureRateThreshold(50)
        .withBreakerOpenWait(Duration.ofMinutes(5)));
    for (int i = 0; i < 2; i++) {
      server.enqueue(status(503));
      assertEquals(503, send(updates()).statusCode());
    }
    assertEquals(CircuitBreaker.State.OPEN, breaker().getState());
    server.enqueue(new MockResponse().setBody("never sent"));

    BreakerOpenException e = assertThrows(BreakerOpenException.class, () -> send(updates()));
    String host = server.getHostName();
    assertEquals(host, e.host());
    assertEquals("herdguard: circuit breaker for " + host + " is open, request not sent: GET http://"
        + host + ":" + server.getPort() + "/v1/updates", e.getMessage());
    assertEquals(HerdGuardException.Reason.BREAKER_OPEN, ((HerdGuardException) e.getCause()).reason());
    assertEquals(2, server.getRequestCount(), "the server saw only the two calls that opened the breaker");
  }

  @Test
  void breakersAreKeptPerHost() throws Exception {
    client(fastConfig().withRetryMaxAttempts(1).withBreakerWindow(2).withBreakerMinimumCalls(2)
        .withBreakerOpenWait(Duration.ofMinutes(5)));
    for (int i = 0; i < 2; i++) {
      server.enqueue(status(503));
      assertEquals(503, send(updates()).statusCode());
    }
    assertEquals(CircuitBreaker.State.OPEN, breaker().getState());
    // The same server under another name is another host: its breaker is closed.
    String other = server.getHostName().equals("localhost") ? "127.0.0.1" : "localhost";
    server.enqueue(new MockResponse().setBody("ok"));
    HttpRequest viaOtherName = HttpRequest.newBuilder(
        java.net.URI.create("http://" + other + ":" + server.getPort() + "/v1/updates")).build();
    assertEquals("ok", send(viaOtherName).body());
  }

  @Test
  void spellingsOfOneHostThatDifferInCaseShareItsBreaker() throws Exception {
    client(fastConfig().withRetryMaxAttempts(1));
    server.enqueue(status(503));
    server.enqueue(status(503));
    String upper = server.getHostName().toUpperCase(java.util.Locale.ROOT);
    HttpRequest shouted = HttpRequest.newBuilder(
        java.net.URI.create("http://" + upper + ":" + server.getPort() + "/v1/updates")).build();

    assertEquals(503, send(updates()).statusCode());
    assertEquals(503, send(shouted).statusCode());
    assertEquals(2, breaker().getMetrics().getNumberOfFailedCalls());
  }

  @Test
  void spentBudgetReturnsTheLastResponse() throws Exception {
    client(fastConfig().withRetryBudgetRatio(0).withRetryBudgetMinPerSecond(0));
    server.enqueue(status(503).setHeader("Retry-After", "1"));
    server.enqueue(new MockResponse());

    HttpResponse<String> response = send(updates());
    assertEquals(503, response.statusCode());
    assertEquals("status 503", response.body(), "the caller can still read it");
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void stormOf503sEndsWithTheLastResponseThroughTheCallersHandler() throws Exception {
    client(fastConfig().withRetryMaxAttempts(3));
    for (int i = 1; i <= 3; i++) {
      server.enqueue(status(503).setBody("busy #" + i));
    }

    HttpResponse<InputStream> response = client.send(updates(), BodyHandlers.ofInputStream());
    assertEquals(503, response.statusCode());
    try (InputStream body = response.body()) {
      assertEquals("busy #3", new String(body.readAllBytes(), StandardCharsets.UTF_8));
    }
    // One connection served all three: each discarded body was read in full before the retry.
    assertEquals(0, server.takeRequest().getSequenceNumber());
    assertEquals(1, server.takeRequest().getSequenceNumber());
    assertEquals(2, server.takeRequest().getSequenceNumber());
  }

  @Test
  void retryAfterLongerThanAllowedReturnsTheResponseAtOnce() throws Exception {
    client(fastConfig().withRetryAfterMax(Duration.ofMinutes(1)));
    server.enqueue(status(503).setHeader("Retry-After", "3600"));

    HttpResponse<String> response = send(updates());
    assertEquals(503, response.statusCode());
    assertEquals("3600", response.headers().firstValue("Retry-After").orElseThrow());
    assertEquals(1, server.getRequestCount());
    assertTrue(sleeper.waits.isEmpty());
  }

  @Test
  void retryThatWouldStartAfterTheRequestTimeoutIsNotMade() throws Exception {
    client(fastConfig());
    server.enqueue(status(503).setHeader("Retry-After", "30"));
    server.enqueue(new MockResponse());

    HttpResponse<String> response = send(get(server, "/v1/updates").timeout(Duration.ofSeconds(5)).build());
    assertEquals(503, response.statusCode(), "the server's answer, not a timeout after a wait that could not finish");
    assertEquals(1, server.getRequestCount());
    assertTrue(sleeper.waits.isEmpty());
  }

  @Test
  void slowHeadersPastTheRequestTimeoutEndTheCallWithoutARetry() throws Exception {
    client(fastConfig());
    server.enqueue(new MockResponse().setBody("late").setHeadersDelay(5, TimeUnit.SECONDS));
    server.enqueue(new MockResponse().setBody("never sent"));

    assertThrows(HttpTimeoutException.class,
        () -> send(get(server, "/v1/updates").timeout(Duration.ofMillis(200)).build()));
    assertEquals(1, server.getRequestCount());
    // The JDK client has no read timeout but the request's: its expiry is the sign of a server that hangs.
    assertEquals(1, breaker().getMetrics().getNumberOfFailedCalls());
  }

  @Test
  void slowHeadersPastTheAttemptTimeoutAreRetriedWithinTheRequestTimeout() throws Exception {
    client(fastConfig(), b -> b.withAttemptTimeout(Duration.ofMillis(200)));
    server.enqueue(new MockResponse().setBody("late").setHeadersDelay(5, TimeUnit.SECONDS));
    server.enqueue(new MockResponse().setBody("on time"));

    HttpResponse<String> response = send(get(server, "/v1/updates").timeout(Duration.ofSeconds(30)).build());
    assertEquals("on time", response.body());
    assertEquals(2, server.getRequestCount());
  }

  @Test
  void interruptDuringTheBackoffEndsTheCallWithNoFurtherRequest() throws Exception {
    CountDownLatch waiting = new CountDownLatch(1);
    guard = HerdGuard.create(fastConfig().build());
    client = HerdGuardHttpClient.builder(plainClient(), guard).withSleeper(nanos -> {
      waiting.countDown();
      Sleeper.SYSTEM.sleep(nanos);
    }).build();
    server.enqueue(status(503).setHeader("Retry-After", "100"));
    server.enqueue(new MockResponse().setBody("never sent"));

    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      Future<HttpResponse<String>> call = thread.submit(() -> send(updates()));
      assertTrue(waiting.await(10, TimeUnit.SECONDS));
      thread.shutdownNow(); // interrupts the waiting thread
      ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
      assertInstanceOf(InterruptedException.class, e.getCause());
    } finally {
      thread.shutdownNow();
    }
    assertEquals(1, server.getRequestCount());
    assertEquals(1, breaker().getMetrics().getNumberOfFailedCalls(), "the 503, and nothing for the interrupt");
  }

  @Test
  void successPassesTheResponseThroughUntouched() throws Exception {
    client(fastConfig());
    server.enqueue(new MockResponse().setBody("update 42").setHeader("X-Version", "42"));
    HttpRequest request = updates();

    HttpResponse<String> response = send(request);
    assertEquals("update 42", response.body());
    assertEquals("42", response.headers().firstValue("X-Version").orElseThrow());
    assertEquals(request.uri(), response.request().uri());
    assertTrue(sleeper.waits.isEmpty());
    assertEquals(1, breaker().getMetrics().getNumberOfSuccessfulCalls());
  }

  @Test
  void settingsOfTheWrappedClientShowThrough() {
    HttpClient base = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3))
        .followRedirects(HttpClient.Redirect.NORMAL).build();
    guard = HerdGuard.create(fastConfig().build());
    HerdGuardHttpClient guarded = HerdGuardHttpClient.create(base, guard);
    assertSame(base, guarded.delegate());
    assertEquals(base.connectTimeout(), guarded.connectTimeout());
    assertEquals(HttpClient.Redirect.NORMAL, guarded.followRedirects());
    assertEquals(base.version(), guarded.version());
  }
}

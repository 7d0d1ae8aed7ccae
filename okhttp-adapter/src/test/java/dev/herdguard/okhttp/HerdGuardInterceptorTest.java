package dev.herdguard.okhttp;

import static dev.herdguard.okhttp.TestSupport.assertNoConnectionLeaked;
import static dev.herdguard.okhttp.TestSupport.clientBuilder;
import static dev.herdguard.okhttp.TestSupport.enqueue;
import static dev.herdguard.okhttp.TestSupport.fastConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.HerdGuardException;
import dev.herdguard.HerdGuardListener;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HerdGuardInterceptorTest {

  private static final MediaType JSON = MediaType.get("application/json");

  private final MockWebServer server = new MockWebServer();
  private final TestSupport.RecordingSleeper sleeper = new TestSupport.RecordingSleeper();
  private HerdGuard guard;
  private OkHttpClient client;

  @BeforeEach
  void start() throws IOException {
    server.start(); // a free port, chosen by the OS
  }

  @AfterEach
  void stop() throws IOException {
    if (client != null) {
      assertNoConnectionLeaked(client);
    }
    if (guard != null) {
      guard.close();
    }
    server.shutdown();
  }

  /** A client whose backoffs are recorded, not slept. */
  private OkHttpClient client(HerdGuardConfig.Builder config) {
    return client(config, HerdGuardListener.NONE, sleeper);
  }

  private OkHttpClient client(HerdGuardConfig.Builder config, HerdGuardListener listener, CallSleeper waits) {
    guard = HerdGuard.builder(config.build()).withListener(listener).build();
    client = clientBuilder()
        .addInterceptor(HerdGuardInterceptor.builder(guard).withSleeper(waits).build())
        .build();
    return client;
  }

  private Request get() {
    return new Request.Builder().url(server.url("/v1/updates")).build();
  }

  private CircuitBreaker breaker() {
    return guard.operation("http", server.url("/").host()).circuitBreaker();
  }

  private static MockResponse status(int code) {
    return new MockResponse().setResponseCode(code).setBody("status " + code);
  }

  @Test
  void serviceUnavailableWithRetryAfterInSecondsIsRetriedAfterThatWait() throws Exception {
    client(fastConfig());
    server.enqueue(status(503).setHeader("Retry-After", "30"));
    server.enqueue(new MockResponse().setBody("update 42"));

    try (Response response = client.newCall(get()).execute()) {
      assertEquals(200, response.code());
      assertEquals("update 42", response.body().string());
    }
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

    try (Response response = client.newCall(get()).execute()) {
      assertEquals(200, response.code());
    }
    assertEquals(List.of(Duration.ofSeconds(45)), sleeper.waits);
  }

  @Test
  void retryAfterAsADateWithoutADateHeaderIsMeasuredFromTheClock() throws Exception {
    Instant now = Instant.parse("2026-03-01T12:00:00Z");
    guard = HerdGuard.create(fastConfig().build());
    client = clientBuilder().addInterceptor(HerdGuardInterceptor.builder(guard)
        .withClock(InstantSource.fixed(now)).withSleeper(sleeper).build()).build();
    server.enqueue(status(503).setHeader("Retry-After", "Sun, 01 Mar 2026 12:00:20 GMT"));
    server.enqueue(new MockResponse().setBody("ok"));

    try (Response response = client.newCall(get()).execute()) {
      assertEquals(200, response.code());
    }
    assertEquals(List.of(Duration.ofSeconds(20)), sleeper.waits);
  }

  @Test
  void retryAfterIsSpreadNeverShortened() throws Exception {
    client(fastConfig().withRetryAfterSpread(0.2));
    server.enqueue(status(503).setHeader("Retry-After", "10"));
    server.enqueue(new MockResponse());

    client.newCall(get()).execute().close();
    Duration wait = sleeper.waits.get(0);
    assertTrue(wait.compareTo(Duration.ofSeconds(10)) >= 0 && wait.compareTo(Duration.ofSeconds(12)) <= 0,
        "wait " + wait + " must be in [10s, 12s]");
  }

  @Test
  void tooManyRequestsIsRetried() throws Exception {
    client(fastConfig());
    server.enqueue(status(429).setHeader("Retry-After", "2"));
    server.enqueue(status(429)); // no hint: the backoff decides
    server.enqueue(new MockResponse().setBody("ok"));

    try (Response response = client.newCall(get()).execute()) {
      assertEquals(200, response.code());
    }
    assertEquals(3, server.getRequestCount());
    assertEquals(Duration.ofSeconds(2), sleeper.waits.get(0));
    // The hint gates the host for 2s; the recording sleeper lets no time pass, so the second retry
    // waits what is left of the hint rather than its own backoff of a few milliseconds.
    assertTrue(sleeper.waits.get(1).compareTo(Duration.ofSeconds(2)) <= 0
        && sleeper.waits.get(1).compareTo(Duration.ofSeconds(1)) > 0, "wait " + sleeper.waits.get(1));
  }

  @Test
  void everyDefaultStatusIsRetriedAndOthersAreNot() throws Exception {
    client(fastConfig().withRetryMaxAttempts(10));
    for (int code : new int[] {408, 429, 502, 503, 504}) {
      server.enqueue(status(code));
    }
    server.enqueue(new MockResponse().setBody("ok"));
    try (Response response = client.newCall(get()).execute()) {
      assertEquals(200, response.code());
    }
    assertEquals(6, server.getRequestCount());

    server.enqueue(status(500));
    try (Response response = client.newCall(get()).execute()) {
      assertEquals(500, response.code());
    }
    assertEquals(7, server.getRequestCount());
  }

  @Test
  void retryStatusCodesAreConfigurable() throws Exception {
    guard = HerdGuard.create(fastConfig().build());
    HerdGuardInterceptor interceptor = HerdGuardInterceptor.builder(guard)
        .withRetryStatusCodes(500, 503).withSleeper(sleeper).build();
    assertEquals(List.of(500, 503), List.copyOf(interceptor.retryStatusCodes()));
    client = clientBuilder().addInterceptor(interceptor).build();
    server.enqueue(status(500));
    server.enqueue(status(429));

    try (Response response = client.newCall(get()).execute()) {
      assertEquals(429, response.code());
    }
    assertEquals(2, server.getRequestCount());
  }

  @Test
  void retryStatusCodesOutsideTheErrorRangeAreRejectedByName() {
    guard = HerdGuard.create(fastConfig().build());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HerdGuardInterceptor.builder(guard).withRetryStatusCodes(200, 503, 302, 600));
    assertEquals("retry status codes [200, 302, 600] must be in [400, 599]: only an error status can be retried",
        e.getMessage());
  }

  @Test
  void connectionDroppedBeforeTheResponseIsRetried() throws Exception {
    client(fastConfig());
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setBody("ok"));

    try (Response response = client.newCall(get()).execute()) {
      assertEquals("ok", response.body().string());
    }
    assertEquals(2, server.getRequestCount());
    assertEquals(1, sleeper.waits.size());
  }

  @Test
  void connectionDroppedDuringTheBodyFailsTheReadAndIsNotRetried() throws Exception {
    client(fastConfig());
    // The headers arrive, then the connection drops: the interceptor has already returned.
    server.enqueue(new MockResponse().setBody("x".repeat(64 * 1024))
        .setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY));
    server.enqueue(new MockResponse().setBody("never asked for"));

    try (Response response = client.newCall(get()).execute()) {
      assertEquals(200, response.code());
      assertThrows(IOException.class, () -> response.body().string());
    }
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void ioExceptionThatEndsTheRetriesIsRethrownAsItIs() throws Exception {
    client(fastConfig().withRetryMaxAttempts(2));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));

    IOException e = assertThrows(IOException.class, () -> client.newCall(get()).execute());
    assertTrue(!(e instanceof BreakerOpenException) && !(e.getCause() instanceof HerdGuardException), e.toString());
    assertEquals(2, server.getRequestCount());
  }

  @Test
  void postIsNotRetried() throws Exception {
    client(fastConfig());
    server.enqueue(status(503).setHeader("Retry-After", "1"));
    server.enqueue(new MockResponse().setBody("would be a second order"));

    Request post = new Request.Builder().url(server.url("/orders")).post(RequestBody.create("{}", JSON)).build();
    try (Response response = client.newCall(post).execute()) {
      assertEquals(503, response.code());
      assertEquals("status 503", response.body().string());
    }
    assertEquals(1, server.getRequestCount());
    assertTrue(sleeper.waits.isEmpty());
    assertEquals(1, breaker().getMetrics().getNumberOfFailedCalls(), "the 503 still counts against the host");
  }

  @Test
  void postWhoseConnectionDropsFailsWithoutAResend() throws Exception {
    client(fastConfig());
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setBody("would be a second order"));

    Request post = new Request.Builder().url(server.url("/orders")).post(RequestBody.create("{}", JSON)).build();
    assertThrows(IOException.class, () -> client.newCall(post).execute());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void postTaggedRetryableIsRetriedWithTheSameBody() throws Exception {
    client(fastConfig());
    server.enqueue(status(503));
    server.enqueue(new MockResponse().setBody("token"));

    Request login = new Request.Builder().url(server.url("/login"))
        .post(RequestBody.create("{\"user\":\"ada\"}", JSON))
        .tag(RetryableRequests.Marker.class, RetryableRequests.TAG)
        .build();
    try (Response response = client.newCall(login).execute()) {
      assertEquals("token", response.body().string());
    }
    assertEquals("{\"user\":\"ada\"}", server.takeRequest().getBody().readUtf8());
    assertEquals("{\"user\":\"ada\"}", server.takeRequest().getBody().readUtf8());
  }

  @Test
  void oneShotBodyIsNeverResentEvenWhenTagged() throws Exception {
    client(fastConfig());
    server.enqueue(status(503));
    server.enqueue(new MockResponse());
    RequestBody oneShot = new RequestBody() {
      @Override
      public MediaType contentType() {
        return JSON;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        sink.writeUtf8("{}");
      }

      @Override
      public boolean isOneShot() {
        return true;
      }
    };
    Request put = new Request.Builder().url(server.url("/upload")).put(oneShot)
        .tag(RetryableRequests.Marker.class, RetryableRequests.TAG).build();
    try (Response response = client.newCall(put).execute()) {
      assertEquals(503, response.code());
    }
    assertEquals(1, server.getRequestCount());
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
      try (Response response = client.newCall(get()).execute()) {
        assertEquals(503, response.code());
      }
    }
    assertEquals(CircuitBreaker.State.OPEN, breaker().getState());
    server.enqueue(new MockResponse().setBody("never sent"));

    BreakerOpenException e = assertThrows(BreakerOpenException.class, () -> client.newCall(get()).execute());
    String host = server.url("/").host();
    assertEquals(host, e.host());
    assertEquals("herdguard: circuit breaker for " + host + " is open, request not sent: GET http://"
        + host + ":" + server.getPort() + "/v1/updates", e.getMessage());
    assertEquals(HerdGuardException.Reason.BREAKER_OPEN, ((HerdGuardException) e.getCause()).reason());
    assertEquals(2, server.getRequestCount(), "the server saw only the two calls that opened the breaker");
  }

  @Test
  void spentBudgetReturnsTheLastResponse() throws Exception {
    client(fastConfig().withRetryBudgetRatio(0).withRetryBudgetMinPerSecond(0));
    server.enqueue(status(503).setHeader("Retry-After", "1"));
    server.enqueue(new MockResponse());

    try (Response response = client.newCall(get()).execute()) {
      assertEquals(503, response.code());
      assertEquals("status 503", response.body().string(), "the caller can still read it");
    }
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void exhaustedRetriesReturnTheLastResponseAndCloseTheOthers() throws Exception {
    client(fastConfig().withRetryMaxAttempts(3));
    for (int i = 1; i <= 3; i++) {
      server.enqueue(status(503).setBody("busy #" + i));
    }

    try (Response response = client.newCall(get()).execute()) {
      assertEquals(503, response.code());
      assertEquals("busy #3", response.body().string());
    }
    // One connection served all three: each discarded body was closed in full before the retry.
    assertEquals(0, server.takeRequest().getSequenceNumber());
    assertEquals(1, server.takeRequest().getSequenceNumber());
    assertEquals(2, server.takeRequest().getSequenceNumber());
  }

  @Test
  void retryAfterLongerThanAllowedReturnsTheResponseAtOnce() throws Exception {
    client(fastConfig().withRetryAfterMax(Duration.ofMinutes(1)));
    server.enqueue(status(503).setHeader("Retry-After", "3600"));

    try (Response response = client.newCall(get()).execute()) {
      assertEquals(503, response.code());
      assertEquals("3600", response.header("Retry-After"));
    }
    assertEquals(1, server.getRequestCount());
    assertTrue(sleeper.waits.isEmpty());
  }

  @Test
  void retryThatWouldStartAfterTheCallTimeoutIsNotMade() throws Exception {
    guard = HerdGuard.create(fastConfig().build());
    client = clientBuilder().callTimeout(Duration.ofSeconds(5))
        .addInterceptor(HerdGuardInterceptor.builder(guard).withSleeper(sleeper).build()).build();
    server.enqueue(status(503).setHeader("Retry-After", "30"));
    server.enqueue(new MockResponse());

    try (Response response = client.newCall(get()).execute()) {
      assertEquals(503, response.code(), "the server's answer, not a timeout after a wait that could not finish");
    }
    assertEquals(1, server.getRequestCount());
    assertTrue(sleeper.waits.isEmpty());
  }

  @Test
  void callTimeoutEndsTheCallAndIsNoFailureOfTheServer() throws Exception {
    guard = HerdGuard.create(fastConfig().build());
    client = clientBuilder().callTimeout(Duration.ofMillis(300))
        .addInterceptor(HerdGuardInterceptor.create(guard)).build();
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));

    InterruptedIOException e = assertThrows(InterruptedIOException.class, () -> client.newCall(get()).execute());
    assertEquals("timeout", e.getMessage());
    assertEquals(1, server.getRequestCount());
    assertEquals(0, breaker().getMetrics().getNumberOfFailedCalls());
  }

  @Test
  void callCancelledDuringItsBackoffEndsAtOnceWithNoFurtherRequest() throws Exception {
    CountDownLatch retrying = new CountDownLatch(1);
    HerdGuardListener listener = new HerdGuardListener() {
      @Override
      public void onRetry(String operation, int attempt, Duration delay, Throwable cause) {
        retrying.countDown();
      }
    };
    // The real wait, and a server that asks for two minutes of it.
    client(fastConfig(), listener, CallSleeper.POLLING);
    server.enqueue(status(503).setHeader("Retry-After", "120"));
    server.enqueue(new MockResponse().setBody("never sent"));

    Call call = client.newCall(get());
    CompletableFuture<Response> result = enqueue(call);
    assertTrue(retrying.await(10, TimeUnit.SECONDS), "the call reached its backoff");
    call.cancel();

    ExecutionException e = assertThrows(ExecutionException.class, () -> result.get(10, TimeUnit.SECONDS));
    assertInstanceOf(IOException.class, e.getCause());
    assertEquals("Canceled", e.getCause().getMessage());
    assertEquals(1, server.getRequestCount());
    assertEquals(1, breaker().getMetrics().getNumberOfFailedCalls(), "the 503 counts, the cancel does not");
  }

  @Test
  void interruptDuringTheBackoffEndsTheCallAndKeepsTheFlag() throws Exception {
    client(fastConfig(), HerdGuardListener.NONE, (call, nanos) -> {
      throw new InterruptedException("shutting down");
    });
    server.enqueue(status(503));

    InterruptedIOException e = assertThrows(InterruptedIOException.class, () -> client.newCall(get()).execute());
    assertTrue(Thread.interrupted(), "the interrupt flag is set again (and cleared here)");
    assertTrue(e.getMessage().startsWith("interrupted while waiting to retry GET http://"), e.getMessage());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void successPassesTheResponseThroughUntouched() throws Exception {
    client(fastConfig());
    server.enqueue(new MockResponse().setResponseCode(201).setHeader("X-Trace", "abc").setBody("created"));

    try (Response response = client.newCall(get()).execute()) {
      assertEquals(201, response.code());
      assertEquals("abc", response.header("X-Trace"));
      assertEquals("created", response.body().string());
      assertNull(response.priorResponse());
    }
    RecordedRequest seen = server.takeRequest();
    assertEquals("GET /v1/updates HTTP/1.1", seen.getRequestLine());
    assertTrue(sleeper.waits.isEmpty());
    assertSame(CircuitBreaker.State.CLOSED, breaker().getState());
  }
}

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
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.HerdGuardListener;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link HerdGuardHttpClient#sendAsync}: the same rules as {@code send}, with the backoffs on the
 * guard's scheduler. The scheduler records each delay and runs the retry at once, so no test waits
 * for a backoff, and no thread sleeps: the sleeper of the blocking path must stay unused.
 */
class SendAsyncTest {

  private final MockWebServer server = TestSupport.failFast(new MockWebServer());
  private final TestSupport.RecordingScheduler scheduler = new TestSupport.RecordingScheduler();
  private HerdGuard guard;
  private HerdGuardHttpClient client;

  @BeforeEach
  void start() throws IOException {
    server.start();
  }

  @AfterEach
  void stop() throws IOException {
    if (guard != null) {
      guard.close();
    }
    scheduler.shutdownNow();
    server.shutdown();
  }

  private HerdGuardHttpClient client(HerdGuardConfig.Builder config) {
    return client(config, HerdGuardListener.NONE);
  }

  private HerdGuardHttpClient client(HerdGuardConfig.Builder config, HerdGuardListener listener) {
    guard = HerdGuard.builder(config.build()).withScheduler(scheduler).withListener(listener).build();
    client = HerdGuardHttpClient.builder(plainClient(), guard)
        .withSleeper(nanos -> {
          throw new AssertionError("sendAsync must not sleep on a thread");
        })
        .build();
    return client;
  }

  private HttpRequest updates() {
    return get(server, "/v1/updates").build();
  }

  private CircuitBreaker breaker() {
    return guard.operation("http", server.getHostName()).circuitBreaker();
  }

  private static MockResponse status(int code) {
    return new MockResponse().setResponseCode(code).setBody("status " + code);
  }

  @Test
  void stormOf503sIsRetriedOnTheSchedulerAfterEachRetryAfter() throws Exception {
    client(fastConfig().withRetryMaxAttempts(5));
    server.enqueue(status(503).setHeader("Retry-After", "7"));
    server.enqueue(status(503).setHeader("Retry-After", "8"));
    server.enqueue(status(429).setHeader("Retry-After", "9"));
    server.enqueue(new MockResponse().setBody("update 42"));

    HttpResponse<String> response = client.sendAsync(updates(), BodyHandlers.ofString()).get(30, TimeUnit.SECONDS);
    assertEquals(200, response.statusCode());
    assertEquals("update 42", response.body());
    assertEquals(4, server.getRequestCount());
    assertEquals(List.of(Duration.ofSeconds(7), Duration.ofSeconds(8), Duration.ofSeconds(9)), scheduler.delays);
  }

  @Test
  void exhaustedRetriesCompleteWithTheLastResponseThroughTheCallersHandler() throws Exception {
    client(fastConfig().withRetryMaxAttempts(2));
    server.enqueue(status(503).setBody("busy #1"));
    server.enqueue(status(503).setBody("busy #2"));

    HttpResponse<String> response = client.sendAsync(updates(), BodyHandlers.ofString()).get(30, TimeUnit.SECONDS);
    assertEquals(503, response.statusCode());
    assertEquals("busy #2", response.body());
    assertEquals(2, server.getRequestCount());
  }

  @Test
  void droppedConnectionIsRetried() throws Exception {
    client(fastConfig());
    // Two drops: the JDK's own resend of the GET, then herdguard's retry.
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setBody("ok"));

    assertEquals("ok", client.sendAsync(updates(), BodyHandlers.ofString()).get(30, TimeUnit.SECONDS).body());
    assertEquals(3, server.getRequestCount());
    assertEquals(1, scheduler.delays.size());
  }

  @Test
  void postIsSentOnceAndItsFailureCountsInTheBreaker() throws Exception {
    client(fastConfig());
    server.enqueue(status(503).setHeader("Retry-After", "1"));
    server.enqueue(new MockResponse().setBody("never sent"));
    HttpRequest post = get(server, "/v1/orders").POST(HttpRequest.BodyPublishers.ofString("order=1")).build();

    HttpResponse<String> response = client.sendAsync(post, BodyHandlers.ofString()).get(30, TimeUnit.SECONDS);
    assertEquals(503, response.statusCode());
    assertEquals("status 503", response.body());
    assertEquals(1, server.getRequestCount());
    assertTrue(scheduler.delays.isEmpty());
    assertEquals(1, breaker().getMetrics().getNumberOfFailedCalls());
  }

  @Test
  void retryThatWouldStartAfterTheRequestTimeoutIsNotMade() throws Exception {
    client(fastConfig());
    server.enqueue(status(503).setHeader("Retry-After", "30"));
    server.enqueue(new MockResponse().setBody("never sent"));

    HttpRequest request = get(server, "/v1/updates").timeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> response = client.sendAsync(request, BodyHandlers.ofString()).get(30, TimeUnit.SECONDS);
    assertEquals(503, response.statusCode());
    assertEquals(1, server.getRequestCount());
    assertTrue(scheduler.delays.isEmpty());
  }

  @Test
  void slowHeadersPastTheRequestTimeoutFailWithTheJdksTimeout() throws Exception {
    client(fastConfig());
    server.enqueue(new MockResponse().setBody("late").setHeadersDelay(5, TimeUnit.SECONDS));

    HttpRequest request = get(server, "/v1/updates").timeout(Duration.ofMillis(200)).build();
    CompletableFuture<HttpResponse<String>> call = client.sendAsync(request, BodyHandlers.ofString());
    ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(30, TimeUnit.SECONDS));
    assertInstanceOf(HttpTimeoutException.class, e.getCause());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void cancelDuringTheBackoffCancelsThePendingRetryAndSendsNothingMore() throws Exception {
    client(fastConfig());
    scheduler.hold = true;
    server.enqueue(status(503).setHeader("Retry-After", "60"));
    server.enqueue(new MockResponse().setBody("never sent"));

    CompletableFuture<HttpResponse<String>> call = client.sendAsync(updates(), BodyHandlers.ofString());
    assertTrue(scheduler.scheduledOne.await(30, TimeUnit.SECONDS), "the retry is scheduled");
    assertTrue(call.cancel(true));
    assertThrows(CancellationException.class, call::join);
    assertEquals(List.of(Duration.ofSeconds(60)), scheduler.delays);
    // The retry can be scheduled, on the client's thread that got the 503, a moment before the
    // guarded step is the one a cancel reaches; the adapter then cancels it as it takes that step.
    // So wait for the cancel to arrive (bounded, so a bug fails rather than hangs), not for a time.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!scheduler.scheduled.get(0).isCancelled() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertTrue(scheduler.scheduled.get(0).isCancelled(), "the pending retry was cancelled");
    scheduler.release();
    assertEquals(1, server.getRequestCount());
    assertEquals(1, breaker().getMetrics().getNumberOfFailedCalls(), "the 503; the cancel counts for nothing");
  }

  @Test
  void cancelInFlightCancelsTheExchangeAndIsNoFailureOfTheServer() throws Exception {
    client(fastConfig());
    server.enqueue(new MockResponse().setBody("late").setHeadersDelay(30, TimeUnit.SECONDS));

    CompletableFuture<HttpResponse<String>> call = client.sendAsync(updates(), BodyHandlers.ofString());
    server.takeRequest(30, TimeUnit.SECONDS); // the request is out, its response held
    assertTrue(call.cancel(true));
    assertEquals(0, breaker().getMetrics().getNumberOfFailedCalls());
    assertEquals(0, breaker().getMetrics().getNumberOfSuccessfulCalls());
    assertTrue(scheduler.delays.isEmpty(), "no retry");
  }

  @Test
  void openBreakerFailsTheFutureWithoutARequest() throws Exception {
    client(fastConfig().withRetryMaxAttempts(1).withBreakerWindow(2).withBreakerMinimumCalls(2)
        .withBreakerOpenWait(Duration.ofMinutes(5)));
    for (int i = 0; i < 2; i++) {
      server.enqueue(status(503));
      assertEquals(503, client.sendAsync(updates(), BodyHandlers.ofString()).get(30, TimeUnit.SECONDS).statusCode());
    }
    server.enqueue(new MockResponse().setBody("never sent"));

    ExecutionException e = assertThrows(ExecutionException.class,
        () -> client.sendAsync(updates(), BodyHandlers.ofString()).get(30, TimeUnit.SECONDS));
    BreakerOpenException open = assertInstanceOf(BreakerOpenException.class, e.getCause());
    assertEquals(server.getHostName(), open.host());
    assertEquals(2, server.getRequestCount());
  }

  @Test
  void successIsTheJdksResponse() throws Exception {
    client(fastConfig());
    server.enqueue(new MockResponse().setBody("update 42"));

    HttpResponse<String> response = client.sendAsync(updates(), BodyHandlers.ofString()).get(30, TimeUnit.SECONDS);
    assertEquals("update 42", response.body());
    assertFalse(response.getClass().getName().startsWith("dev.herdguard"), "no wrapper on success");
    assertEquals(1, breaker().getMetrics().getNumberOfSuccessfulCalls());
  }
}

package dev.herdguard.okhttp;

import static dev.herdguard.okhttp.TestSupport.assertNoConnectionLeaked;
import static dev.herdguard.okhttp.TestSupport.clientBuilder;
import static dev.herdguard.okhttp.TestSupport.fastConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardException;
import dev.herdguard.HostState;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The host state through the adapter: per-attempt timeouts, and hints that gate the whole host. */
class HostStateThroughOkHttpTest {

  private final MockWebServer server = new MockWebServer();
  private final TestSupport.RecordingSleeper sleeper = new TestSupport.RecordingSleeper();
  /** The read timeout each attempt was given, as the interceptor below herdguard's sees it. */
  private final List<Integer> readTimeouts = Collections.synchronizedList(new ArrayList<>());
  private HerdGuard guard;
  private OkHttpClient client;

  @BeforeEach
  void start() throws IOException {
    server.start();
    guard = HerdGuard.create(fastConfig().withRetryMaxAttempts(4).build());
  }

  @AfterEach
  void stop() throws IOException {
    assertNoConnectionLeaked(client);
    guard.close();
    server.shutdown();
  }

  /** A client whose first {@code timeouts} attempts time out below herdguard, without waiting for it. */
  private OkHttpClient client(int timeouts, OkHttpClient.Builder builder) {
    AtomicInteger attempts = new AtomicInteger();
    client = builder
        .readTimeout(Duration.ofSeconds(5))
        .addInterceptor(HerdGuardInterceptor.builder(guard).withSleeper(sleeper).build())
        .addInterceptor(chain -> {
          readTimeouts.add(chain.readTimeoutMillis());
          if (attempts.incrementAndGet() <= timeouts) {
            throw new SocketTimeoutException("read timed out (injected)");
          }
          return chain.proceed(chain.request());
        })
        .build();
    return client;
  }

  private Request get() {
    return new Request.Builder().url(server.url("/v1/login")).build();
  }

  private HostState host() {
    return guard.host(server.url("/").host());
  }

  @Test
  void laterAttemptsToATimedOutHostGetALongerReadTimeout() throws IOException {
    client(3, clientBuilder());
    server.enqueue(new MockResponse().setBody("token"));
    try (Response response = client.newCall(get()).execute()) {
      assertEquals("token", response.body().string());
    }
    assertEquals(List.of(5_000, 10_000, 20_000, 40_000), readTimeouts);
    // The success ends the streak: the next call gets the usual timeout again.
    server.enqueue(new MockResponse().setBody("token"));
    client.newCall(get()).execute().close();
    assertEquals(5_000, readTimeouts.get(4));
  }

  @Test
  void aRetryAfterOnAnAnswerThatIsNotRetriedStillGatesTheHost() throws IOException {
    client(0, clientBuilder());
    server.enqueue(new MockResponse().setResponseCode(500).setHeader("Retry-After", "120").setBody("later"));
    server.enqueue(new MockResponse().setBody("update 42"));
    try (Response response = client.newCall(get()).execute()) {
      assertEquals(500, response.code(), "a 500 is returned, not retried");
    }
    assertTrue(host().remainingWait().compareTo(Duration.ofSeconds(119)) > 0, host().toString());
    // The next call, a new one, waits for the host before its first attempt.
    try (Response response = client.newCall(get()).execute()) {
      assertEquals("update 42", response.body().string());
    }
    assertEquals(1, sleeper.waits.size(), sleeper.waits.toString());
    assertTrue(sleeper.waits.get(0).compareTo(Duration.ofSeconds(119)) > 0, sleeper.waits.toString());
    assertEquals(2, server.getRequestCount());
  }

  @Test
  void aServiceUnavailableHintGatesTheOtherCallsToTheHost() throws IOException {
    guard.close();
    guard = HerdGuard.create(fastConfig().withRetryMaxAttempts(1).build());
    client = clientBuilder()
        .addInterceptor(HerdGuardInterceptor.builder(guard).withSleeper(sleeper).build())
        .build();
    server.enqueue(new MockResponse().setResponseCode(503).setHeader("Retry-After", "60").setBody("busy"));
    server.enqueue(new MockResponse().setBody("ok"));
    try (Response response = client.newCall(get()).execute()) {
      assertEquals(503, response.code());
    }
    try (Response response = client.newCall(new Request.Builder().url(server.url("/v1/other")).build()).execute()) {
      assertEquals(200, response.code());
    }
    // The hint was spread over [60s, 60s] (spread 0), and a few milliseconds went by meanwhile.
    assertEquals(1, sleeper.waits.size(), sleeper.waits.toString());
    assertTrue(sleeper.waits.get(0).compareTo(Duration.ofSeconds(59)) > 0, sleeper.waits.toString());
    assertTrue(sleeper.waits.get(0).compareTo(Duration.ofSeconds(60)) <= 0, sleeper.waits.toString());
  }

  @Test
  void aCallWhoseTimeoutEndsBeforeTheHostsWaitFailsAtOnceWithoutARequest() {
    client(0, clientBuilder().callTimeout(2, TimeUnit.SECONDS));
    host().obeyHint(Duration.ofMinutes(2));
    IOException e = assertThrows(IOException.class, () -> client.newCall(get()).execute());
    HerdGuardException stop = assertInstanceOf(HerdGuardException.class, e.getCause());
    assertEquals(HerdGuardException.Reason.HOST_WAIT, stop.reason());
    assertTrue(stop.retryAfter().orElseThrow().compareTo(Duration.ofSeconds(100)) > 0);
    assertTrue(e.getMessage().contains("the host's wait ends after the call's timeout"), e.getMessage());
    assertEquals(0, server.getRequestCount());
    assertEquals(List.of(), sleeper.waits);
  }
}

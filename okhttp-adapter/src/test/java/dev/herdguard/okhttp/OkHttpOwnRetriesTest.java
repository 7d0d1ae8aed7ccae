package dev.herdguard.okhttp;

import static dev.herdguard.okhttp.TestSupport.assertNoConnectionLeaked;
import static dev.herdguard.okhttp.TestSupport.fastConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import java.io.IOException;
import java.net.ProtocolException;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 5: OkHttp's own {@code RetryAndFollowUpInterceptor}, below the adapter, must not
 * resend what herdguard did not decide to resend, nor throw on a header. Runs on OkHttp 5.x here
 * and on 4.12 in okhttp-adapter-okhttp4. The clients start from OkHttp's defaults ({@code
 * retryOnConnectionFailure} on), as a user's would.
 */
class OkHttpOwnRetriesTest {

  private static final MediaType JSON = MediaType.get("application/json");
  private static final String FORTY_DIGITS = "1234567890123456789012345678901234567890";

  private final MockWebServer server = new MockWebServer();
  private HerdGuard guard;
  private OkHttpClient client;

  @BeforeEach
  void start() throws IOException {
    server.start();
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

  private OkHttpClient installed(HerdGuardConfig.Builder config) {
    guard = HerdGuard.create(config.build());
    client = HerdGuardOkHttp.install(new OkHttpClient.Builder(), guard).build();
    return client;
  }

  private Request get() {
    return new Request.Builder().url(server.url("/v1/updates")).build();
  }

  private Request post() {
    return new Request.Builder().url(server.url("/orders")).post(RequestBody.create("{}", JSON)).build();
  }

  private static MockResponse status(int code) {
    return new MockResponse().setResponseCode(code).setBody("status " + code);
  }

  @Test
  void okHttpDoesNotResend503WithRetryAfterZeroForAnUntaggedPost() throws Exception {
    installed(fastConfig());
    server.enqueue(status(503).setHeader("Retry-After", "0"));
    server.enqueue(new MockResponse().setBody("would be a second order"));

    try (Response response = client.newCall(post()).execute()) {
      assertEquals(503, response.code());
      assertEquals("status 503", response.body().string());
      // The caller sees the server's header, not what OkHttp's follow-up was shown.
      assertEquals(List.of("0"), response.headers("Retry-After"));
      assertNull(response.header(FollowUpShield.ORIGINAL));
    }
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void okHttpDoesNotResend503WithRetryAfterZeroBeyondHerdguardsAttempts() throws Exception {
    installed(fastConfig().withRetryMaxAttempts(3));
    for (int i = 0; i < 3; i++) {
      server.enqueue(status(503).setHeader("Retry-After", "0"));
    }
    for (int i = 0; i < 3; i++) {
      server.enqueue(new MockResponse().setBody("a resend herdguard did not make"));
    }

    try (Response response = client.newCall(get()).execute()) {
      assertEquals(503, response.code());
      assertEquals("0", response.header("Retry-After"));
    }
    assertEquals(3, server.getRequestCount(), "exactly herdguard's attempts, none of OkHttp's own");
  }

  @Test
  void okHttpDoesNotResend408ForAnUntaggedPostEvenWithRetryOnConnectionFailure() throws Exception {
    guard = HerdGuard.create(fastConfig().build());
    // The flag turned back on after install: the network interceptor alone still stops the 408 resend.
    client = HerdGuardOkHttp.install(new OkHttpClient.Builder(), guard).retryOnConnectionFailure(true).build();
    server.enqueue(status(408));
    server.enqueue(new MockResponse().setBody("would be a second order"));

    try (Response response = client.newCall(post()).execute()) {
      assertEquals(408, response.code());
      assertNull(response.header("Retry-After"), "a header the server did not send is not added");
    }
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void fortyDigitRetryAfterIsNoHintAndNeverANumberFormatException() throws Exception {
    installed(fastConfig().withRetryMaxAttempts(2));
    server.enqueue(status(503).setHeader("Retry-After", FORTY_DIGITS));
    server.enqueue(status(503).setHeader("Retry-After", FORTY_DIGITS));

    try (Response response = client.newCall(get()).execute()) {
      // herdguard reads the value as no hint, backs off as usual, and ends on the last 503.
      assertEquals(503, response.code());
      assertEquals(FORTY_DIGITS, response.header("Retry-After"));
    }
    assertEquals(2, server.getRequestCount());
  }

  @Test
  void fortyDigitRetryAfterWithoutTheNetworkInterceptorIsAnIOException() throws Exception {
    guard = HerdGuard.create(fastConfig().build());
    client = new OkHttpClient.Builder().retryOnConnectionFailure(false)
        .addInterceptor(HerdGuardInterceptor.create(guard))
        .build();
    server.enqueue(status(503).setHeader("Retry-After", FORTY_DIGITS));

    IOException e = assertThrows(IOException.class, () -> client.newCall(post()).execute());
    assertInstanceOf(ProtocolException.class, e);
    assertTrue(e.getMessage().contains("HerdGuardInterceptor.networkInterceptor()"), e.getMessage());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void installTurnsOffOkHttpsSilentResendOfAFailedConnection() throws Exception {
    installed(fastConfig());
    assertFalse(client.retryOnConnectionFailure());
    assertTrue(client.networkInterceptors().contains(HerdGuardInterceptor.networkInterceptor()));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(new MockResponse().setBody("would be a second order"));

    assertThrows(IOException.class, () -> client.newCall(post()).execute());
    assertEquals(1, server.getRequestCount());
  }
}

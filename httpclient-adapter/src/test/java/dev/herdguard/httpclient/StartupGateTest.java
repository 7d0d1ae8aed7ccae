package dev.herdguard.httpclient;

import static dev.herdguard.httpclient.TestSupport.fastConfig;
import static dev.herdguard.httpclient.TestSupport.get;
import static dev.herdguard.httpclient.TestSupport.plainClient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.herdguard.HerdGuard;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The startup gate: calls wait for the guard's startup delay, whose end the test decides by
 * releasing the guard's scheduler; nothing waits for real but the one timeout test.
 */
class StartupGateTest {

  private final MockWebServer server = TestSupport.failFast(new MockWebServer());
  private final TestSupport.RecordingScheduler scheduler = new TestSupport.RecordingScheduler();
  private HerdGuard guard;

  @BeforeEach
  void start() throws IOException {
    server.start();
    scheduler.hold = true;
    guard = HerdGuard.builder(fastConfig().withStartupMaxDelay(Duration.ofMinutes(10)).build())
        .withScheduler(scheduler)
        .withRandom(() -> Long.MAX_VALUE / 2) // a draw of 0.25: a delay of 2.5 minutes
        .build();
  }

  @AfterEach
  void stop() throws IOException {
    guard.close();
    scheduler.shutdownNow();
    server.shutdown();
  }

  @Test
  void asyncCallsGoOutOnceTheDelayHasPassed() throws Exception {
    HerdGuardHttpClient client = HerdGuardHttpClient.create(plainClient(), guard);
    server.enqueue(new MockResponse().setBody("ok"));

    CompletableFuture<HttpResponse<String>> call =
        client.sendAsync(get(server, "/v1/updates").build(), BodyHandlers.ofString());
    assertFalse(call.isDone());
    assertEquals(0, server.getRequestCount(), "held");
    scheduler.release();
    assertEquals("ok", call.get(30, TimeUnit.SECONDS).body());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void heldCallThatTimesOutSendsNothing() throws Exception {
    HerdGuardHttpClient client = HerdGuardHttpClient.create(plainClient(), guard);
    server.enqueue(new MockResponse().setBody("never sent"));

    HttpTimeoutException e = assertThrows(HttpTimeoutException.class, () -> client.send(
        get(server, "/v1/updates").timeout(Duration.ofMillis(100)).build(), BodyHandlers.ofString()));
    assertEquals("request timed out waiting for the startup delay: GET http://" + server.getHostName() + ":"
        + server.getPort() + "/v1/updates", e.getMessage());
    ExecutionException async = assertThrows(ExecutionException.class, () -> client.sendAsync(
        get(server, "/v1/updates").timeout(Duration.ofMillis(100)).build(), BodyHandlers.ofString())
        .get(30, TimeUnit.SECONDS));
    assertInstanceOf(HttpTimeoutException.class, async.getCause());
    assertEquals(0, server.getRequestCount());
  }

  @Test
  void blockingCallWaitsForTheDelay() throws Exception {
    HerdGuardHttpClient client = HerdGuardHttpClient.create(plainClient(), guard);
    server.enqueue(new MockResponse().setBody("ok"));

    CompletableFuture<String> call = CompletableFuture.supplyAsync(() -> {
      try {
        return client.send(get(server, "/v1/updates").build(), BodyHandlers.ofString()).body();
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    assertFalse(call.isDone());
    scheduler.release(); // a wait scheduled after this runs at once: the scheduler holds no more
    assertEquals("ok", call.get(30, TimeUnit.SECONDS));
  }

  @Test
  void gateTurnedOffLetsCallsThroughAtOnce() throws Exception {
    HerdGuardHttpClient client = HerdGuardHttpClient.builder(plainClient(), guard).withStartupGate(false).build();
    server.enqueue(new MockResponse().setBody("ok"));

    assertEquals("ok", client.send(get(server, "/v1/updates").build(), BodyHandlers.ofString()).body());
  }
}

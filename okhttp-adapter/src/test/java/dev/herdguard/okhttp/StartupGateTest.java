package dev.herdguard.okhttp;

import static dev.herdguard.okhttp.TestSupport.assertNoConnectionLeaked;
import static dev.herdguard.okhttp.TestSupport.clientBuilder;
import static dev.herdguard.okhttp.TestSupport.fastConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.HerdGuard;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.random.RandomGenerator;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StartupGateTest {

  /** Every draw is 0.25: the startup delay is a quarter of the max. */
  private static final RandomGenerator QUARTER = () -> 1L << 62;

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
    guard.close();
    server.shutdown();
  }

  private StartupGate gate(Duration maxDelay) {
    guard = HerdGuard.builder(fastConfig().withStartupMaxDelay(maxDelay).build()).withRandom(QUARTER).build();
    return StartupGate.of(guard);
  }

  private Request get() {
    return new Request.Builder().url(server.url("/check")).build();
  }

  @Test
  void withoutAStartupDelayTheGateIsOpenFromTheStart() throws Exception {
    StartupGate gate = gate(Duration.ZERO);
    assertTrue(gate.isOpen());
    client = clientBuilder().addInterceptor(gate).build();
    server.enqueue(new MockResponse().setBody("ok"));

    try (Response response = client.newCall(get()).execute()) {
      assertEquals("ok", response.body().string());
    }
  }

  @Test
  void heldCallThatTimesOutSendsNothing() throws Exception {
    StartupGate gate = gate(Duration.ofHours(1));
    assertEquals(Duration.ofMinutes(15), guard.startupDelay());
    client = clientBuilder().callTimeout(Duration.ofMillis(200)).addInterceptor(gate).build();
    server.enqueue(new MockResponse().setBody("too early"));

    InterruptedIOException e = assertThrows(InterruptedIOException.class, () -> client.newCall(get()).execute());
    assertEquals("timeout", e.getMessage());
    assertEquals(0, server.getRequestCount());
    assertFalse(gate.isOpen());
  }

  @Test
  void callsGoOutOnceTheDelayHasPassed() throws Exception {
    StartupGate gate = gate(Duration.ofMillis(40));
    client = clientBuilder().addInterceptor(gate).build();
    server.enqueue(new MockResponse().setBody("first"));
    server.enqueue(new MockResponse().setBody("second"));

    try (Response response = client.newCall(get()).execute()) {
      assertEquals("first", response.body().string());
    }
    assertTrue(gate.isOpen());
    try (Response response = client.newCall(get()).execute()) {
      assertEquals("second", response.body().string());
    }
  }

  @Test
  void interruptedWaitEndsTheCallAndKeepsTheFlag() throws Exception {
    StartupGate gate = gate(Duration.ofHours(1));
    client = clientBuilder().addInterceptor(gate).build();
    Thread.currentThread().interrupt();

    assertThrows(InterruptedIOException.class, () -> client.newCall(get()).execute());
    assertTrue(Thread.interrupted());
    assertEquals(0, server.getRequestCount());
  }

  @Test
  void theFirstHeldCallMakesTheGuardSayWhyItWaitsNotBuildingTheClient() throws Exception {
    java.io.PrintStream original = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      StartupGate gate = gate(Duration.ofHours(1));
      client = clientBuilder().callTimeout(Duration.ofMillis(200)).addInterceptor(gate).build();
      String built = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
      assertFalse(built.contains("herdguard.startup.max-delay"), built);

      assertThrows(InterruptedIOException.class, () -> client.newCall(get()).execute());
      assertThrows(InterruptedIOException.class, () -> client.newCall(get()).execute());
      String text = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
      long lines = text.lines().filter(l -> l.contains("herdguard.startup.max-delay")).count();
      assertEquals(1, lines, text);
      assertTrue(text.contains("before the first contact with the server (startup delay drawn in [0, 1h]"), text);
      assertTrue(text.contains("-Dherdguard.startup.max-delay=0 turns it off while developing"), text);
    } finally {
      System.setErr(original);
    }
  }
}

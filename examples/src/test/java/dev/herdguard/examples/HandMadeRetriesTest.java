package dev.herdguard.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.herdguard.Backoff;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HandMadeRetriesTest {

  private final AtomicInteger requests = new AtomicInteger();
  private volatile String retryAfter = "0";
  private volatile int busyAnswers = 1;
  private HttpServer server;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/login", exchange -> {
      boolean busy = requests.incrementAndGet() <= busyAnswers;
      byte[] body = (busy ? "busy" : "ok").getBytes(StandardCharsets.UTF_8);
      if (busy && retryAfter != null) {
        exchange.getResponseHeaders().add("Retry-After", retryAfter);
      }
      exchange.sendResponseHeaders(busy ? 503 : 200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private HttpRequest request() {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/login")).build();
  }

  @Test
  void aBusyAnswerIsRetriedWithinTheBudget() throws Exception {
    HandMadeRetries client = new HandMadeRetries(HttpClient.newHttpClient());
    HttpResponse<String> response = client.fetch(request());
    assertEquals(200, response.statusCode());
    assertEquals(2, requests.get(), "one 503, one retry");
  }

  @Test
  void theBudgetEndsTheRetriesOfAServerThatStaysBusy() throws Exception {
    busyAnswers = Integer.MAX_VALUE;
    HandMadeRetries client = new HandMadeRetries(HttpClient.newHttpClient());
    assertEquals(503, client.fetch(request()).statusCode());
    // The floor starts with one retry; a lone first attempt earns a tenth of one more.
    assertEquals(2, requests.get());
  }

  @Test
  void aHintIsWaitedSpreadALongOneEndsTheRetriesNoneFallsBackToTheBackoff() throws Exception {
    HandMadeRetries client = new HandMadeRetries(HttpClient.newHttpClient());
    HttpClient http = HttpClient.newHttpClient();
    var retries = Backoff.decorrelatedJitter(Duration.ofSeconds(1), Duration.ofSeconds(2)).sequence(new SplittableRandom(1));
    retryAfter = "30";
    requests.set(0);
    client.onBusy(http.send(request(), HttpResponse.BodyHandlers.ofString()), retries);
    retryAfter = "3600";
    requests.set(0);
    client.onBusy(http.send(request(), HttpResponse.BodyHandlers.ofString()), retries);
    retryAfter = null;
    requests.set(0);
    client.onBusy(http.send(request(), HttpResponse.BodyHandlers.ofString()), retries);
    List<String> d = client.decisions;
    Duration hinted = Duration.parse(d.get(0).substring("retry in ".length()));
    assertTrue(hinted.compareTo(Duration.ofSeconds(30)) >= 0 && hinted.compareTo(Duration.ofSeconds(36)) <= 0, d.get(0));
    assertEquals("give up: server asked for PT1H", d.get(1));
    Duration backoff = Duration.parse(d.get(2).substring("retry in ".length()));
    assertTrue(backoff.compareTo(Duration.ofSeconds(1)) >= 0 && backoff.compareTo(Duration.ofSeconds(2)) <= 0, d.get(2));
  }

  @Test
  void theFirstRetryDelayIsWithinTheBackoffsRange() {
    Duration wait = HandMadeRetries.firstRetryDelay();
    assertTrue(wait.compareTo(Duration.ofMillis(500)) >= 0 && wait.compareTo(Duration.ofMillis(1500)) <= 0, wait.toString());
  }
}

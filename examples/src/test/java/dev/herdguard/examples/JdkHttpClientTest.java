package dev.herdguard.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JdkHttpClientTest {

  private final AtomicInteger updates = new AtomicInteger();
  private final AtomicInteger logins = new AtomicInteger();
  private HttpServer server;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    // The first request of every two is answered 503 with Retry-After: 0.
    server.createContext("/updates", exchange -> {
      boolean busy = updates.incrementAndGet() % 2 == 1;
      if (busy) {
        exchange.getResponseHeaders().add("Retry-After", "0");
      }
      respond(exchange, busy ? 503 : 200, busy ? "busy" : "v2.1");
    });
    server.createContext("/login", exchange -> respond(exchange, 200, "token-" + logins.incrementAndGet()));
    server.createContext("/me", exchange -> {
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      respond(exchange, "Bearer token-1".equals(authorization) ? 200 : 401, "ada");
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  /** Two retries within a second: more than the default budget's floor (0.05/s) allows, by design. */
  private static HerdGuard guard() {
    return HerdGuard.create(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO)
        .withRetryBudgetMinPerSecond(10).build());
  }

  @Test
  void aBusyServerIsRetriedAfterItsRetryAfterAndTheCallerSeesTheSuccess() throws Exception {
    try (HerdGuard guard = guard()) {
      HttpClient client = JdkHttpClient.client(guard);
      assertEquals("200 v2.1", JdkHttpClient.fetch(client, uri("/updates")));
      assertEquals(2, updates.get(), "one 503, then the retry");
      assertEquals("200 v2.1", JdkHttpClient.fetchAsync(client, uri("/updates")).get(30, TimeUnit.SECONDS));
      assertEquals(4, updates.get());
    }
  }

  @Test
  void theTokenIsSentAsABearerAfterOneLogin() throws Exception {
    try (HerdGuard guard = guard()) {
      HttpClient client = JdkHttpClient.clientWithTokens(guard, uri("/login"));
      assertEquals("200 ada", JdkHttpClient.fetch(client, uri("/me")));
      assertEquals("200 ada", JdkHttpClient.fetch(client, uri("/me")));
      assertEquals(1, logins.get());
    }
  }
}

package dev.herdguard.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

class OkHttpWithTokensTest {

  @Test
  void callsCarryTheTokenAndARefusedTokenIsReplacedByOneLogin() throws Exception {
    AtomicInteger logins = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/login", exchange -> answer(exchange, 200, "token-" + logins.incrementAndGet() + "\n"));
    server.createContext("/data", exchange -> {
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      // The first token is refused, as if revoked: the adapter must log in once and retry.
      boolean ok = auth != null && auth.startsWith("Bearer ") && !auth.equals("Bearer token-1");
      answer(exchange, ok ? 200 : 401, ok ? "data for " + auth.substring(7) : "refused");
    });
    server.start();
    try (HerdGuard guard = HerdGuard.create(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO).build())) {
      OkHttpWithTokens app = new OkHttpWithTokens(HttpUrl.get("http://127.0.0.1:" + server.getAddress().getPort() + "/"));
      OkHttpClient client = app.client(guard);
      assertEquals("200 data for token-2", app.fetch(client, "/data"));
      assertEquals("200 data for token-2", app.fetch(client, "/data"));
      assertEquals(2, logins.get(), "one login, one after the 401, none for the second call");
      client.connectionPool().evictAll();
    } finally {
      server.stop(0);
    }
  }

  private static void answer(com.sun.net.httpserver.HttpExchange exchange, int code, String text)
      throws java.io.IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(code, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}

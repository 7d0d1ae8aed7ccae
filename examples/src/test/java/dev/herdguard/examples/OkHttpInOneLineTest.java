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
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

class OkHttpInOneLineTest {

  @Test
  void aBusyServerIsRetriedAfterItsRetryAfterAndTheCallerSeesTheSuccess() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/updates", exchange -> {
      boolean busy = requests.incrementAndGet() == 1;
      byte[] body = (busy ? "busy" : "v2.1").getBytes(StandardCharsets.UTF_8);
      if (busy) {
        exchange.getResponseHeaders().add("Retry-After", "0");
      }
      exchange.sendResponseHeaders(busy ? 503 : 200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    try (HerdGuard guard = HerdGuard.create(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO).build())) {
      OkHttpClient client = OkHttpInOneLine.client(guard);
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/updates";
      assertEquals("200 v2.1", OkHttpInOneLine.fetch(client, url));
      assertEquals(2, requests.get(), "one 503, then the retry");
      client.connectionPool().evictAll();
    } finally {
      server.stop(0);
    }
  }
}

package app;

import com.sun.net.httpserver.HttpServer;
import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.okhttp.HerdGuardOkHttp;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** A guarded GET against a local server that answers 503 once, then 200: herdguard retries it. */
public final class App {

  public static void main(String[] args) throws Exception {
    AtomicInteger requests = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/updates", exchange -> {
      boolean busy = requests.incrementAndGet() == 1;
      byte[] body = (busy ? "busy" : "v2").getBytes(StandardCharsets.UTF_8);
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
      OkHttpClient client = HerdGuardOkHttp.install(
          new OkHttpClient.Builder().retryOnConnectionFailure(false), guard).build();
      Request request = new Request.Builder()
          .url("http://127.0.0.1:" + server.getAddress().getPort() + "/updates").build();
      try (Response response = client.newCall(request).execute()) {
        String body = response.body().string();
        if (response.code() != 200 || !body.equals("v2") || requests.get() != 2) {
          throw new IllegalStateException("expected a 503, a retry and 200 v2; got " + response.code()
              + " " + body + " after " + requests.get() + " requests");
        }
      }
      client.connectionPool().evictAll();
      String jar = OkHttpClient.class.getProtectionDomain().getCodeSource().getLocation().getPath();
      System.out.println("herdguard guarded call ok on " + jar.substring(jar.lastIndexOf('/') + 1));
    } finally {
      server.stop(0);
    }
  }
}

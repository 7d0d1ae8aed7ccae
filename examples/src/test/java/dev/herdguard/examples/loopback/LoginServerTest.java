package dev.herdguard.examples.loopback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.Token;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The login server on a random loopback port: what it answers, and what it counts. */
class LoginServerTest {

  private static final MediaType TEXT = MediaType.get("text/plain");

  private final OkHttpClient client = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();

  @AfterEach
  void closeClient() {
    client.dispatcher().executorService().shutdownNow();
    client.connectionPool().evictAll();
  }

  private static LoginServer.Settings settings(double capacity, int queue, Duration clientTimeout) {
    return new LoginServer.Settings(capacity, queue, clientTimeout, Duration.ofSeconds(4), 0.01, Duration.ofMinutes(1));
  }

  /** Sends {@code n} logins at once; each future holds the status and, for a 200, the body. */
  private List<CompletableFuture<String[]>> sendAll(OkHttpClient c, LoginServer server, int n) {
    List<CompletableFuture<String[]>> answers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      CompletableFuture<String[]> answer = new CompletableFuture<>();
      answers.add(answer);
      Request request = new Request.Builder().url(server.loginUri().toString()).post(RequestBody.create("x", TEXT)).build();
      c.newCall(request).enqueue(new Callback() {
        @Override
        public void onFailure(Call call, IOException e) {
          answer.complete(new String[] {"failed", e.toString()});
        }

        @Override
        public void onResponse(Call call, Response response) throws IOException {
          try (response) {
            answer.complete(new String[] {
                Integer.toString(response.code()), response.header("Retry-After"), response.body().string()});
          }
        }
      });
    }
    return answers;
  }

  @Test
  void aFullQueueAnswers503WithRetryAfterAtOnceAndTheRestGetTokens() throws Exception {
    // 10 logins/s, queue of 2: of 6 sent at once at most 3 are taken (2 queued, 1 in service).
    try (LoginServer server = LoginServer.start(settings(10, 2, Duration.ofSeconds(5)))) {
      List<CompletableFuture<String[]>> answers = sendAll(client, server, 6);
      int ok = 0;
      int busy = 0;
      for (CompletableFuture<String[]> f : answers) {
        String[] a = f.get(10, TimeUnit.SECONDS);
        if (a[0].equals("200")) {
          ok++;
          Token token = LoginJson.parse(a[2], Instant.EPOCH);
          assertEquals(Instant.EPOCH.plusSeconds(3600), token.expiresAt().orElseThrow());
        } else {
          assertEquals("503", a[0], String.join(" ", a));
          assertEquals("4", a[1], "Retry-After of a 503");
          busy++;
        }
      }
      assertTrue(ok >= 2 && ok <= 3, "logins answered: " + ok);
      assertTrue(server.awaitServed(ok, Duration.ofSeconds(10)));
      ServerTraffic t = server.traffic();
      assertEquals(6, t.totalOffered());
      assertEquals(busy, t.totalRejected());
      assertEquals(ok, t.totalUseful());
      assertEquals(0, t.totalLate());
    }
  }

  @Test
  void aLoginServedAfterItsClientGaveUpIsWastedWork() throws Exception {
    // 4 logins/s: the third of three sent at once is served about 750 ms after it arrived, by which
    // time its client, which waits 300 ms, has gone. The server does the work anyway.
    OkHttpClient impatient = client.newBuilder().readTimeout(Duration.ofMillis(300)).build();
    try (LoginServer server = LoginServer.start(settings(4, 10, Duration.ofMillis(300)))) {
      List<CompletableFuture<String[]>> answers = sendAll(impatient, server, 3);
      int gaveUp = 0;
      for (CompletableFuture<String[]> f : answers) {
        if (f.get(10, TimeUnit.SECONDS)[0].equals("failed")) {
          gaveUp++;
        }
      }
      assertTrue(server.awaitServed(3, Duration.ofSeconds(10)));
      ServerTraffic t = server.traffic();
      assertTrue(gaveUp >= 1, "a client gave up");
      assertEquals(3, t.totalUseful() + t.totalLate());
      assertTrue(t.totalLate() >= 1, "late: " + t.totalLate());
      assertTrue(t.wastedShare() > 0);
    }
  }

  @Test
  void onlyPostLogsIn() throws Exception {
    try (LoginServer server = LoginServer.start(settings(10, 2, Duration.ofSeconds(5)))) {
      try (Response r = client.newCall(new Request.Builder().url(server.loginUri().toString()).build()).execute()) {
        assertEquals(405, r.code());
      }
      assertEquals(0, server.traffic().totalOffered());
    }
  }

  @Test
  void settingsNameTheFlagAndValue() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> settings(0, 1, Duration.ofSeconds(1)));
    assertEquals("--capacity (0.0) must be in (0, 100000]", e.getMessage());
  }
}

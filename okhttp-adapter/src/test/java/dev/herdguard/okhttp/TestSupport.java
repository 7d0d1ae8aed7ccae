package dev.herdguard.okhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.herdguard.HerdGuardConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Response;

/**
 * What the adapter's tests share. They use {@code okhttp3.mockwebserver}, the MockWebServer API
 * that OkHttp 4.12 and 5.x both ship, so that okhttp-adapter-okhttp4 runs them unchanged.
 */
final class TestSupport {

  private TestSupport() {}

  /**
   * Settings whose real waits are milliseconds: no startup delay, backoff 1..5 ms, server hints
   * taken exactly (no spread), and a budget that never runs dry unless a test says so.
   */
  static HerdGuardConfig.Builder fastConfig() {
    return HerdGuardConfig.builder()
        .withStartupMaxDelay(Duration.ZERO)
        .withBackoffBase(Duration.ofMillis(1))
        .withBackoffMax(Duration.ofMillis(5))
        .withRetryMaxAttempts(4)
        .withRetryAfterSpread(0)
        .withRetryBudgetRatio(100)
        .withRetryBudgetMinPerSecond(1000);
  }

  /** A client as a guarded one should be: OkHttp's own silent retries off. */
  static OkHttpClient.Builder clientBuilder() {
    return new OkHttpClient.Builder().retryOnConnectionFailure(false);
  }

  /** Records the waits it is asked for instead of waiting. */
  static final class RecordingSleeper implements CallSleeper {
    final List<Duration> waits = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void sleep(Call call, long nanos) {
      waits.add(Duration.ofNanos(nanos));
    }
  }

  /** Runs {@code call} asynchronously, on the client's dispatcher, as {@code enqueue} users do. */
  static CompletableFuture<Response> enqueue(Call call) {
    CompletableFuture<Response> result = new CompletableFuture<>();
    call.enqueue(new Callback() {
      @Override
      public void onFailure(Call c, IOException e) {
        result.completeExceptionally(e);
      }

      @Override
      public void onResponse(Call c, Response response) {
        result.complete(response);
      }
    });
    return result;
  }

  /**
   * Every connection the client holds is idle: no response was left open, by herdguard or by the
   * test. An unclosed response keeps its connection allocated to its call, so this is the
   * deterministic form of OkHttp's "A connection to ... was leaked" warning, which needs a GC.
   */
  static void assertNoConnectionLeaked(OkHttpClient client) {
    ConnectionPool pool = client.connectionPool();
    assertEquals(pool.connectionCount(), pool.idleConnectionCount(),
        "connections still allocated to a call: a response body was not closed");
    pool.evictAll();
    assertEquals(0, pool.connectionCount());
  }
}

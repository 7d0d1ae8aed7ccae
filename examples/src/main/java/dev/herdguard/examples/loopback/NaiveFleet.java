package dev.herdguard.examples.loopback;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The fleet as apps were written before herdguard: each client logs in as soon as it restarts
 * (it keeps no token), waits at most {@code timeout} for the answer, and after a 503, a timeout or
 * a refused connection tries again after a fixed {@code retry}. It ignores {@code Retry-After}, as
 * OkHttp alone does, and leaves OkHttp's defaults alone otherwise ({@code retryOnConnectionFailure}
 * included). The timeout is the call timeout and, because a burst of call timeouts fires late on
 * this OkHttp (see the constructor), the socket's connect, write and read timeouts too: the
 * herdguard fleet waits exactly as long for each attempt.
 *
 * <p>Its threads: two that time the reboots and retries, and OkHttp's dispatcher threads, one per
 * call in flight ({@code enqueue()}); at most about the server's queue plus what is on the wire.
 *
 * <p>Thread-safe; one run.
 */
final class NaiveFleet implements AutoCloseable {

  private static final MediaType TEXT = MediaType.get("text/plain; charset=utf-8");

  private final OkHttpClient client;
  private final HttpUrl url;
  private final long[] rebootNanos;
  private final long epochNanos;
  private final long retryNanos;
  private final OnlineLog online;
  private final ScheduledThreadPoolExecutor timers;
  private volatile boolean stopped;

  NaiveFleet(SharedHttp http, URI loginUri, Duration timeout, Duration retry, long[] rebootNanos,
      long epochNanos, OnlineLog online) {
    this.client = http.base().newBuilder()
        .callTimeout(timeout)
        // The socket's own timeouts as well: okio 3.16.2 (OkHttp 5.3.0's) orders its call timeouts by
        // their length instead of their deadline (square/okio#1737), so when a thousand calls with the
        // same call timeout start within a second, many time out up to a second late. These do not.
        .connectTimeout(timeout)
        .writeTimeout(timeout)
        .readTimeout(timeout)
        .build();
    this.url = HttpUrl.get(loginUri.toString());
    this.rebootNanos = rebootNanos;
    this.epochNanos = epochNanos;
    this.retryNanos = retry.toNanos();
    this.online = online;
    this.timers = new ScheduledThreadPoolExecutor(2, r -> {
      Thread t = new Thread(r, "naive-fleet-timer");
      t.setDaemon(true);
      return t;
    });
    timers.setRemoveOnCancelPolicy(true);
  }

  /** Every client needs a login: none keeps a token. */
  boolean[] neededLogin() {
    boolean[] all = new boolean[rebootNanos.length];
    Arrays.fill(all, true);
    return all;
  }

  /** Schedules every client's restart. */
  void start() {
    for (int i = 0; i < rebootNanos.length; i++) {
      int client = i;
      long delay = epochNanos + rebootNanos[i] - System.nanoTime();
      timers.schedule(() -> login(client), Math.max(0, delay), TimeUnit.NANOSECONDS);
    }
  }

  private void login(int i) {
    if (stopped) {
      return;
    }
    Request request = new Request.Builder().url(url).post(RequestBody.create("client=" + i, TEXT)).build();
    client.newCall(request).enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException e) {
        retryLater(i);
      }

      @Override
      public void onResponse(Call call, Response response) {
        try (response) {
          if (response.code() == 200) {
            LoginJson.parse(response.body().string(), Instant.now());
            online.online(i);
          } else {
            retryLater(i);
          }
        } catch (IOException e) {
          retryLater(i);
        }
      }
    });
  }

  private void retryLater(int i) {
    if (stopped) {
      return;
    }
    try {
      timers.schedule(() -> login(i), retryNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closing) {
      // The run is over.
    }
  }

  /** Stops every client: no new login, and the calls in flight are canceled by the caller's pool. */
  @Override
  public void close() {
    stopped = true;
    timers.shutdownNow();
    client.dispatcher().cancelAll();
  }
}

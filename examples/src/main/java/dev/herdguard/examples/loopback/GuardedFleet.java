package dev.herdguard.examples.loopback;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.HerdGuardListener;
import dev.herdguard.HostState;
import dev.herdguard.LoginFailedException;
import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import dev.herdguard.okhttp.HerdGuardOkHttp;
import dev.herdguard.okhttp.RetryableRequests;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The fleet with herdguard, each client as its own machine would run it: its own {@link HerdGuard}
 * (its own startup delay, breaker and retry budget), its own {@link TokenCache} kept in its own
 * token file ({@code <dir>/client-N/token}), and its logins made with {@code execute()} on the
 * cache's thread through an OkHttp client that {@link HerdGuardOkHttp} guards, as the README's
 * "OkHttp in one line" does. A client is online when its cache holds a token: at once when the file
 * from an earlier run still holds a valid one (a warm restart sends nothing), otherwise after its
 * startup delay and a login. After a failed login it asks again when the cache's failure backoff
 * allows ({@link LoginFailedException#nextAttemptAt()}), which is what an app that needs the token
 * does.
 *
 * <p><b>Threads.</b> Thousands of clients share one scheduler of {@code threads} threads, given to
 * every guard with {@link HerdGuard.Builder#withScheduler}; {@link HerdGuard#tokenCache} makes it
 * each cache's executor too. It times the reboots, the startup delays ({@link
 * HerdGuard#startupAsync()}, which holds no thread while it waits), the caches' refresh and stale
 * timers and their one-second watchdogs, and it runs the logins. A login blocks its thread for the
 * whole call, including the waits between herdguard's retries, which the interceptor sleeps on the
 * calling thread. That is the trade-off of the size: too few threads and logins queue inside the
 * demo, where the server never sees them, which would flatter herdguard, and timers run late; too
 * many and an idle run still carries them. A run needs logins per second times seconds per login:
 * the default run peaks at about 110 (200 a second, each waiting up to half a second in the
 * server's queue), so 256 leaves room; {@link #peakLogins()} reports what a run used, and the demo
 * warns when it reached the ceiling.
 *
 * <p><b>No startup gate.</b> The clients use {@code withStartupGate(false)} and wait their startup
 * delay with {@link HerdGuard#startupAsync()} before asking for a token. The gate does the same wait
 * inside the call, on the calling thread, which here is a pooled one: 2,000 clients in their
 * startup delay would need 2,000 threads. The delay, drawn from {@code herdguard.startup.*}, is the
 * same either way.
 *
 * <p>Thread-safe; one run.
 */
final class GuardedFleet implements AutoCloseable {

  private static final MediaType TEXT = MediaType.get("text/plain; charset=utf-8");

  private final HerdGuardConfig config;
  private final Path tokenDir;
  private final OkHttpClient loginBase;
  private final HttpUrl url;
  private final long[] rebootNanos;
  private final long epochNanos;
  private final OnlineLog online;
  private final ScheduledThreadPoolExecutor scheduler;
  private final AtomicReferenceArray<TokenCache> caches;
  private final AtomicReferenceArray<HostState> hosts;
  private final AtomicIntegerArray neededLogin;
  private final Events events = new Events();
  private final AtomicInteger loginsRunning = new AtomicInteger();
  private final AtomicInteger peakLogins = new AtomicInteger();
  private final AtomicInteger crashes = new AtomicInteger();
  private volatile String firstCrash;
  private volatile boolean stopped;

  /**
   * @param http the shared pool and dispatcher
   * @param config every client's configuration, apart from its token file
   * @param tokenDir holds each client's token folder; kept between runs, so a second run is warm
   * @param timeout each attempt's connect, write and read timeout: how long a client waits for an
   *     answer before it gives up on that attempt, as the naive fleet's call timeout
   * @param loginCallTimeout bounds a whole login, herdguard's retries included
   * @param threads the shared scheduler's threads
   */
  GuardedFleet(SharedHttp http, URI loginUri, HerdGuardConfig config, Path tokenDir, Duration timeout,
      Duration loginCallTimeout, int threads, long[] rebootNanos, long epochNanos, OnlineLog online) {
    this.config = config;
    this.tokenDir = tokenDir;
    // herdguard decides every resend: OkHttp's silent retry of a failed connection would bypass it.
    this.loginBase = http.base().newBuilder()
        .retryOnConnectionFailure(false)
        .connectTimeout(timeout)
        .writeTimeout(timeout)
        .readTimeout(timeout)
        .callTimeout(loginCallTimeout)
        .build();
    this.url = HttpUrl.get(loginUri.toString());
    this.rebootNanos = rebootNanos;
    this.epochNanos = epochNanos;
    this.online = online;
    AtomicInteger count = new AtomicInteger();
    this.scheduler = new ScheduledThreadPoolExecutor(threads, r -> {
      Thread t = new Thread(r, "herdguard-fleet-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    scheduler.setRemoveOnCancelPolicy(true);
    this.caches = new AtomicReferenceArray<>(rebootNanos.length);
    this.hosts = new AtomicReferenceArray<>(rebootNanos.length);
    this.neededLogin = new AtomicIntegerArray(rebootNanos.length);
  }

  /** Schedules every client's restart. */
  void start() {
    for (int i = 0; i < rebootNanos.length; i++) {
      int client = i;
      long delay = epochNanos + rebootNanos[i] - System.nanoTime();
      scheduler.schedule(() -> reboot(client), Math.max(0, delay), TimeUnit.NANOSECONDS);
    }
  }

  /** What a restarted client does: build its guard and cache, and use the stored token or log in. */
  private void reboot(int i) {
    if (stopped) {
      return;
    }
    try {
      start(i);
    } catch (RuntimeException e) {
      // A scheduled task's exception would vanish into its future: count it, show the first.
      if (crashes.getAndIncrement() == 0) {
        firstCrash = "client " + i + ": " + e;
      }
    }
  }

  private void start(int i) {
    HerdGuardConfig own = config.toBuilder()
        .withTokenFile(tokenDir.resolve("client-" + i).resolve("token"))
        .build();
    HerdGuard guard = HerdGuard.builder(own).withScheduler(scheduler).withListener(events).build();
    OkHttpClient http = HerdGuardOkHttp.with(guard)
        .withStartupGate(false)          // waited below with startupAsync(), holding no thread
        .withOperationName("login")      // herdguard.operations.login.* applies
        .install(loginBase.newBuilder())
        // Below herdguard's interceptor, so it sees each attempt's own timeout (longer once the
        // host's requests have timed out): declared to the demo server, which counts waste by it.
        .addInterceptor(chain -> chain.proceed(chain.request().newBuilder()
            .header(LoginServer.TIMEOUT_HEADER, Integer.toString(chain.readTimeoutMillis())).build()))
        .build();
    TokenCache cache = guard.tokenCache(previous -> login(http, i));
    caches.set(i, cache);
    hosts.set(i, guard.host(url.host()));
    if (cache.peek().isPresent()) {
      online.online(i); // the token file from the last run still holds a valid token: no login
      return;
    }
    neededLogin.set(i, 1);
    guard.startupAsync().thenRun(() -> fetch(i));
  }

  /** Asks the cache for the token; after a failure, again when the cache's backoff allows. */
  private void fetch(int i) {
    if (stopped) {
      return;
    }
    // While the login server's host is backing off, wait here, on no thread, rather than inside the
    // login call, where the interceptor would hold a pooled thread asleep for the host's wait: what
    // an app with a thread to spare per login need not do, and a demo of 6,000 clients must.
    Duration hostWait = hosts.get(i).remainingWait();
    if (!hostWait.isZero()) {
      try {
        scheduler.schedule(() -> fetch(i), hostWait.toNanos() + 1_000_000, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException closing) {
        // The run is over.
      }
      return;
    }
    caches.get(i).getAsync().whenComplete((token, failure) -> {
      if (failure == null) {
        online.online(i);
        return;
      }
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      if (stopped || !(cause instanceof LoginFailedException)) {
        return; // the run is over (the cache was closed)
      }
      Instant next = ((LoginFailedException) cause).nextAttemptAt();
      long wait = Math.max(0, Duration.between(Instant.now(), next).toNanos()) + 1_000_000;
      try {
        scheduler.schedule(() -> fetch(i), wait, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException closing) {
        // The run is over.
      }
    });
  }

  /** The cache's login function: one guarded call, on the cache's (the shared scheduler's) thread. */
  private Token login(OkHttpClient http, int i) throws IOException {
    int running = loginsRunning.incrementAndGet();
    peakLogins.accumulateAndGet(running, Math::max);
    Request request = new Request.Builder()
        .url(url)
        .post(RequestBody.create("client=" + i, TEXT))
        // A second login only issues a second token: safe to repeat, so herdguard may retry it.
        .tag(RetryableRequests.Marker.class, RetryableRequests.TAG)
        .build();
    try (Response r = http.newCall(request).execute()) {
      if (r.code() != 200) {
        throw new IOException("login: HTTP " + r.code());
      }
      return LoginJson.parse(r.body().string(), Instant.now());
    } finally {
      loginsRunning.decrementAndGet();
    }
  }

  /** Which clients found no valid token at their restart and had to log in. */
  boolean[] neededLogin() {
    boolean[] out = new boolean[neededLogin.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = neededLogin.get(i) != 0;
    }
    return out;
  }

  /** The most logins that ran at once on the shared scheduler's threads. */
  int peakLogins() {
    return peakLogins.get();
  }

  /** Clients that could not even start (their guard or cache threw), and the first such failure; empty if none. */
  String crashes() {
    int n = crashes.get();
    return n == 0 ? "" : n + " clients failed to start, first " + firstCrash;
  }

  /** herdguard's events over the whole fleet. */
  Events events() {
    return events;
  }

  /** Stops every client: closes the caches (the token files stay) and the shared scheduler. */
  @Override
  public void close() {
    stopped = true;
    // The scheduler first: no client restarts or logs in after this, so every cache is known below.
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (int i = 0; i < caches.length(); i++) {
      TokenCache cache = caches.get(i);
      if (cache != null) {
        cache.close();
      }
    }
  }

  /** Counts herdguard's events across the fleet, for the lines under the table. Thread-safe. */
  static final class Events implements HerdGuardListener {
    final LongAdder retries = new LongAdder();
    final LongAdder breakerOpened = new LongAdder();
    final LongAdder breakerRejected = new LongAdder();
    final LongAdder budgetExhausted = new LongAdder();
    final LongAdder loginsFailed = new LongAdder();

    @Override
    public void onRetry(String operation, int attempt, Duration delay, Throwable cause) {
      retries.increment();
    }

    @Override
    public void onBreakerStateChange(String breaker, CircuitBreaker.State from, CircuitBreaker.State to) {
      if (to == CircuitBreaker.State.OPEN) {
        breakerOpened.increment();
      }
    }

    @Override
    public void onBreakerRejected(String breaker) {
      breakerRejected.increment();
    }

    @Override
    public void onBudgetExhausted(String host) {
      budgetExhausted.increment();
    }

    @Override
    public void onLoginFailed(Throwable cause, Duration retryIn) {
      loginsFailed.increment();
    }
  }
}

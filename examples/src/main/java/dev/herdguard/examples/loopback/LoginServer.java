package dev.herdguard.examples.loopback;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A login server on 127.0.0.1 with a fixed capacity, built to fail the way real ones do when a
 * fleet restarts at once: {@code POST /login} answers {@code 200} with a token after waiting its
 * turn, or {@code 503} with {@code Retry-After} at once when its queue is full.
 *
 * <p>The one idea: one worker thread serves the queue in arrival order and spends exactly {@code
 * 1/capacity} of a second on each login, paced against the clock, so the server does {@code
 * capacity} logins a second whatever the machine's speed, and a request that arrives behind
 * {@code n} others is served {@code n/capacity} seconds later. A request whose client has given up
 * by then (more than {@code clientTimeout} after it arrived, or its connection is gone when the
 * answer is written) is served all the same, because the server cannot know: that work is wasted.
 * Once the queue holds more than {@code capacity · clientTimeout} requests, every login served is
 * wasted, and clients that keep the queue full keep the server's goodput at zero. The handler
 * threads only enqueue and never wait, so thousands of waiting requests hold no thread: the worker
 * completes each exchange itself.
 *
 * <p>A 503 costs the worker {@code rejectCost} of a login, charged before its next login. Bodies
 * are the smallest JSON that a login needs: {@code {"access_token":"…","expires_in":3600}}.
 *
 * <p>Thread-safe. {@link #close()} stops it and drops the requests still queued.
 */
public final class LoginServer implements AutoCloseable {

  /** The path that logs in. */
  public static final String PATH = "/login";

  /** The lifetime of every token the server issues, in seconds. */
  public static final long TOKEN_SECONDS = 3600;

  private static final byte[] BUSY = "{\"error\":\"busy\"}".getBytes(StandardCharsets.US_ASCII);
  private static final AtomicInteger SERVERS = new AtomicInteger();

  /**
   * The server's settings.
   *
   * @param capacity logins per second
   * @param queueLimit most requests waiting for the worker; one more gets a 503
   * @param clientTimeout how long clients wait for an answer; a login served later is wasted
   * @param retryAfter the hint sent with a 503, in whole seconds, or null for none
   * @param rejectCost the worker's work for a 503, as a fraction of a login's
   * @param horizon how long the traffic is recorded
   */
  public record Settings(
      double capacity, int queueLimit, Duration clientTimeout, Duration retryAfter, double rejectCost,
      Duration horizon) {

    /** Checks the values; messages name the demo's flags. */
    public Settings {
      Objects.requireNonNull(clientTimeout, "clientTimeout");
      Objects.requireNonNull(horizon, "horizon");
      if (!(capacity > 0 && capacity <= 100_000)) {
        throw new IllegalArgumentException("--capacity (" + capacity + ") must be in (0, 100000]");
      }
      if (queueLimit < 1) {
        throw new IllegalArgumentException("--queue (" + queueLimit + " requests) must be >= 1");
      }
      if (clientTimeout.isNegative() || clientTimeout.isZero()) {
        throw new IllegalArgumentException("--timeout (" + clientTimeout + ") must be > 0");
      }
      if (retryAfter != null && (retryAfter.isNegative() || retryAfter.getNano() != 0)) {
        throw new IllegalArgumentException("--retry-after (" + retryAfter + ") must be whole seconds >= 0");
      }
      if (!(rejectCost >= 0 && rejectCost <= 1)) {
        throw new IllegalArgumentException("reject cost (" + rejectCost + ") must be in [0, 1]");
      }
      if (horizon.isNegative() || horizon.isZero()) {
        throw new IllegalArgumentException("horizon (" + horizon + ") must be > 0");
      }
    }
  }

  /** A login waiting for the worker. */
  /**
   * A request waiting for the worker, and how long its client said it would wait for it. Not a
   * header real clients send: the demo's clients declare their timeout so that the server can
   * count a login served later as wasted, which it cannot see from the socket, and a client whose
   * patience has grown is judged by its own timeout, not the fleet's usual one.
   */
  private record Pending(HttpExchange exchange, long arrivalNanos, long timeoutNanos) {}

  /** The header a demo client declares its timeout in, in milliseconds: see {@link Pending}. */
  public static final String TIMEOUT_HEADER = "X-Demo-Client-Timeout-Ms";

  private final Settings settings;
  private final HttpServer http;
  private final ExecutorService handlers;
  private final Thread worker;
  private final ArrayBlockingQueue<Pending> queue;
  private final ServerTraffic traffic;
  private final long workNanos;
  private final long timeoutNanos;
  private final String retryAfterHeader;
  /** Work owed for 503s, in nanoseconds, paid by the worker before its next login. */
  private final AtomicLong rejectDebt = new AtomicLong();
  private final AtomicLong tokens = new AtomicLong();
  /** One permit per login served, for tests that wait for the worker instead of sleeping. */
  private final Semaphore served = new Semaphore(0);
  private volatile boolean closed;

  private LoginServer(Settings settings) throws IOException {
    this.settings = settings;
    this.queue = new ArrayBlockingQueue<>(settings.queueLimit());
    this.workNanos = Math.round(1e9 / settings.capacity());
    this.timeoutNanos = settings.clientTimeout().toNanos();
    this.retryAfterHeader = settings.retryAfter() == null ? null
        : Long.toString(settings.retryAfter().toSeconds());
    int n = SERVERS.incrementAndGet();
    // A backlog as deep as the kernel allows (somaxconn caps it): a fleet connects all at once.
    this.http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
    // Handlers only read a small body and enqueue, so two threads keep up with any fleet here.
    this.handlers = Executors.newFixedThreadPool(2, r -> daemon(r, "login-server-" + n + "-http"));
    http.setExecutor(handlers);
    http.createContext(PATH, this::handle);
    this.traffic = new ServerTraffic(System.nanoTime(), (int) Math.min(Integer.MAX_VALUE,
        Math.max(1, settings.horizon().toSeconds())), settings.capacity(), settings.rejectCost());
    this.worker = daemon(this::work, "login-server-" + n + "-worker");
  }

  /**
   * Starts a server on 127.0.0.1 at a free port. Its traffic is counted from now.
   *
   * @throws IOException if the server socket cannot be opened
   */
  public static LoginServer start(Settings settings) throws IOException {
    LoginServer server = new LoginServer(Objects.requireNonNull(settings, "settings"));
    server.worker.start();
    server.http.start();
    return server;
  }

  /** Where to log in: {@code http://127.0.0.1:<port>/login}. */
  public URI loginUri() {
    InetSocketAddress a = http.getAddress();
    return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + PATH);
  }

  /** The settings. */
  public Settings settings() {
    return settings;
  }

  /** What the server has seen so far. */
  public ServerTraffic traffic() {
    return traffic;
  }

  /** Requests waiting for the worker now. */
  public int queued() {
    return queue.size();
  }

  /**
   * Waits until the worker has served {@code logins} more logins (answered or wasted) than earlier
   * calls waited for, for at most {@code max}.
   *
   * @return whether it has
   * @throws InterruptedException if interrupted while waiting
   */
  boolean awaitServed(int logins, Duration max) throws InterruptedException {
    return served.tryAcquire(logins, max.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void handle(HttpExchange exchange) throws IOException {
    long now = System.nanoTime();
    if (!"POST".equals(exchange.getRequestMethod())) {
      exchange.getResponseHeaders().set("Allow", "POST");
      respond(exchange, 405, null, null);
      return;
    }
    exchange.getRequestBody().readAllBytes(); // small; read so the connection can carry the next request
    traffic.offered(now);
    if (closed || !queue.offer(new Pending(exchange, now, declaredTimeout(exchange)))) {
      traffic.rejected(now);
      rejectDebt.addAndGet(Math.round(workNanos * settings.rejectCost()));
      respond(exchange, 503, BUSY, retryAfterHeader);
    }
    // Otherwise the worker owns the exchange now and completes it; this thread is free at once.
  }

  private long declaredTimeout(HttpExchange exchange) {
    String declared = exchange.getRequestHeaders().getFirst(TIMEOUT_HEADER);
    if (declared != null) {
      try {
        long ms = Long.parseLong(declared);
        if (ms > 0) {
          return TimeUnit.MILLISECONDS.toNanos(ms);
        }
      } catch (NumberFormatException ignored) {
        // not a number: the usual timeout
      }
    }
    return timeoutNanos;
  }

  private void work() {
    long free = System.nanoTime();
    while (true) {
      Pending p;
      try {
        p = queue.take();
      } catch (InterruptedException stop) {
        return;
      }
      free = Math.max(free, System.nanoTime()) + workNanos + rejectDebt.getAndSet(0);
      for (long left = free - System.nanoTime(); left > 0; left = free - System.nanoTime()) {
        LockSupport.parkNanos(left);
        if (closed) {
          abandon(p);
          return;
        }
      }
      boolean waited = free - p.arrivalNanos() <= p.timeoutNanos();
      // A client that gave up is told nothing: its connection may be closed, or its answer lands in a
      // socket nobody reads. Either way it counts as wasted.
      boolean delivered = respond(p.exchange(), 200, tokenBody(), null);
      traffic.served(free, waited && delivered);
      served.release();
    }
  }

  private byte[] tokenBody() {
    String value = "tok-" + tokens.incrementAndGet() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    return LoginJson.body(value, TOKEN_SECONDS).getBytes(StandardCharsets.US_ASCII);
  }

  /** Sends a whole response and closes the exchange; false if the client was gone. */
  private static boolean respond(HttpExchange exchange, int status, byte[] body, String retryAfter) {
    try {
      if (body != null) {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
      }
      if (retryAfter != null) {
        exchange.getResponseHeaders().set("Retry-After", retryAfter);
      }
      exchange.sendResponseHeaders(status, body == null ? -1 : body.length);
      if (body != null) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
      return true;
    } catch (IOException | RuntimeException gone) {
      return false;
    } finally {
      exchange.close();
    }
  }

  private static void abandon(Pending p) {
    try {
      p.exchange().close();
    } catch (RuntimeException ignored) {
      // Closing is best effort: the server is stopping.
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Stops accepting, stops the worker, and closes the connections of requests still queued. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    worker.interrupt();
    http.stop(0);
    List<Pending> left = new ArrayList<>();
    queue.drainTo(left);
    left.forEach(LoginServer::abandon);
    handlers.shutdownNow();
    try {
      worker.join(TimeUnit.SECONDS.toMillis(5));
      handlers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return String.format("LoginServer[%s, %s logins/s, queue %d]", loginUri(), settings.capacity(),
        settings.queueLimit());
  }
}

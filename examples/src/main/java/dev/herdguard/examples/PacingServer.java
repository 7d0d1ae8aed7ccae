package dev.herdguard.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What your server can do: pace the fleet. A server that knows its capacity and how long its
 * clients wait can turn away, at once, every request that would wait in its queue longer than that
 * (the client would give up on it, and the work would be wasted), and hand each one it turns away a
 * slot of its own in a {@code Retry-After}: the first gets "come back in 1 s", the next a slot
 * {@code 1/capacity} later, and so on, so that the returns arrive at the server's capacity. herdguard
 * honours the hint for every call to the host, spread over {@code [h, 1.2h]}, which smooths the
 * returns without undoing the pacing. In the fleet simulator a pacing server gets a bunched fleet of
 * 100,000 online within 1.03 times the ideal, with under 1% of its work wasted
 * ({@code bin/demo bunched-reboot --server pacing}).
 *
 * <p>{@link Pacer} is the whole idea and has no dependency; {@link #main} puts it in front of a
 * handler on the JDK's {@code HttpServer}. Thread-safe.
 */
public final class PacingServer {

  private PacingServer() {}

  /**
   * Decides, for each request, whether it may join the queue or gets a 503 with its own slot.
   * Thread-safe: one lock, held for a few arithmetic operations.
   */
  public static final class Pacer {
    private final double capacityPerSecond;
    private final long clientTimeoutNanos;
    private final LongSupplier nanoTime;
    /** When the work admitted so far will be done, on {@link #nanoTime}. */
    private long drainedAtNanos;
    /** The next slot handed out, on {@link #nanoTime}. */
    private long nextSlotNanos;

    /**
     * @param capacityPerSecond requests the server completes per second
     * @param clientTimeoutSeconds how long clients wait for an answer
     * @param nanoTime a monotonic clock, {@code System::nanoTime} in production
     */
    public Pacer(double capacityPerSecond, long clientTimeoutSeconds, LongSupplier nanoTime) {
      if (!(capacityPerSecond > 0)) {
        throw new IllegalArgumentException("capacityPerSecond (" + capacityPerSecond + ") must be > 0");
      }
      if (clientTimeoutSeconds < 1) {
        throw new IllegalArgumentException("clientTimeoutSeconds (" + clientTimeoutSeconds + ") must be >= 1");
      }
      this.capacityPerSecond = capacityPerSecond;
      this.clientTimeoutNanos = TimeUnit.SECONDS.toNanos(clientTimeoutSeconds);
      this.nanoTime = nanoTime;
      long now = nanoTime.getAsLong();
      this.drainedAtNanos = now;
      this.nextSlotNanos = now;
    }

    /**
     * Admits the request (returns 0), or turns it away with the whole seconds it should wait: its
     * own slot, so that the clients turned away return at the server's capacity.
     */
    public synchronized long admitOrRetryAfterSeconds() {
      long now = nanoTime.getAsLong();
      long perRequest = (long) (1e9 / capacityPerSecond);
      long drained = Math.max(drainedAtNanos, now);
      if (drained + perRequest - now <= clientTimeoutNanos) {
        drainedAtNanos = drained + perRequest; // it will be served while its client still waits
        return 0;
      }
      // Back when the queue has room for it again, behind every client already handed a slot.
      nextSlotNanos = Math.max(nextSlotNanos, drained - clientTimeoutNanos) + perRequest;
      return Math.max(1, (nextSlotNanos - now + 999_999_999L) / 1_000_000_000L);
    }
  }

  /** A login endpoint on 127.0.0.1 paced at {@code --capacity} a second; for trying with curl. */
  public static void main(String[] args) throws IOException {
    Pacer pacer = new Pacer(200, 5, System::nanoTime);
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/login", exchange -> {
      long retryAfter = pacer.admitOrRetryAfterSeconds();
      if (retryAfter > 0) {
        exchange.getResponseHeaders().set("Retry-After", Long.toString(retryAfter));
        respond(exchange, 503, "{\"error\":\"busy\"}");
      } else {
        respond(exchange, 200, "{\"access_token\":\"example\",\"expires_in\":3600}");
      }
    });
    server.start();
    System.out.println("pacing login server on http://127.0.0.1:" + server.getAddress().getPort() + "/login");
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}

package dev.herdguard.examples.loopback;

import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * The one OkHttp connection pool and dispatcher that every client of a run shares, as OkHttp
 * advises: each client gets its own {@link OkHttpClient} from {@link #base()}{@code .newBuilder()},
 * with its own interceptors and timeouts, over these.
 *
 * <p>On one machine a fleet of thousands must not cost a thread or two per client. OkHttp's I/O is
 * blocking, so a call in flight holds a thread while it waits for the server: {@code execute()}
 * holds its caller's, and {@code enqueue()} one of the dispatcher's. The dispatcher's limits are
 * raised to the fleet's size, because its defaults (64 calls, 5 per host) would queue the fleet
 * inside the client, where the server never sees it, and the demo would measure OkHttp's queue
 * instead of the server's. Its threads are daemons and stop with {@link #close()}, so a run leaves
 * nothing behind.
 *
 * <p>Thread-safe.
 */
final class SharedHttp implements AutoCloseable {

  private static final AtomicInteger POOLS = new AtomicInteger();

  private final ThreadPoolExecutor callThreads;
  private final OkHttpClient base;

  SharedHttp(int clients) {
    int n = POOLS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    ThreadFactory daemons = r -> {
      Thread t = new Thread(r, "loopback-http-" + n + "-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    // OkHttp's own default, with daemon threads: as many as calls in flight, idle ones let go.
    this.callThreads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS,
        new SynchronousQueue<>(), daemons);
    Dispatcher dispatcher = new Dispatcher(callThreads);
    int limit = Math.max(64, 2 * clients);
    dispatcher.setMaxRequests(limit);
    dispatcher.setMaxRequestsPerHost(limit);
    this.base = new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(Math.max(5, clients), 1, TimeUnit.MINUTES))
        .build();
  }

  /** The client every other is made from; never used for calls itself. */
  OkHttpClient base() {
    return base;
  }

  /** Threads that run {@code enqueue()}d calls now. */
  int callThreads() {
    return callThreads.getPoolSize();
  }

  /** Cancels every call in flight, closes every connection, stops the dispatcher's threads. */
  @Override
  public void close() {
    base.dispatcher().cancelAll();
    base.connectionPool().evictAll();
    callThreads.shutdownNow();
  }
}

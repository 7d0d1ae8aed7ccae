package dev.herdguard.benchmarks;

import dev.failsafe.CircuitBreaker;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import dev.failsafe.okhttp.FailsafeCall;
import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.okhttp.HerdGuardOkHttp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import javax.net.ServerSocketFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One GET to a MockWebServer on loopback, answered 200 with a two-byte body, read and closed: the
 * latency herdguard's OkHttp adapter adds to a real call. Measured as a distribution
 * ({@code SampleTime}); compare the medians.
 *
 * <ul>
 *   <li>{@code baseline}: a bare {@code OkHttpClient};
 *   <li>{@code herdguard}: the same client with {@code HerdGuardOkHttp.install} (the retry
 *       interceptor: breaker per host, retry budget; the startup gate off, as the delay is 0);
 *   <li>{@code failsafe}: the bare client's call wrapped in Failsafe's {@code FailsafeCall} with
 *       {@code RetryPolicy} and {@code CircuitBreaker} defaults.
 * </ul>
 *
 * <p>All three clients share one connection pool and dispatcher (built from one base client), and
 * one server; the server answers every request from a dispatcher, so nothing has to be enqueued.
 * Loopback latency is noisy (the server, the client and the JIT share two cores): read the
 * difference of medians against the error, not alone.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar OkHttpBenchmark -t 1 -prof gc}
 * (and {@code -t 2}).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
@State(Scope.Benchmark)
public class OkHttpBenchmark {

  private MockWebServer server;
  private HerdGuard guard;
  private Request request;
  private OkHttpClient bare;
  private OkHttpClient herdguard;
  private FailsafeExecutor<Response> failsafe;

  @Setup
  public void setUp() throws IOException {
    MockResponse ok = new MockResponse.Builder().code(200).body("ok").build();
    server = new MockWebServer();
    server.setServerSocketFactory(new NoDelayServerSocketFactory());
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest recorded) {
        return ok;
      }
    });
    server.start(InetAddress.getLoopbackAddress(), 0);
    request = new Request.Builder().url(server.url("/v1/updates")).build();
    bare = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
    guard = HerdGuard.create(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO).build());
    herdguard = HerdGuardOkHttp.install(bare.newBuilder(), guard).build();
    failsafe = Failsafe.with(RetryPolicy.<Response>ofDefaults(), CircuitBreaker.<Response>ofDefaults());
    for (int i = 0; i < 3; i++) {
      if (!"ok".equals(baseline()) || !"ok".equals(herdguard()) || !"ok".equals(failsafe())) {
        throw new IllegalStateException("the server did not answer ok");
      }
    }
  }

  /** MockWebServer keeps every request it saw: drop them, so the heap does not grow with the run. */
  @TearDown(Level.Iteration)
  public void drainRecordedRequests() throws InterruptedException {
    while (server.takeRequest(0, TimeUnit.NANOSECONDS) != null) {
      // dropped
    }
  }

  @TearDown
  public void tearDown() {
    guard.close();
    server.close();
    bare.dispatcher().executorService().shutdown();
    bare.connectionPool().evictAll();
  }

  /**
   * Server sockets whose connections send at once. MockWebServer writes a response's head and body
   * separately; with Nagle's algorithm on, the body waits for the client's delayed ACK, and every
   * request would take about 40 ms of nothing on Linux loopback.
   */
  private static final class NoDelayServerSocketFactory extends ServerSocketFactory {
    @Override
    public ServerSocket createServerSocket() throws IOException {
      return new ServerSocket() {
        @Override
        public Socket accept() throws IOException {
          Socket socket = super.accept();
          socket.setTcpNoDelay(true);
          return socket;
        }
      };
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
      throw new UnsupportedOperationException();
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
      throw new UnsupportedOperationException();
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
      throw new UnsupportedOperationException();
    }
  }

  /** Floor: the bare client. */
  @Benchmark
  public String baseline() throws IOException {
    try (Response response = bare.newCall(request).execute()) {
      return response.body().string();
    }
  }

  @Benchmark
  public String herdguard() throws IOException {
    try (Response response = herdguard.newCall(request).execute()) {
      return response.body().string();
    }
  }

  @Benchmark
  public String failsafe() throws IOException {
    try (Response response = FailsafeCall.with(failsafe).compose(bare.newCall(request)).execute()) {
      return response.body().string();
    }
  }
}

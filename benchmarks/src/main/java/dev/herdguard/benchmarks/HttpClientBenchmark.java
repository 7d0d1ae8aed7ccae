package dev.herdguard.benchmarks;

import com.sun.net.httpserver.HttpServer;
import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.httpclient.HerdGuardHttpClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One GET to the JDK's {@code HttpServer} on loopback, answered 200 with a two-byte body: the
 * latency herdguard's JDK HttpClient adapter adds to a real call, beside {@link OkHttpBenchmark}.
 * Measured as a distribution ({@code SampleTime}); compare the medians.
 *
 * <ul>
 *   <li>{@code baseline}: a bare {@code HttpClient} (HTTP/1.1, so no h2c upgrade is offered);
 *   <li>{@code herdguard}: the same client wrapped by {@code HerdGuardHttpClient.create} (breaker
 *       per host, retry budget; the startup gate open, as the delay is 0);
 *   <li>{@code baselineAsync}, {@code herdguardAsync}: the same with {@code sendAsync(...).join()}.
 * </ul>
 *
 * <p>Both share one client, hence one connection pool, and one server. The server's connections
 * send at once ({@code sun.net.httpserver.nodelay}): without it, the body waits for the client's
 * delayed ACK, about 40 ms a request on Linux loopback. Loopback latency is noisy (server, client
 * and JIT share the cores): read the difference of medians against the error, not alone.
 * {@link HttpClientOverheadBenchmark} shows the adapter's own cost without the network.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar HttpClientBenchmark -t 1 -prof gc}
 * (and {@code -t 2}).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = "-Dsun.net.httpserver.nodelay=true")
@State(Scope.Benchmark)
public class HttpClientBenchmark {

  private static final byte[] OK = "ok".getBytes(StandardCharsets.UTF_8);

  private HttpServer server;
  private ExecutorService serverThreads;
  private HerdGuard guard;
  private HttpRequest request;
  private HttpClient bare;
  private HttpClient herdguard;

  @Setup
  public void setUp() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/updates", exchange -> {
      exchange.sendResponseHeaders(200, OK.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(OK);
      }
    });
    serverThreads = Executors.newFixedThreadPool(2);
    server.setExecutor(serverThreads);
    server.start();
    request = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/updates")).build();
    bare = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    guard = HerdGuard.create(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO).build());
    herdguard = HerdGuardHttpClient.create(bare, guard);
    for (int i = 0; i < 3; i++) {
      if (!"ok".equals(baseline()) || !"ok".equals(herdguard())
          || !"ok".equals(baselineAsync()) || !"ok".equals(herdguardAsync())) {
        throw new IllegalStateException("the server did not answer ok");
      }
    }
  }

  @TearDown
  public void tearDown() {
    guard.close();
    server.stop(0);
    serverThreads.shutdownNow();
  }

  /** Floor: the bare client. */
  @Benchmark
  public String baseline() throws IOException, InterruptedException {
    return bare.send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  @Benchmark
  public String herdguard() throws IOException, InterruptedException {
    return herdguard.send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  @Benchmark
  public String baselineAsync() {
    return bare.sendAsync(request, HttpResponse.BodyHandlers.ofString()).join().body();
  }

  @Benchmark
  public String herdguardAsync() {
    return herdguard.sendAsync(request, HttpResponse.BodyHandlers.ofString()).join().body();
  }
}

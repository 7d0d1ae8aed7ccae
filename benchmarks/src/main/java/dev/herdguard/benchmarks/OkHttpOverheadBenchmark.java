package dev.herdguard.benchmarks;

import dev.failsafe.CircuitBreaker;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import dev.failsafe.okhttp.FailsafeCall;
import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.okhttp.HerdGuardOkHttp;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
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
 * The OkHttp adapter's own cost, without the network: the same three clients as {@link
 * OkHttpBenchmark}, but the last application interceptor answers 200 at once, so a call is OkHttp's
 * {@code execute()} plus whatever sits in front of that interceptor. The difference from {@code
 * baseline} is what herdguard (or Failsafe) adds to every call; on loopback that difference drowns
 * in the network's noise, here it stands alone.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar OkHttpOverheadBenchmark -t 1 -prof gc}
 * (and {@code -t 2}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class OkHttpOverheadBenchmark {

  private static final MediaType TEXT = MediaType.parse("text/plain");

  /** Answers every request with 200 "ok", as the server would. */
  private static final Interceptor ANSWER = chain -> new Response.Builder()
      .request(chain.request())
      .protocol(Protocol.HTTP_1_1)
      .code(200)
      .message("OK")
      .body(ResponseBody.create("ok", TEXT))
      .build();

  private HerdGuard guard;
  private Request request;
  private OkHttpClient bare;
  private OkHttpClient herdguard;
  private FailsafeExecutor<Response> failsafe;

  @Setup
  public void setUp() throws IOException {
    request = new Request.Builder().url("http://api.example.com/v1/updates").build();
    OkHttpClient base = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();
    bare = base.newBuilder().addInterceptor(ANSWER).build();
    guard = HerdGuard.create(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO).build());
    herdguard = HerdGuardOkHttp.install(base.newBuilder(), guard).addInterceptor(ANSWER).build();
    failsafe = Failsafe.with(RetryPolicy.<Response>ofDefaults(), CircuitBreaker.<Response>ofDefaults());
    if (!"ok".equals(baseline()) || !"ok".equals(herdguard()) || !"ok".equals(failsafe())) {
      throw new IllegalStateException("the answering interceptor did not answer ok");
    }
  }

  @TearDown
  public void tearDown() {
    guard.close();
    bare.dispatcher().executorService().shutdown();
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

package dev.herdguard.benchmarks;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.httpclient.HerdGuardHttpClient;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
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
 * The JDK HttpClient adapter's own cost, without the network. The JDK's client cannot be answered
 * in memory from the inside (it has no interceptors), but {@link HerdGuardHttpClient} wraps any
 * {@link HttpClient}: here it wraps {@link Answering}, a client that answers 200 "ok" at once
 * through the caller's {@link HttpResponse.BodyHandler}. {@code baseline} calls that client
 * directly; the difference is what herdguard adds to every call (the breaker, the budget, the
 * per-host lookup, the body handler it puts in front of the caller's), for {@code send} and {@code
 * sendAsync}. {@link HttpClientBenchmark} is the same on loopback through the real JDK client.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar HttpClientOverheadBenchmark -t 1 -prof gc}
 * (and {@code -t 2}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class HttpClientOverheadBenchmark {

  private HerdGuard guard;
  private HttpRequest request;
  private HttpClient bare;
  private HttpClient herdguard;

  @Setup
  public void setUp() throws Exception {
    request = HttpRequest.newBuilder(URI.create("http://api.example.com/v1/updates")).build();
    bare = new Answering();
    guard = HerdGuard.create(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO).build());
    herdguard = HerdGuardHttpClient.create(bare, guard);
    if (!"ok".equals(baseline()) || !"ok".equals(herdguard())
        || !"ok".equals(baselineAsync()) || !"ok".equals(herdguardAsync())) {
      throw new IllegalStateException("the answering client did not answer ok");
    }
  }

  @TearDown
  public void tearDown() {
    guard.close();
  }

  /** Floor: the answering client itself. */
  @Benchmark
  public String baseline() throws IOException, InterruptedException {
    return bare.send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  @Benchmark
  public String herdguard() throws IOException, InterruptedException {
    return herdguard.send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  /** Floor of the async form. */
  @Benchmark
  public String baselineAsync() {
    return bare.sendAsync(request, HttpResponse.BodyHandlers.ofString()).join().body();
  }

  @Benchmark
  public String herdguardAsync() {
    return herdguard.sendAsync(request, HttpResponse.BodyHandlers.ofString()).join().body();
  }

  /**
   * An {@link HttpClient} that answers every request 200 "ok" in memory, pushing the body through
   * the caller's handler as the JDK does: a subscriber, one buffer, completion.
   */
  static final class Answering extends HttpClient {
    private static final byte[] OK = "ok".getBytes(StandardCharsets.UTF_8);
    private static final HttpHeaders HEADERS =
        HttpHeaders.of(Map.of("content-length", List.of("2")), (name, value) -> true);

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
      return sendAsync(request, handler).join();
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
        HttpResponse.BodyHandler<T> handler) {
      HttpResponse.BodySubscriber<T> subscriber = handler.apply(new HttpResponse.ResponseInfo() {
        @Override
        public int statusCode() {
          return 200;
        }

        @Override
        public HttpHeaders headers() {
          return HEADERS;
        }

        @Override
        public Version version() {
          return Version.HTTP_1_1;
        }
      });
      subscriber.onSubscribe(new Flow.Subscription() {
        private boolean done;

        @Override
        public void request(long n) {
          if (!done) {
            done = true;
            subscriber.onNext(List.of(ByteBuffer.wrap(OK)));
            subscriber.onComplete();
          }
        }

        @Override
        public void cancel() {
          done = true;
        }
      });
      return subscriber.getBody().toCompletableFuture().thenApply(body -> new Answer<>(request, body));
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
        HttpResponse.BodyHandler<T> handler, HttpResponse.PushPromiseHandler<T> push) {
      return sendAsync(request, handler);
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
      return Optional.empty();
    }

    @Override
    public Optional<Duration> connectTimeout() {
      return Optional.empty();
    }

    @Override
    public Redirect followRedirects() {
      return Redirect.NEVER;
    }

    @Override
    public Optional<ProxySelector> proxy() {
      return Optional.empty();
    }

    @Override
    public SSLContext sslContext() {
      throw new UnsupportedOperationException("in memory: no TLS");
    }

    @Override
    public SSLParameters sslParameters() {
      throw new UnsupportedOperationException("in memory: no TLS");
    }

    @Override
    public Optional<Authenticator> authenticator() {
      return Optional.empty();
    }

    @Override
    public Version version() {
      return Version.HTTP_1_1;
    }

    @Override
    public Optional<Executor> executor() {
      return Optional.empty();
    }

    private static final class Answer<T> implements HttpResponse<T> {
      private final HttpRequest request;
      private final T body;

      Answer(HttpRequest request, T body) {
        this.request = request;
        this.body = body;
      }

      @Override
      public int statusCode() {
        return 200;
      }

      @Override
      public HttpRequest request() {
        return request;
      }

      @Override
      public Optional<HttpResponse<T>> previousResponse() {
        return Optional.empty();
      }

      @Override
      public HttpHeaders headers() {
        return HEADERS;
      }

      @Override
      public T body() {
        return body;
      }

      @Override
      public Optional<SSLSession> sslSession() {
        return Optional.empty();
      }

      @Override
      public URI uri() {
        return request.uri();
      }

      @Override
      public Version version() {
        return Version.HTTP_1_1;
      }
    }
  }
}

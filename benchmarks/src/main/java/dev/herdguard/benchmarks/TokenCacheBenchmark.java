package dev.herdguard.benchmarks;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import java.time.Duration;
import java.time.Instant;
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
import software.amazon.awssdk.utils.cache.CachedSupplier;
import software.amazon.awssdk.utils.cache.RefreshResult;

/**
 * A token-cache hit: the cost every authenticated call pays to get its login token, beside the
 * caches a client would otherwise use for it.
 *
 * <ul>
 *   <li>{@code baseline}: the floor of a hand-written cache, a volatile holder whose expiry is
 *       checked against {@link System#nanoTime()} on every read;
 *   <li>{@code herdguard}: {@link TokenCache#get()} on a valid token: one volatile read, no clock
 *       (a scheduler withdraws the token when it turns stale);
 *   <li>{@code caffeine}: Caffeine 3.x {@code LoadingCache.get} of one key, expiring after write,
 *       the cheapest expiring configuration (its hit reads the ticker);
 *   <li>{@code awsCachedSupplier}: the AWS SDK's {@code CachedSupplier.get()}, as its credential
 *       providers use it (stale and prefetch times, both checked against the clock on every get).
 * </ul>
 *
 * <p>Every cache is one object shared by all benchmark threads, filled in setup; the key and the
 * token are precomputed, so a hit allocates nothing of the benchmark's own.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar TokenCacheBenchmark -t 1 -prof gc}
 * (and {@code -t 2}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Benchmark)
public class TokenCacheBenchmark {

  private static final String KEY = "login";

  private TokenCache herdguard;
  private LoadingCache<String, Token> caffeine;
  private CachedSupplier<Token> aws;
  private volatile Holder holder;

  /** The floor's state: a token and the {@link System#nanoTime()} it expires at. */
  private static final class Holder {
    final Token token;
    final long expiresAtNanos;

    Holder(Token token, long expiresAtNanos) {
      this.token = token;
      this.expiresAtNanos = expiresAtNanos;
    }
  }

  @Setup
  public void setUp() throws Exception {
    Token token = Token.of("bench-token", Instant.now().plus(Duration.ofHours(1)));
    herdguard = TokenCache.builder(previous -> token).build();
    if (!herdguard.get().value().equals(token.value()) || herdguard.peek().isEmpty()) {
      throw new IllegalStateException("herdguard's token cache did not log in");
    }
    caffeine = Caffeine.newBuilder()
        .expireAfterWrite(Duration.ofMinutes(55))
        .build(key -> token);
    caffeine.get(KEY);
    aws = CachedSupplier.builder(() -> RefreshResult.builder(token)
            .staleTime(Instant.now().plus(Duration.ofMinutes(55)))
            .prefetchTime(Instant.now().plus(Duration.ofMinutes(45)))
            .build())
        .build();
    aws.get();
    holder = new Holder(token, System.nanoTime() + TimeUnit.MINUTES.toNanos(55));
  }

  @TearDown
  public void tearDown() {
    herdguard.close();
    aws.close();
  }

  /** Floor: a volatile holder and one expiry check against {@link System#nanoTime()}. */
  @Benchmark
  public Token baseline() {
    Holder h = holder;
    if (System.nanoTime() - h.expiresAtNanos < 0) {
      return h.token;
    }
    throw new IllegalStateException("expired");
  }

  @Benchmark
  public Token herdguard() throws InterruptedException {
    return herdguard.get();
  }

  @Benchmark
  public Token caffeine() {
    return caffeine.get(KEY);
  }

  @Benchmark
  public Token awsCachedSupplier() {
    return aws.get();
  }
}

package dev.herdguard.httpclient;

import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLSession;

/**
 * The body of a response herdguard may discard (a retry status, a 401 it answers), read into memory
 * instead of into the caller's {@link HttpResponse.BodyHandler}. A discarded one is simply dropped,
 * so its connection goes back to the pool without the caller's handler ever seeing it; the one the
 * caller gets after all is {@linkplain #replay replayed} into the caller's handler, which then sees
 * the very bytes the server sent. Such bodies are error pages: small.
 */
final class Buffered {

  /** A subscriber per response: {@code BodySubscribers.ofByteArray} is not reusable. */
  static HttpResponse.BodySubscriber<Object> subscriber() {
    return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofByteArray(), Buffered::new);
  }

  private final byte[] bytes;

  private Buffered(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Whether {@code response} has a body herdguard buffered. */
  static boolean isBuffered(HttpResponse<?> response) {
    return response.body() instanceof Buffered;
  }

  /**
   * {@code response} as the caller's handler would have made it: the buffered bytes pushed through
   * {@code handler}'s subscriber. Completes when that subscriber's body does.
   */
  static <T> CompletableFuture<HttpResponse<T>> replay(HttpResponse<?> response,
      HttpResponse.BodyHandler<T> handler) {
    Buffered body = (Buffered) response.body();
    HttpResponse.BodySubscriber<T> subscriber;
    try {
      subscriber = handler.apply(new Info(response.statusCode(), response.headers(), response.version()));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    subscriber.onSubscribe(new OneShot(subscriber, body.bytes));
    return subscriber.getBody().toCompletableFuture().thenApply(value -> new Replayed<>(response, value));
  }

  private record Info(int statusCode, HttpHeaders headers, HttpClient.Version version)
      implements HttpResponse.ResponseInfo {}

  /** Hands the bytes over on the first demand, then completes. */
  private static final class OneShot implements Flow.Subscription {
    private final Flow.Subscriber<? super List<ByteBuffer>> subscriber;
    private final byte[] bytes;
    private final AtomicBoolean done = new AtomicBoolean();

    OneShot(Flow.Subscriber<? super List<ByteBuffer>> subscriber, byte[] bytes) {
      this.subscriber = subscriber;
      this.bytes = bytes;
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        if (done.compareAndSet(false, true)) {
          subscriber.onError(new IllegalArgumentException("request(" + n + "): demand must be > 0"));
        }
        return;
      }
      if (done.compareAndSet(false, true)) {
        if (bytes.length > 0) {
          subscriber.onNext(List.of(ByteBuffer.wrap(bytes).asReadOnlyBuffer()));
        }
        subscriber.onComplete();
      }
    }

    @Override
    public void cancel() {
      done.set(true);
    }
  }

  /** A response with the caller's body; everything else is the original's. */
  private static final class Replayed<T> implements HttpResponse<T> {
    private final HttpResponse<?> original;
    private final T body;

    Replayed(HttpResponse<?> original, T body) {
      this.original = original;
      this.body = body;
    }

    @Override
    public int statusCode() {
      return original.statusCode();
    }

    @Override
    public HttpRequest request() {
      return original.request();
    }

    @Override
    @SuppressWarnings("unchecked")
    public Optional<HttpResponse<T>> previousResponse() {
      // The JDK gives previous responses (redirects) without a usable body; the type is nominal.
      return original.previousResponse().map(r -> (HttpResponse<T>) r);
    }

    @Override
    public HttpHeaders headers() {
      return original.headers();
    }

    @Override
    public T body() {
      return body;
    }

    @Override
    public Optional<SSLSession> sslSession() {
      return original.sslSession();
    }

    @Override
    public java.net.URI uri() {
      return original.uri();
    }

    @Override
    public HttpClient.Version version() {
      return original.version();
    }

    @Override
    public String toString() {
      return original.toString();
    }
  }
}

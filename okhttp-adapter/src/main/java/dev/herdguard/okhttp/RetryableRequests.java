package dev.herdguard.okhttp;

import java.util.Objects;
import okhttp3.Request;

/**
 * Which requests herdguard may send again. A request is safe to repeat when its method is
 * idempotent (GET, HEAD, OPTIONS, PUT, DELETE, as RFC 9110 defines them) or when the caller tags it
 * with {@link #TAG}, and never when its body can be written only once.
 *
 * <p>Thread-safe: it holds no state.
 */
public final class RetryableRequests {

  /**
   * Tag a request with this to declare it safe to repeat even though its method is not idempotent,
   * for example a login POST that the server deduplicates:
   * {@code new Request.Builder().tag(RetryableRequests.Marker.class, RetryableRequests.TAG)}.
   */
  public static final Marker TAG = new Marker();

  /** The type of {@link #TAG}. */
  public static final class Marker {
    private Marker() {}

    @Override
    public String toString() {
      return "herdguard:retryable";
    }
  }

  private RetryableRequests() {}

  /**
   * Whether {@code request} may be sent again after a failure.
   *
   * @throws NullPointerException if {@code request} is null
   */
  public static boolean isSafeToRepeat(Request request) {
    Objects.requireNonNull(request, "request");
    if (request.body() != null && request.body().isOneShot()) {
      return false;
    }
    if (request.tag(Marker.class) != null) {
      return true;
    }
    switch (request.method()) {
      case "GET":
      case "HEAD":
      case "OPTIONS":
      case "PUT":
      case "DELETE":
        return true;
      default:
        return false;
    }
  }
}

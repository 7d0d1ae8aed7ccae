package dev.herdguard.okhttp;

import java.io.IOException;
import java.util.List;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * The network interceptor that keeps OkHttp's own follow-ups from resending a 503 or a 408, so that
 * every resend through the adapter is herdguard's decision: see {@link
 * HerdGuardInterceptor#networkInterceptor()}.
 *
 * <p>The one idea: OkHttp's {@code RetryAndFollowUpInterceptor} sits between the application
 * interceptors and the network ones, and decides from the response it gets whether to send the
 * request again. On both lines (4.12 and 5.x) it resends a 503 whose {@code Retry-After} is
 * {@code 0} (once, any method, a POST included), resends a 408 whose {@code Retry-After} is absent
 * or {@code 0} (when {@code retryOnConnectionFailure} is on), and reads that header with {@code
 * Integer.valueOf}, which throws {@link NumberFormatException} on a number of more than ten digits.
 * Below it, this interceptor moves a 503's or 408's {@code Retry-After} values aside under {@link
 * #ORIGINAL} and puts {@link #WITHHELD} in their place: not a number, so OkHttp reads "a delay
 * too long to wait" and returns the response as it is. Above it, {@link #restore} (called by the
 * {@link HerdGuardInterceptor} on each response) puts the server's values back, so herdguard and
 * the caller see exactly what the server sent.
 *
 * <p>Stateless, so thread-safe; one instance serves every client.
 */
final class FollowUpShield implements Interceptor {

  static final FollowUpShield INSTANCE = new FollowUpShield();

  static final String RETRY_AFTER = "Retry-After";
  /** What OkHttp sees instead of the server's {@code Retry-After}; any non-number stops its follow-up. */
  static final String WITHHELD = "withheld-by-herdguard";
  /** Where the server's {@code Retry-After} values wait, below OkHttp's follow-up, to be put back. */
  static final String ORIGINAL = "Herdguard-Original-Retry-After";

  private FollowUpShield() {}

  /** Whether OkHttp's follow-up looks at this status's {@code Retry-After}. */
  static boolean shields(int code) {
    return code == 503 || code == 408;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Response response = chain.proceed(chain.request());
    if (!shields(response.code())) {
      return response;
    }
    Response.Builder b = response.newBuilder().removeHeader(RETRY_AFTER);
    for (String value : response.headers(RETRY_AFTER)) {
      b.addHeader(ORIGINAL, value);
    }
    return b.header(RETRY_AFTER, WITHHELD).build();
  }

  /** {@code response} with the server's own {@code Retry-After} back, if this shield had moved it. */
  static Response restore(Response response) {
    if (!shields(response.code()) || !WITHHELD.equals(response.header(RETRY_AFTER))) {
      return response;
    }
    List<String> original = response.headers(ORIGINAL);
    Response.Builder b = response.newBuilder().removeHeader(RETRY_AFTER).removeHeader(ORIGINAL);
    for (String value : original) {
      b.addHeader(RETRY_AFTER, value);
    }
    return b.build();
  }

  @Override
  public String toString() {
    return "HerdGuardInterceptor.networkInterceptor()";
  }
}

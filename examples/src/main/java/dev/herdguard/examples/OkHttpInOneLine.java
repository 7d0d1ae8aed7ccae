package dev.herdguard.examples;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.okhttp.HerdGuardOkHttp;
import java.io.IOException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Recipe: OkHttp in one line. {@link HerdGuardOkHttp#install} puts herdguard's interceptors on a
 * client builder: a breaker per host, retries with backoff within the host's retry budget,
 * {@code Retry-After} honoured (capped and spread), only for requests that are safe to repeat.
 * OkHttp's own {@code retryOnConnectionFailure} is turned off so that every resend is herdguard's
 * decision (see docs/okhttp.md).
 *
 * <p>Run: {@code java -cp examples/target/herdguard-examples.jar dev.herdguard.examples.OkHttpInOneLine <url>}
 */
public final class OkHttpInOneLine {

  private OkHttpInOneLine() {}

  public static void main(String[] args) throws IOException {
    try (HerdGuard guard = HerdGuard.create(HerdGuardConfig.load())) {
      System.out.println(fetch(client(guard), args[0]));
    }
  }

  static OkHttpClient client(HerdGuard guard) {           // one client per application: share it
    return HerdGuardOkHttp.install(
        new OkHttpClient.Builder().retryOnConnectionFailure(false), guard).build();
  }

  static String fetch(OkHttpClient client, String url) throws IOException {
    try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
      return response.code() + " " + response.body().string();
    }
  }
}

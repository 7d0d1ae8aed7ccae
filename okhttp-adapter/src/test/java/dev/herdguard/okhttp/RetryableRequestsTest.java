package dev.herdguard.okhttp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okio.BufferedSink;
import org.junit.jupiter.api.Test;

class RetryableRequestsTest {

  private static final String URL = "http://login.example/token";

  @Test
  void idempotentMethodsAreSafeToRepeat() {
    RequestBody body = RequestBody.create("{}", MediaType.get("application/json"));
    assertTrue(RetryableRequests.isSafeToRepeat(new Request.Builder().url(URL).get().build()));
    assertTrue(RetryableRequests.isSafeToRepeat(new Request.Builder().url(URL).head().build()));
    assertTrue(RetryableRequests.isSafeToRepeat(new Request.Builder().url(URL).method("OPTIONS", null).build()));
    assertTrue(RetryableRequests.isSafeToRepeat(new Request.Builder().url(URL).put(body).build()));
    assertTrue(RetryableRequests.isSafeToRepeat(new Request.Builder().url(URL).delete().build()));
  }

  @Test
  void postIsNotSafeToRepeatUnlessTagged() {
    RequestBody body = RequestBody.create("{}", MediaType.get("application/json"));
    Request post = new Request.Builder().url(URL).post(body).build();
    assertFalse(RetryableRequests.isSafeToRepeat(post));

    Request tagged = post.newBuilder().tag(RetryableRequests.Marker.class, RetryableRequests.TAG).build();
    assertTrue(RetryableRequests.isSafeToRepeat(tagged));
  }

  @Test
  void oneShotBodyIsNeverRepeatedEvenWhenTagged() {
    RequestBody oneShot = new RequestBody() {
      @Override
      public MediaType contentType() {
        return null;
      }

      @Override
      public void writeTo(BufferedSink sink) {}

      @Override
      public boolean isOneShot() {
        return true;
      }
    };
    Request put = new Request.Builder().url(URL).put(oneShot)
        .tag(RetryableRequests.Marker.class, RetryableRequests.TAG).build();
    assertFalse(RetryableRequests.isSafeToRepeat(put));
  }
}

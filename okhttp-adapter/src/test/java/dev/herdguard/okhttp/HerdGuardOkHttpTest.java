package dev.herdguard.okhttp;

import static dev.herdguard.okhttp.TestSupport.clientBuilder;
import static dev.herdguard.okhttp.TestSupport.fastConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.HerdGuard;
import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import okhttp3.Authenticator;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HerdGuardOkHttpTest {

  private HerdGuard guard;
  private TokenCache tokens;

  @AfterEach
  void stop() {
    if (tokens != null) {
      tokens.close();
    }
    guard.close();
  }

  private static List<Class<?>> types(List<Interceptor> interceptors) {
    return interceptors.stream().<Class<?>>map(Object::getClass).toList();
  }

  @Test
  void installAddsTheRetryInterceptorAfterTheClientsOwn() {
    guard = HerdGuard.create(fastConfig().build());
    Interceptor own = chain -> chain.proceed(chain.request());
    OkHttpClient.Builder builder = clientBuilder().addInterceptor(own);

    assertSame(builder, HerdGuardOkHttp.install(builder, guard));
    OkHttpClient client = builder.build();
    assertSame(own, client.interceptors().get(0));
    assertEquals(List.of(own.getClass(), HerdGuardInterceptor.class), types(client.interceptors()));
    assertEquals(List.of(HerdGuardInterceptor.networkInterceptor()), client.networkInterceptors());
    assertSame(Authenticator.NONE, client.authenticator());
  }

  @Test
  void installsGateThenTokensThenRetriesWithTheAuthenticator() {
    guard = HerdGuard.create(fastConfig().withStartupMaxDelay(Duration.ofSeconds(30)).build());
    tokens = guard.tokenCache(previous -> Token.of("t", Instant.now().plus(Duration.ofHours(1))));

    OkHttpClient client = HerdGuardOkHttp.with(guard).withTokens(tokens).install(clientBuilder()).build();
    assertEquals(List.of(StartupGate.class, TokenInterceptor.class, HerdGuardInterceptor.class),
        types(client.interceptors()));
    assertInstanceOf(TokenAuthenticator.class, client.authenticator());
  }

  @Test
  void gateIsLeftOutWhenTurnedOffOrWhenTheConfigHasNoDelay() {
    guard = HerdGuard.create(fastConfig().withStartupMaxDelay(Duration.ofSeconds(30)).build());
    OkHttpClient interactive = HerdGuardOkHttp.with(guard).withStartupGate(false).install(clientBuilder()).build();
    assertEquals(List.of(HerdGuardInterceptor.class), types(interactive.interceptors()));

    HerdGuard noDelay = HerdGuard.create(fastConfig().build());
    try {
      OkHttpClient client = HerdGuardOkHttp.install(clientBuilder(), noDelay).build();
      assertEquals(List.of(HerdGuardInterceptor.class), types(client.interceptors()));
    } finally {
      noDelay.close();
    }
  }

  @Test
  void settingsReachTheInterceptor() {
    guard = HerdGuard.create(fastConfig().build());
    OkHttpClient client = HerdGuardOkHttp.with(guard)
        .withOperationName("update-check")
        .withRetryStatusCodes(503)
        .install(clientBuilder()).build();
    assertEquals("HerdGuardInterceptor[operation=update-check, retryStatusCodes=[503]]",
        client.interceptors().get(0).toString());
  }

  @Test
  void badOperationNameIsRejectedAtOnce() {
    guard = HerdGuard.create(fastConfig().build());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HerdGuardOkHttp.with(guard).withOperationName("Update Check"));
    assertTrue(e.getMessage().contains("Update Check"), e.getMessage());
  }
}

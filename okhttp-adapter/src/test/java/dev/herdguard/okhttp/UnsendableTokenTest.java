package dev.herdguard.okhttp;

import static dev.herdguard.okhttp.TestSupport.assertNoConnectionLeaked;
import static dev.herdguard.okhttp.TestSupport.clientBuilder;
import static dev.herdguard.okhttp.TestSupport.fastConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.Backoff;
import dev.herdguard.HerdGuard;
import dev.herdguard.LoginFailedException;
import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 6: a token OkHttp cannot send in a header is a failed login (herdguard's cache) or
 * an {@code IOException} with the token dropped (any other cache), never OkHttp's {@code
 * IllegalArgumentException}, never a token that the cache keeps serving, never the value in a message.
 */
class UnsendableTokenTest {

  private final MockWebServer server = new MockWebServer();
  private HerdGuard guard;
  private TokenCache tokens;
  private OkHttpClient client;

  @BeforeEach
  void start() throws IOException {
    server.start();
    guard = HerdGuard.create(fastConfig().build());
  }

  @AfterEach
  void stop() throws IOException {
    if (client != null) {
      assertNoConnectionLeaked(client);
    }
    if (tokens != null) {
      tokens.close();
    }
    guard.close();
    server.shutdown();
  }

  private Request api() {
    return new Request.Builder().url(server.url("/api/me")).build();
  }

  @Test
  void loginReturningATokenWithANewlineIsAFailedLoginAndIsNotCached() throws Exception {
    // A failure backoff long enough that the second call meets the first failure, not a new login.
    guard.close();
    guard = HerdGuard.create(fastConfig().withBackoffStrategy(Backoff.Strategy.EXPONENTIAL)
        .withBackoffBase(Duration.ofMinutes(1)).withBackoffMax(Duration.ofMinutes(1)).build());
    AtomicInteger logins = new AtomicInteger();
    tokens = guard.tokenCache(previous -> {
      logins.incrementAndGet();
      return Token.of("secret-line\n", Instant.now().plus(Duration.ofHours(1)));
    });
    client = HerdGuardOkHttp.with(guard).withTokens(tokens).install(clientBuilder()).build();
    server.enqueue(new MockResponse().setBody("never asked for"));

    for (int call = 0; call < 2; call++) {
      IOException e = assertThrows(IOException.class, () -> client.newCall(api()).execute());
      LoginFailedException login = assertInstanceOf(LoginFailedException.class, e.getCause());
      assertTrue(login.getCause().getMessage().contains("a line break (U+000A) at index 11 of 12"),
          login.getCause().getMessage());
      assertFalse(e.getMessage().contains("secret-line"), e.getMessage());
    }
    assertEquals(1, logins.get(), "a failed login, answered from the cache's failure backoff the second time");
    assertEquals(Optional.empty(), tokens.peek());
    assertEquals(0, server.getRequestCount());
  }

  @Test
  void tokenAnotherCacheHandsOutThatOkHttpRefusesIsAnIOExceptionAndIsInvalidated() throws Exception {
    Token bad = Token.withoutExpiry("secr\u00e9t");
    List<Token> invalidated = new CopyOnWriteArrayList<>();
    TokenCache other = new TokenCache() {
      @Override
      public Token get() {
        return bad;
      }

      @Override
      public Token get(Duration maxWait) {
        return bad;
      }

      @Override
      public CompletableFuture<Token> getAsync() {
        return CompletableFuture.completedFuture(bad);
      }

      @Override
      public Optional<Token> peek() {
        return Optional.of(bad);
      }

      @Override
      public boolean invalidate(Token token) {
        invalidated.add(token);
        return true;
      }

      @Override
      public void close() {}
    };
    client = clientBuilder().addInterceptor(TokenInterceptor.of(other)).build();

    IOException e = assertThrows(IOException.class, () -> client.newCall(api()).execute());
    assertEquals("the login token for GET http://" + server.getHostName() + ":" + server.getPort()
        + "/api/me cannot be sent: OkHttp refused it as a header value (a line break, a control character"
        + " or a character outside US-ASCII); it was dropped from the token cache", e.getMessage());
    assertEquals(List.of(bad), invalidated);
    assertEquals(0, server.getRequestCount());
  }
}

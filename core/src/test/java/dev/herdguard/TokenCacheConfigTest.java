package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class TokenCacheConfigTest {

  private static final TokenCache.Login LOGIN = previous -> Token.withoutExpiry("v");

  private static String problem(UnaryOperator<TokenCache.Builder> settings) {
    return assertThrows(IllegalArgumentException.class, () -> settings.apply(TokenCache.builder(LOGIN)).build())
        .getMessage();
  }

  @Test
  void refreshWindowMustLieInsideTheLifetimeAndBeOpen() {
    assertEquals("token.refresh-from (0.0) must be > 0 and < 1", problem(b -> b.withRefreshWindow(0.0, 0.9)));
    assertEquals("token.refresh-from (NaN) must be > 0 and < 1", problem(b -> b.withRefreshWindow(Double.NaN, 0.9)));
    assertEquals("token.refresh-until (1.5) must be > 0 and <= 1", problem(b -> b.withRefreshWindow(0.75, 1.5)));
    assertEquals("token.refresh-until (0.5) must be > token.refresh-from (0.75)", problem(b -> b.withRefreshWindow(0.75, 0.5)));
    assertEquals("token.refresh-until (0.75) must be > token.refresh-from (0.75)", problem(b -> b.withRefreshWindow(0.75, 0.75)));
  }

  @Test
  void durationsMustNotBeNegative() {
    assertEquals("token.min-remaining (-1s) must be >= 0", problem(b -> b.withMinRemaining(Duration.ofSeconds(-1))));
    assertEquals("token.default-lifetime (0) must be > 0", problem(b -> b.withDefaultLifetime(Duration.ZERO)));
    assertEquals("token.expiry-warning (-1m) must be >= 0", problem(b -> b.withExpiryWarning(Duration.ofMinutes(-1))));
    assertEquals("token cache maxWait (-1ms) must be >= 0", problem(b -> b.withMaxWait(Duration.ofMillis(-1))));
  }

  @Test
  void everyProblemIsNamedInOneMessage() {
    assertEquals("token.refresh-from (2.0) must be > 0 and < 1; token.min-remaining (-1s) must be >= 0; "
            + "token.default-lifetime (-1h) must be > 0",
        problem(b -> b.withRefreshWindow(2.0, 0.9)
            .withMinRemaining(Duration.ofSeconds(-1))
            .withDefaultLifetime(Duration.ofHours(-1))));
  }

  @Test
  void nullsAreRejectedByTheSetterThatGetsThem() {
    TokenCache.Builder b = TokenCache.builder(LOGIN);
    assertEquals("login", assertThrows(NullPointerException.class, () -> TokenCache.builder(null)).getMessage());
    assertEquals("clock", assertThrows(NullPointerException.class, () -> b.withClock(null)).getMessage());
    assertEquals("random", assertThrows(NullPointerException.class, () -> b.withRandom(null)).getMessage());
    assertEquals("executor", assertThrows(NullPointerException.class, () -> b.withExecutor(null)).getMessage());
    assertEquals("store", assertThrows(NullPointerException.class, () -> b.withStore(null)).getMessage());
    assertEquals("file", assertThrows(NullPointerException.class, () -> b.withFile(null)).getMessage());
    assertEquals("backoff", assertThrows(NullPointerException.class, () -> b.withBackoff(null)).getMessage());
    assertEquals("minRemaining", assertThrows(NullPointerException.class, () -> b.withMinRemaining(null)).getMessage());
    assertEquals("defaultLifetime", assertThrows(NullPointerException.class, () -> b.withDefaultLifetime(null)).getMessage());
    assertEquals("expiryWarning", assertThrows(NullPointerException.class, () -> b.withExpiryWarning(null)).getMessage());
    assertEquals("maxWait", assertThrows(NullPointerException.class, () -> b.withMaxWait(null)).getMessage());
    assertEquals("listener", assertThrows(NullPointerException.class, () -> b.withListener(null)).getMessage());
  }

  @Test
  void defaultsBuildAndTheOwnedExecutorStopsOnClose() throws Exception {
    TokenCache cache = TokenCache.builder(LOGIN).build();
    // The default executor is real: this login runs on a herdguard thread.
    assertEquals("v", cache.get(Duration.ofSeconds(30)).value());
    cache.close();
    assertThrows(IllegalStateException.class, cache::get);
  }
}

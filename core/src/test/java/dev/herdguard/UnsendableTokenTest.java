package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.internal.TokenFileFormat;
import dev.herdguard.internal.TokenValues;
import dev.herdguard.testing.FakeClock;
import dev.herdguard.testing.FakeScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, item 6: a login that returns a token no HTTP header can carry is a failed login with a
 * clear message that never shows the token, and the token is neither cached nor stored.
 */
class UnsendableTokenTest {

  private final FakeClock clock = new FakeClock();
  private final FakeScheduler scheduler = new FakeScheduler(clock);
  private final TestLogin login = new TestLogin(clock);
  private TokenCache cache;

  @TempDir
  Path dir;

  @AfterEach
  void close() {
    if (cache != null) {
      cache.close();
    }
  }

  private TokenCache cache() {
    cache = TokenCache.builder(login)
        .withClock(clock)
        .withExecutor(scheduler)
        .withRandom(new SplittableRandom(7))
        .withFile(dir.resolve("token"))
        .build();
    return cache;
  }

  private LoginFailedException failure() {
    CompletableFuture<Token> f = cache.getAsync();
    scheduler.runDue();
    assertTrue(f.isCompletedExceptionally(), "failed");
    CompletionException e = assertThrows(CompletionException.class, f::join);
    return assertInstanceOf(LoginFailedException.class, e.getCause());
  }

  @Test
  void loginReturningATokenWithANewlineIsAFailedLoginAndIsNotCached() throws Exception {
    login.behaviour = (n, prev) -> Token.of("secret-token-" + n + "\n", clock.instant().plus(Duration.ofHours(1)));
    cache();

    LoginFailedException e = failure();
    assertEquals("the login function returned a token that cannot be sent: the token value holds a line break"
        + " (U+000A) at index 14 of 15, which an HTTP header cannot carry (only tab and the visible US-ASCII"
        + " characters and space)", e.getCause().getMessage());
    assertFalse(e.getMessage().contains("secret-token"), e.getMessage());
    assertEquals(Optional.empty(), cache.peek());
    assertFalse(Files.exists(dir.resolve("token")), "nothing stored");

    // A failed login like any other: the next caller gets the failure at once, with no new login.
    failure();
    assertEquals(1, login.calls());
    scheduler.advance(Duration.ofMinutes(5));
    login.behaviour = null;
    CompletableFuture<Token> next = cache.getAsync();
    scheduler.runDue();
    assertEquals("secret-token-2", next.join().value());
  }

  @Test
  void tokenValueRuleNamesTheKindOfCharacterAndWhereButNeverTheCharacter() {
    assertNull(TokenValues.unsendable("eyJhbGciOi.J9-_~+/= with\tinner space"));
    assertEquals("the token value holds a control character (U+0000) at index 1 of 3, which an HTTP header"
        + " cannot carry (only tab and the visible US-ASCII characters and space)", TokenValues.unsendable("a\0b"));
    assertEquals("the token value holds a control character (U+007F) at index 0 of 1, which an HTTP header"
        + " cannot carry (only tab and the visible US-ASCII characters and space)", TokenValues.unsendable("\u007f"));
    assertEquals("the token value holds a line break (U+000D) at index 3 of 4, which an HTTP header"
        + " cannot carry (only tab and the visible US-ASCII characters and space)", TokenValues.unsendable("abc\r"));
    String nonAscii = TokenValues.unsendable("secr\u00e9t");
    assertEquals("the token value holds a character outside US-ASCII at index 4 of 6, which an HTTP header"
        + " cannot carry (only tab and the visible US-ASCII characters and space)", nonAscii);
    assertEquals("the token value starts or ends with a space or tab, which an HTTP header would lose",
        TokenValues.unsendable(" abc"));
    assertEquals("the token value starts or ends with a space or tab, which an HTTP header would lose",
        TokenValues.unsendable("abc\t"));
  }

  @Test
  void tokenFileHoldingAnUnsendableValueIsBad() {
    byte[] bytes = TokenFileFormat.encode(Token.withoutExpiry("secret\nvalue"));
    TokenFileFormat.BadTokenFileException e =
        assertThrows(TokenFileFormat.BadTokenFileException.class, () -> TokenFileFormat.decode(bytes));
    assertEquals("invalid token (the token value holds a line break (U+000A) at index 6 of 12, which an HTTP"
        + " header cannot carry (only tab and the visible US-ASCII characters and space))", e.getMessage());
  }
}

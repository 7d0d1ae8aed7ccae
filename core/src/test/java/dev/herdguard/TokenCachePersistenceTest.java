package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.testing.FakeClock;
import dev.herdguard.testing.FakeScheduler;
import dev.herdguard.testing.LogCapture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenCachePersistenceTest {

  @TempDir
  Path dir;

  private final FakeClock clock = new FakeClock();
  private final FakeScheduler scheduler = new FakeScheduler(clock);
  private final RecordingListener events = new RecordingListener();
  private final List<TokenCache> caches = new ArrayList<>();

  @AfterEach
  void closeAll() {
    caches.forEach(TokenCache::close);
  }

  private Path file() {
    return dir.resolve("state").resolve("token");
  }

  private TokenCache cache(TestLogin login, long seed) {
    return cache(TokenCache.builder(login).withFile(file()), seed);
  }

  private TokenCache cache(TokenCache.Builder b, long seed) {
    TokenCache cache = b.withClock(clock).withExecutor(scheduler).withRandom(new SplittableRandom(seed))
        .withListener(events).build();
    caches.add(cache);
    return cache;
  }

  private Token fetch(TokenCache cache) {
    CompletableFuture<Token> f = cache.getAsync();
    scheduler.runDue();
    return f.join();
  }

  private List<String> names(Path folder) throws IOException {
    try (Stream<Path> s = Files.list(folder)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  @Test
  void restartWithAValidTokenFileSendsNoLogin() throws Exception {
    TestLogin before = new TestLogin(clock);
    TokenCache first = cache(before, 1);
    Token token = fetch(first);
    first.close();
    scheduler.advance(Duration.ofMinutes(20)); // the client was down for a while

    TestLogin after = new TestLogin(clock);
    TokenCache restarted = cache(after, 2);
    assertEquals(Optional.of(token), restarted.peek(), "valid at once, before any call");
    assertEquals(token, restarted.get(Duration.ZERO));
    scheduler.advance(Duration.ofMinutes(20)); // 40 minutes into the token's life: no refresh yet
    assertEquals(0, after.calls());
    assertEquals(1, before.calls());
    assertEquals(List.of(), events.storeFailures);
  }

  @Test
  void restartWithAnExpiredTokenSetsTheFileAsideWithAWarningAndLogsInAsIfAbsent() throws Exception {
    TokenCache first = cache(new TestLogin(clock), 1);
    Token old = fetch(first);
    first.close();
    scheduler.advance(Duration.ofHours(3));

    TestLogin after = new TestLogin(clock);
    TokenCache restarted;
    try (LogCapture logs = new LogCapture()) {
      restarted = cache(after, 2);
      assertEquals(Optional.empty(), restarted.peek());
      assertEquals(1, logs.lines("WARN").size(), logs.text());
      assertEquals(1, logs.lines("the stored token expired at").size(), logs.text());
      assertFalse(logs.text().contains(old.value()), "no token value in the log");
    }
    Token renewed = fetch(restarted);
    assertEquals(1, after.calls());
    assertEquals(List.of(Optional.empty()), after.previous, "logged in as if there were no file");
    List<String> names = names(file().getParent());
    assertEquals(3, names.size(), names.toString());
    assertTrue(names.get(1).startsWith("token.bad-"), names.toString());
    assertEquals(Optional.of(renewed), TokenStore.file(file()).load());
  }

  @ParameterizedTest
  @ValueSource(strings = {"corrupt", "truncated", "foreign-version", "garbage", "empty", "unreadable"})
  void badTokenFileIsSetAsideWithAWarningAndTheCacheLogsInAsIfItWereAbsent(String kind) throws Exception {
    TestLogin writer = new TestLogin(clock);
    TokenCache first = cache(writer, 1);
    Token secret = fetch(first);
    first.close();
    Path file = file();
    byte[] good = Files.readAllBytes(file);
    switch (kind) {
      case "corrupt":
        good[good.length / 2] ^= 0x20;
        Files.write(file, good);
        break;
      case "truncated":
        Files.write(file, Arrays.copyOf(good, good.length * 2 / 3));
        break;
      case "foreign-version":
        Files.write(file, new String(good, StandardCharsets.ISO_8859_1).replace("v1", "v7").getBytes(StandardCharsets.ISO_8859_1));
        break;
      case "garbage":
        Files.writeString(file, "token: " + secret.value() + "\n");
        break;
      case "empty":
        Files.write(file, new byte[0]);
        break;
      case "unreadable":
        Files.delete(file);
        Files.createDirectory(file);
        break;
      default:
        throw new AssertionError(kind);
    }

    TestLogin login = new TestLogin(clock);
    TokenCache restarted;
    try (LogCapture logs = new LogCapture()) {
      restarted = cache(login, 2);
      List<String> warnings = logs.lines("WARN");
      assertEquals(1, warnings.size(), logs.text());
      assertTrue(warnings.get(0).contains("token file " + file + " set aside as token.bad-"), warnings.get(0));
      assertFalse(logs.text().contains(secret.value()), logs.text());
    }
    assertEquals(1, events.storeFailures.size());
    assertEquals(Optional.empty(), restarted.peek());
    Token fresh = fetch(restarted);
    assertEquals(1, login.calls());
    assertEquals(List.of(Optional.empty()), login.previous, "a bad file gives no previous token");
    assertEquals(Optional.of(fresh), TokenStore.file(file).load(), "the new token replaced the bad file");
    assertEquals(1, names(file.getParent()).stream().filter(n -> n.startsWith("token.bad-")).count());
  }

  @Test
  void tokenFileIsOwnerOnlyInAFolderHerdguardCreatedOwnerOnly() throws Exception {
    fetch(cache(new TestLogin(clock), 1));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file())));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file().getParent())));
  }

  @Test
  void writeThatFailsKeepsTheTokenInMemoryAndWarns() throws Exception {
    Path notAFolder = dir.resolve("plain-file");
    Files.writeString(notAFolder, "x"); // the token's folder cannot be created: like a read-only disk
    TestLogin login = new TestLogin(clock);
    TokenCache cache;
    Token token;
    try (LogCapture logs = new LogCapture()) {
      cache = cache(TokenCache.builder(login).withFile(notAFolder.resolve("token")), 1);
      token = fetch(cache);
      assertEquals(1, logs.lines("could not store the token").size(), logs.text());
      assertFalse(logs.text().contains(token.value()));
    }
    assertSame(token, cache.get(Duration.ZERO));
    assertEquals(1, login.calls());
    assertEquals(1, events.storeFailures.size());
  }

  @Test
  void storeThatCannotBeReadAtStartIsTreatedAsEmpty() throws Exception {
    TokenStore unreadable = new TokenStore() {
      @Override
      public Optional<Token> load() throws IOException {
        throw new IOException("keychain locked");
      }

      @Override
      public void save(Token token) {}

      @Override
      public void clear() {}
    };
    TestLogin login = new TestLogin(clock);
    TokenCache cache = cache(TokenCache.builder(login).withStore(unreadable), 1);
    assertEquals("keychain locked", events.storeFailures.get(0).getMessage());
    assertEquals("secret-token-1", fetch(cache).value());
  }

  @Test
  void invalidatedTokenIsNotTakenBackFromTheFile() throws Exception {
    TestLogin login = new TestLogin(clock);
    TokenCache cache = cache(login, 1);
    Token first = fetch(cache);
    assertTrue(cache.invalidate(first));
    Token second = fetch(cache);
    assertEquals("secret-token-2", second.value(), "the file still held the rejected token; a login replaced it");
    assertEquals(2, login.calls());
  }

  @Test
  void twoCachesOnOneFileLogInOnceAndThenOncePerRefreshBetweenThem() throws Exception {
    TestLogin loginA = new TestLogin(clock);
    TestLogin loginB = new TestLogin(clock);
    loginB.behaviour = (n, prev) -> Token.of("secret-b-" + n, clock.instant().plus(Duration.ofHours(1)));
    TokenCache a = cache(loginA, 1);
    TokenCache b = cache(loginB, 2);
    Token fromA = fetch(a);
    assertEquals(fromA, fetch(b), "b found a's token in the file under the lock");
    assertEquals(0, loginB.calls());

    scheduler.advance(Duration.ofHours(10));
    int logins = loginA.calls() + loginB.calls();
    // Cycles last 45 to 54 minutes of a fresh token: 11 to 14 in 10 hours. Each cache on its own
    // would log in 11 to 14 times; together they must not log in more than one cache does.
    assertTrue(logins >= 11 && logins <= 14, "logins in 10 h: a " + loginA.calls() + ", b " + loginB.calls());
    assertTrue(loginA.calls() > 0 && loginB.calls() > 0, "whoever's refresh comes first logs in; the other adopts");
  }
}

package dev.herdguard.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.Token;
import dev.herdguard.testing.OwnerOnly;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTokenStoreTest {

  private static final String SECRET = "s3cr3t-value-do-not-log";
  private static final Instant ISSUED = Instant.parse("2026-11-10T08:00:00Z");
  private static final Token TOKEN = Token.of(SECRET, ISSUED.plusSeconds(3600))
      .withIssuedAt(ISSUED)
      .withAttribute("refresh_token", "refresh=with:odd\nchars é")
      .withAttribute("scope", "read write");

  @TempDir
  Path dir;

  @Test
  void savedTokenLoadsBackWhole() throws IOException {
    FileTokenStore store = new FileTokenStore(dir.resolve("token"));
    assertEquals(Optional.empty(), store.load());
    store.save(TOKEN);
    assertEquals(Optional.of(TOKEN), store.load());
    Token noExpiry = Token.withoutExpiry("v");
    store.save(noExpiry);
    assertEquals(Optional.of(noExpiry), store.load());
    store.clear();
    assertEquals(Optional.empty(), store.load());
    store.clear(); // clearing nothing is fine
  }

  @Test
  void fileCarriesTheVersionAChecksumAndNoPlainValue() throws IOException {
    Path file = dir.resolve("token");
    new FileTokenStore(file).save(TOKEN);
    List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
    assertEquals("herdguard-token v1", lines.get(0));
    assertEquals("issued-at=2026-11-10T08:00:00Z", lines.get(1));
    assertEquals("expires-at=2026-11-10T09:00:00Z", lines.get(2));
    assertTrue(lines.get(lines.size() - 1).matches("crc32=[0-9a-f]{8}"), lines.get(lines.size() - 1));
    assertFalse(Files.readString(file, StandardCharsets.ISO_8859_1).contains(SECRET));
  }

  @Test
  void fileIsOwnerOnlyAndACreatedFolderToo() throws Exception {
    Path folder = dir.resolve("state").resolve("herdguard");
    Path file = folder.resolve("token");
    FileTokenStore store = new FileTokenStore(file);
    store.withLock(() -> {
      store.save(TOKEN);
      return null;
    });
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(folder)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(folder.getParent())));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(folder.resolve("token.lock"))));
  }

  @Test
  void replacingAWorldReadableFileLeavesAnOwnerOnlyOne() throws IOException {
    Path file = dir.resolve("token");
    Files.writeString(file, "old");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    new FileTokenStore(file).save(TOKEN);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  @Test
  void writeInterruptedHalfwayLeavesTheOldFileWhole() throws IOException {
    Path file = dir.resolve("token");
    new FileTokenStore(file).save(TOKEN);
    byte[] before = Files.readAllBytes(file);
    FileTokenStore crashing = new FileTokenStore(file, (channel, bytes) -> {
      bytes.limit(bytes.limit() / 2);
      channel.write(bytes);
      throw new IOException("No space left on device");
    });
    IOException e = assertThrows(IOException.class, () -> crashing.save(Token.of("new-value", ISSUED.plusSeconds(7200))));
    assertEquals("No space left on device", e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(file));
    assertEquals(Optional.of(TOKEN), new FileTokenStore(file).load());
    assertEquals(List.of("token"), names(), "the half-written temporary file is removed");
  }

  @Test
  void halfWrittenFileLeftByACrashedProcessIsIgnoredAndCleanedUpByTheNextSaveUnderTheLock() throws Exception {
    Path file = dir.resolve("token");
    FileTokenStore store = new FileTokenStore(file);
    store.save(TOKEN);
    byte[] good = TokenFileFormat.encode(Token.of("newer", ISSUED.plusSeconds(7200)));
    Files.write(dir.resolve("token.123456.tmp"), java.util.Arrays.copyOf(good, good.length / 2));
    Files.write(dir.resolve(".token.7z3k9.tmp"), java.util.Arrays.copyOf(good, good.length / 3));
    assertEquals(Optional.of(TOKEN), store.load());
    store.withLock(() -> {
      store.save(Token.of("newer", ISSUED.plusSeconds(7200)));
      return null;
    });
    assertEquals(List.of("token", "token.lock"), names());
  }

  @Test
  void everyTruncationOfTheFileIsDetected() throws IOException {
    byte[] whole = TokenFileFormat.encode(TOKEN);
    for (int length = 0; length < whole.length; length++) {
      byte[] cut = java.util.Arrays.copyOf(whole, length);
      assertThrows(TokenFileFormat.BadTokenFileException.class, () -> TokenFileFormat.decode(cut), "cut at " + length);
    }
    assertEquals(TOKEN, assertDoesNotThrowDecode(whole));
  }

  private static Token assertDoesNotThrowDecode(byte[] bytes) {
    try {
      return TokenFileFormat.decode(bytes);
    } catch (TokenFileFormat.BadTokenFileException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void badFilesAreNamedPreciselyWithoutTheirContent() {
    byte[] good = TokenFileFormat.encode(TOKEN);
    String text = new String(good, StandardCharsets.ISO_8859_1);
    assertBad("empty", new byte[0]);
    assertBad("not a herdguard token file (the first line is not \"herdguard-token v1\")",
        ("{\"token\":\"" + SECRET + "\"}\n").getBytes(StandardCharsets.UTF_8));
    assertBad("format version (2) is not 1, the version this herdguard reads",
        text.replace("herdguard-token v1", "herdguard-token v2").getBytes(StandardCharsets.ISO_8859_1));
    assertBad("truncated (the last line is incomplete)", java.util.Arrays.copyOf(good, good.length - 1));
    assertBad("corrupt or truncated (crc32 mismatch)",
        text.replace("value=", "value=A").getBytes(StandardCharsets.ISO_8859_1));
    byte[] flipped = good.clone();
    flipped[40] ^= 1;
    assertBad("corrupt or truncated (crc32 mismatch)", flipped);
    assertBad("line 3 has an unknown key", withCrc("herdguard-token v1\nvalue=dg\nsecret=" + SECRET + "\n"));
    assertBad("line 3 repeats a key", withCrc("herdguard-token v1\nvalue=dg\nvalue=dg\n"));
    assertBad("no value line", withCrc("herdguard-token v1\nexpires-at=2026-11-10T09:00:00Z\n"));
    assertBad("line 2: value is not base64url", withCrc("herdguard-token v1\nvalue=" + SECRET + "!\n"));
    assertBad("line 2: expires-at is not an ISO-8601 instant", withCrc("herdguard-token v1\nexpires-at=tomorrow\nvalue=dg\n"));
    assertBad("invalid token (token issuedAt (2026-11-10T10:00:00Z) must be before its expiresAt (2026-11-10T09:00:00Z))",
        withCrc("herdguard-token v1\nissued-at=2026-11-10T10:00:00Z\nexpires-at=2026-11-10T09:00:00Z\nvalue=dg\n"));
  }

  private static byte[] withCrc(String body) {
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
    crc.update(b);
    return (body + "crc32=" + String.format("%08x", crc.getValue()) + "\n").getBytes(StandardCharsets.ISO_8859_1);
  }

  private static void assertBad(String reason, byte[] bytes) {
    TokenFileFormat.BadTokenFileException e =
        assertThrows(TokenFileFormat.BadTokenFileException.class, () -> TokenFileFormat.decode(bytes));
    assertEquals(reason, e.getMessage());
    assertFalse(e.getMessage().contains(SECRET));
  }

  @Test
  void badFileIsSetAsideSoTheNextLoadFindsNothing() throws IOException {
    Path file = dir.resolve("token");
    OwnerOnly.set(Files.writeString(file, "herdguard-token v1\nvalue=" + SECRET));
    FileTokenStore store = new FileTokenStore(file);
    IOException e = assertThrows(IOException.class, store::load);
    assertTrue(e.getMessage().startsWith("token file " + file + " set aside as token.bad-"), e.getMessage());
    assertTrue(e.getMessage().endsWith(": truncated (the last line is incomplete)"), e.getMessage());
    assertFalse(e.getMessage().contains(SECRET));
    assertEquals(Optional.empty(), store.load());
    List<String> names = names();
    assertEquals(1, names.stream().filter(n -> n.startsWith("token.bad-")).count(), names.toString());
  }

  @Test
  void unreadableFileIsSetAside() throws IOException {
    Path file = dir.resolve("token");
    Files.createDirectory(file); // unreadable as a file, even for root
    IOException e = assertThrows(IOException.class, new FileTokenStore(file)::load);
    assertTrue(e.getMessage().endsWith(": unreadable (it is a folder)"), e.getMessage());
    assertFalse(Files.exists(file));
  }

  @Test
  void onlyTheThreeLatestBadFilesAreKept() throws IOException {
    Path file = dir.resolve("token");
    FileTokenStore store = new FileTokenStore(file);
    for (int i = 0; i < 6; i++) {
      OwnerOnly.set(Files.writeString(file, "garbage " + i));
      assertThrows(IOException.class, store::load);
    }
    List<String> bad = names().stream().filter(n -> n.startsWith("token.bad-")).collect(Collectors.toList());
    assertEquals(3, bad.size(), bad.toString());
    List<String> kept = new ArrayList<>();
    for (String n : bad) {
      kept.add(Files.readString(dir.resolve(n)));
    }
    assertEquals(List.of("garbage 3", "garbage 4", "garbage 5"), kept);
  }

  @Test
  void lockIsReentrantAndExcludesOtherStoresOfThePathInThisProcess() throws Exception {
    Path file = dir.resolve("token");
    FileTokenStore a = new FileTokenStore(file);
    FileTokenStore b = new FileTokenStore(dir.resolve(".").resolve("token"));
    // Nested: a second FileChannel.lock in one process would throw OverlappingFileLockException.
    assertEquals("inner", a.withLock(() -> b.withLock(() -> "inner")));

    AtomicInteger inside = new AtomicInteger();
    AtomicInteger maxInside = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      FileTokenStore store = t % 2 == 0 ? a : b;
      futures.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < 50; i++) {
          store.withLock(() -> {
            maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            inside.decrementAndGet();
            return null;
          });
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertEquals(1, maxInside.get());
  }

  @Test
  void lockThatCannotBeTakenDoesNotStopTheAction() throws Exception {
    Path notAFolder = dir.resolve("file");
    Files.writeString(notAFolder, "x");
    FileTokenStore store = new FileTokenStore(notAFolder.resolve("token"));
    assertEquals("ran", store.withLock(() -> "ran"));
    assertThrows(IOException.class, () -> store.save(TOKEN));
  }

  @Test
  void toStringNamesThePath() {
    assertEquals("TokenStore.file(" + dir.resolve("token") + ")", new FileTokenStore(dir.resolve("token")).toString());
  }

  private List<String> names() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }
}

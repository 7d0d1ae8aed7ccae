package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.herdguard.internal.InstallationIdFile;
import dev.herdguard.testing.OwnerOnly;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Cohort#load}: the installation id file, its folder, and every way they can be broken. */
class CohortLoadTest {

  @TempDir
  Path temp;

  @Test
  void firstLoadCreatesFolderAndIdAndLaterLoadsReuseIt() throws IOException {
    Path stateDir = temp.resolve("app").resolve("state");
    Cohort first = Cohort.load(stateDir);

    Path file = stateDir.resolve("installation-id");
    assertEquals(first.installationId() + "\n", Files.readString(file));
    assertEquals(List.of("installation-id"), list(stateDir), "no temporary file is left behind");

    Cohort afterRestart = Cohort.load(stateDir);
    assertEquals(first, afterRestart);
    assertEquals(first.bucket(), afterRestart.bucket());
    assertEquals(first.stableFraction(), afterRestart.stableFraction());
  }

  @Test
  void stableOffsetSurvivesRestartAndDiffersBetweenInstallations() {
    Duration max = Duration.ofSeconds(60);
    SplittableRandom random = new SplittableRandom(7);
    Duration offset = StartupJitter.stable(max, Cohort.load(temp.resolve("a"))).delay(random);
    Duration afterRestart = StartupJitter.stable(max, Cohort.load(temp.resolve("a"))).delay(random);
    Duration elsewhere = StartupJitter.stable(max, Cohort.load(temp.resolve("b"))).delay(random);

    assertEquals(offset, afterRestart);
    assertNotEquals(offset, elsewhere);
    assertNotEquals(Cohort.load(temp.resolve("a")), Cohort.load(temp.resolve("b")));
  }

  @Test
  void createdFolderIsOwnerOnly() throws IOException {
    assumeTrue(Files.getFileStore(temp).supportsFileAttributeView(PosixFileAttributeView.class),
        "the file system is not POSIX");
    Path stateDir = temp.resolve("new").resolve("state");
    Cohort.load(stateDir);

    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(stateDir)));
    assertEquals("rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(stateDir.resolve("installation-id"))));
  }

  @Test
  void existingFolderKeepsItsPermissions() throws IOException {
    assumeTrue(Files.getFileStore(temp).supportsFileAttributeView(PosixFileAttributeView.class),
        "the file system is not POSIX");
    Path stateDir = Files.createDirectory(temp.resolve("shared"));
    Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwxr-x---"));
    Cohort.load(stateDir);

    assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(stateDir)));
  }

  @Test
  void handWrittenIdIsAccepted() throws IOException {
    OwnerOnly.set(Files.writeString(temp.resolve("installation-id"), "  123E4567-E89B-42D3-A456-426614174000\r\n"));
    assertEquals(UUID.fromString("123e4567-e89b-42d3-a456-426614174000"), Cohort.load(temp).installationId());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "\n", "not-a-uuid", "1-2-3-4-5", "123e4567-e89b-42d3-a456-42661417400",
      "123e4567-e89b-42d3-a456-426614174000 123e4567-e89b-42d3-a456-426614174000", "\u0000\u0000\u0000"})
  void corruptFileIsReplacedByANewId(String content) throws IOException {
    Path file = temp.resolve("installation-id");
    OwnerOnly.set(Files.writeString(file, content));

    Cohort replaced = Cohort.load(temp);

    assertEquals(replaced.installationId() + "\n", Files.readString(file));
    assertEquals(replaced, Cohort.load(temp), "the replacement is kept");
    assertEquals(List.of("installation-id"), list(temp));
  }

  @Test
  void oversizedFileIsReplaced() throws IOException {
    Path file = temp.resolve("installation-id");
    OwnerOnly.set(Files.write(file, new byte[1 << 20]));

    Cohort replaced = Cohort.load(temp);

    assertEquals(replaced.installationId() + "\n", Files.readString(file));
  }

  @Test
  void invalidUtf8IsReplaced() throws IOException {
    Path file = temp.resolve("installation-id");
    OwnerOnly.set(Files.write(file, new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF}));

    Cohort replaced = Cohort.load(temp);

    assertEquals(replaced.installationId() + "\n", Files.readString(file));
  }

  @Test
  void stateDirUnderARegularFileDoesNotCrash() throws IOException {
    Path regular = Files.writeString(temp.resolve("not-a-folder"), "keep me");
    Path stateDir = regular.resolve("state");

    Cohort first = Cohort.load(stateDir);
    Cohort second = Cohort.load(stateDir);

    assertNotEquals(first, second, "nothing could be kept: each run gets its own id");
    assertEquals("keep me", Files.readString(regular));
  }

  @Test
  void stateDirThatIsARegularFileDoesNotCrash() throws IOException {
    Path regular = Files.writeString(temp.resolve("state"), "keep me");

    Cohort.load(regular);

    assertEquals("keep me", Files.readString(regular));
  }

  @Test
  void idFileThatIsAFolderDoesNotCrash() throws IOException {
    Path blocker = Files.createDirectories(temp.resolve("installation-id").resolve("child"));

    Cohort first = Cohort.load(temp);

    assertNotEquals(first, Cohort.load(temp));
    assertTrue(Files.isDirectory(blocker), "a folder in the way is not deleted");
  }

  @Test
  void processesStartingTogetherOnAFreshFolderAgreeOnOneId() throws Exception {
    // Regression guard: creating the file with Files.move(temp, file, ATOMIC_MOVE) is rename(2) on
    // POSIX, which replaces a file another process has just written; here that gives 8 ids a round.
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 25; round++) {
        Path stateDir = temp.resolve("race-" + round);
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Cohort>> loads = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          loads.add(pool.submit(() -> {
            ready.countDown();
            go.await();
            return Cohort.load(stateDir);
          }));
        }
        ready.await();
        go.countDown();
        Set<UUID> ids = new HashSet<>();
        for (Future<Cohort> load : loads) {
          ids.add(load.get().installationId());
        }

        assertEquals(1, ids.size(), "round " + round + ": ids " + ids);
        assertEquals(ids.iterator().next() + "\n", Files.readString(stateDir.resolve("installation-id")));
        assertEquals(List.of("installation-id"), list(stateDir), "round " + round);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void parseRejectsLenientForms() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> InstallationIdFile.parse("1-2-3-4-5"));
    assertEquals("installation id (\"1-2-3-4-5\") must be a UUID such as 123e4567-e89b-42d3-a456-426614174000",
        e.getMessage());
  }

  @Test
  void nullStateDirIsRejected() {
    assertThrows(NullPointerException.class, () -> Cohort.load(null));
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }
}

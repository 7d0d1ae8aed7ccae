package dev.herdguard.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import dev.herdguard.testing.LogCapture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.AclEntryFlag;
import java.nio.file.attribute.AclEntryPermission;
import java.nio.file.attribute.AclEntryType;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, item 4: state files trust nothing they find. Links are never followed, files that are
 * someone else's or open to others are set aside, a folder others can write to holds nothing, and
 * nothing is created through a link. POSIX-only tests are skipped elsewhere; the Windows (ACL) path
 * is pinned as far as Linux can: which protection a file system gets, and the ACL it would be given.
 */
class StateFilesTest {

  private static final String SECRET = "s3cr3t-value-do-not-log";
  private static final Token TOKEN = Token.of(SECRET, Instant.parse("2030-01-01T00:00:00Z"));

  @TempDir
  Path root;
  private Path dir;

  @BeforeEach
  void posixOnly() throws IOException {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX modes");
    dir = Files.createDirectory(root.resolve("state"), PosixFilePermissions.asFileAttribute(StateFiles.OWNER_RWX));
  }

  private List<String> names(Path folder) throws IOException {
    try (Stream<Path> s = Files.list(folder)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void tokenLockThroughDanglingSymlinkIsRefused() throws Exception {
    Path target = root.resolve("planted-by-someone");
    Files.createSymbolicLink(dir.resolve("token.lock"), target);
    FileTokenStore store = new FileTokenStore(dir.resolve("token"));

    try (LogCapture logs = new LogCapture()) {
      assertEquals("ran", store.withLock(() -> "ran"));
      assertTrue(logs.text().contains(dir.resolve("token.lock")
          + " is a symbolic link; herdguard never follows a link for its state files"), logs.text());
      assertTrue(logs.text().contains("going on without the lock between processes"), logs.text());
    }
    assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS), "nothing created at the link's target");
    assertTrue(Files.isSymbolicLink(dir.resolve("token.lock")));
  }

  @Test
  void tokenSymlinkToAnotherFileIsSetAsideNotFollowed() throws Exception {
    Path others = Files.createDirectory(root.resolve("other-user"));
    Path theirs = others.resolve("token");
    new FileTokenStore(theirs).save(TOKEN);
    byte[] theirBytes = Files.readAllBytes(theirs);
    Files.createSymbolicLink(dir.resolve("token"), theirs);

    IOException e = assertThrows(IOException.class, new FileTokenStore(dir.resolve("token"))::load);
    assertTrue(e.getMessage().startsWith("token file " + dir.resolve("token") + " set aside as token.bad-"), e.getMessage());
    assertTrue(e.getMessage().endsWith(": is a symbolic link; herdguard never follows a link for its state files"),
        e.getMessage());
    assertFalse(e.getMessage().contains(SECRET));
    assertEquals(Optional.empty(), new FileTokenStore(dir.resolve("token")).load());
    assertArrayEquals(theirBytes, Files.readAllBytes(theirs), "the link's target is left alone");
    String aside = names(dir).stream().filter(n -> n.startsWith("token.bad-")).findFirst().orElseThrow();
    assertTrue(Files.isSymbolicLink(dir.resolve(aside)), "the link itself was moved aside");
  }

  @Test
  void tokenCacheLogsInRatherThanUseATokenSymlinkedFromAnotherUser() throws Exception {
    Path theirs = Files.createDirectory(root.resolve("other-user")).resolve("token");
    new FileTokenStore(theirs).save(TOKEN);
    Files.createSymbolicLink(dir.resolve("token"), theirs);
    AtomicInteger logins = new AtomicInteger();

    try (LogCapture logs = new LogCapture();
        TokenCache cache = TokenCache.builder(previous -> {
          logins.incrementAndGet();
          return Token.of("mine", Instant.now().plusSeconds(3600));
        }).withFile(dir.resolve("token")).build()) {
      assertEquals("mine", cache.get().value());
      assertFalse(logs.text().contains(SECRET), logs.text());
      assertTrue(logs.text().contains("is a symbolic link"), logs.text());
    }
    assertEquals(1, logins.get(), "their token was not used in place of a login");
    assertEquals(TOKEN, new FileTokenStore(theirs).load().orElseThrow(), "their file is untouched");
  }

  @Test
  void savingOverASymlinkReplacesTheLinkNotItsTarget() throws Exception {
    Path outside = Files.writeString(root.resolve("outside"), "not yours");
    Files.createSymbolicLink(dir.resolve("token"), outside);

    new FileTokenStore(dir.resolve("token")).save(TOKEN);

    assertEquals("not yours", Files.readString(outside));
    assertFalse(Files.isSymbolicLink(dir.resolve("token")));
    assertEquals("rw-------", mode(dir.resolve("token")));
    assertEquals(Optional.of(TOKEN), new FileTokenStore(dir.resolve("token")).load());
  }

  @Test
  void tokenFileReadableByOthersIsSetAside() throws Exception {
    Path file = dir.resolve("token");
    new FileTokenStore(file).save(TOKEN);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    try (LogCapture logs = new LogCapture()) {
      IOException e = assertThrows(IOException.class, new FileTokenStore(file)::load);
      assertTrue(e.getMessage().endsWith(": can be read or written by others (mode rw-r--r--;"
          + " herdguard's files are rw-------)"), e.getMessage());
      assertFalse(e.getMessage().contains(SECRET));
      assertFalse(logs.text().contains(SECRET));
    }
    assertFalse(Files.exists(file));
    assertEquals(1, names(dir).stream().filter(n -> n.startsWith("token.bad-")).count());
  }

  @Test
  void tokenFileOwnedByAnotherUserIsSetAside() throws Exception {
    Path file = dir.resolve("token");
    new FileTokenStore(file).save(TOKEN);
    UserPrincipal me = Files.getOwner(file);
    UserPrincipal nobody;
    try {
      nobody = file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
      Files.setOwner(file, nobody);
    } catch (IOException | UnsupportedOperationException e) {
      assumeTrue(false, "cannot give a file to another user here (not root?): " + e);
      return;
    }
    assumeTrue(!nobody.equals(me), "the tests run as nobody");

    IOException e = assertThrows(IOException.class, new FileTokenStore(file)::load);
    assertTrue(e.getMessage().endsWith(": is owned by nobody, not by this process's user (" + me.getName() + ")"),
        e.getMessage());
    assertFalse(Files.exists(file));
  }

  @Test
  void stateFolderWritableByOthersHoldsNothingAndCrashesNothing() throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    String refusal = "state folder " + dir + " is writable by others (mode rwxrwxrwx), so anyone could plant or"
        + " remove files there; herdguard keeps nothing in it (chmod o-w, or choose an owner-only folder)";
    FileTokenStore store = new FileTokenStore(dir.resolve("token"));

    assertEquals(refusal, assertThrows(StateFiles.RefusedException.class, () -> store.save(TOKEN)).getMessage());
    assertEquals(List.of(), names(dir));

    // A token planted there by anyone, even one that looks like ours, is not read.
    Path planted = dir.resolve("token");
    Files.write(planted, TokenFileFormat.encode(TOKEN));
    Files.setPosixFilePermissions(planted, StateFiles.OWNER_RW);
    assertEquals(refusal, assertThrows(IOException.class, store::load).getMessage());
    assertTrue(Files.exists(planted), "nothing is set aside in a folder herdguard does not use");

    UUID first = InstallationIdFile.loadOrCreate(dir);
    assertNotEquals(first, InstallationIdFile.loadOrCreate(dir), "an id for this run only");
    assertEquals(refusal, assertThrows(IOException.class,
        () -> new CheckStateFile(dir.resolve("check")).writeLastSuccess(Instant.EPOCH)).getMessage());
    assertEquals(List.of("token"), names(dir));
  }

  @Test
  void installationIdThroughASymlinkIsSetAsideAndReplaced() throws Exception {
    Path theirs = Files.writeString(root.resolve("their-id"), "123e4567-e89b-42d3-a456-426614174000\n");
    Files.createSymbolicLink(dir.resolve(InstallationIdFile.FILE_NAME), theirs);

    UUID id = InstallationIdFile.loadOrCreate(dir);

    assertNotEquals(UUID.fromString("123e4567-e89b-42d3-a456-426614174000"), id);
    assertEquals(id, InstallationIdFile.loadOrCreate(dir), "the new id is kept");
    assertFalse(Files.isSymbolicLink(dir.resolve(InstallationIdFile.FILE_NAME)));
    assertEquals("rw-------", mode(dir.resolve(InstallationIdFile.FILE_NAME)));
    assertEquals("123e4567-e89b-42d3-a456-426614174000\n", Files.readString(theirs));
  }

  @Test
  void checkStateFileOpenToOthersIsSetAsideAndReadsAsNoRecord() throws Exception {
    CheckStateFile state = new CheckStateFile(dir.resolve("check"));
    state.writeLastSuccess(Instant.parse("2026-11-10T08:00:00Z"));
    Files.setPosixFilePermissions(state.path(), PosixFilePermissions.fromString("rw-rw-rw-"));

    IOException e = assertThrows(IOException.class, state::readLastSuccess);
    assertTrue(e.getMessage().startsWith("check state file " + state.path() + " set aside as check.bad-"),
        e.getMessage());
    assertEquals(Optional.empty(), state.readLastSuccess());
  }

  @Test
  void helperWritesOwnerOnlyAtomicallyAndReadsBack() throws Exception {
    // What a further state file (the per-host state) does through the helper.
    Path hosts = root.resolve("fresh").resolve("state").resolve("hosts");
    StateFiles.writeAtomically(hosts, "a=1\n".getBytes(StandardCharsets.UTF_8));

    assertEquals("rw-------", mode(hosts));
    assertEquals("rwx------", mode(hosts.getParent()));
    assertEquals(List.of("hosts"), names(hosts.getParent()), "no temporary file left");
    assertArrayEquals("a=1\n".getBytes(StandardCharsets.UTF_8), StateFiles.readOwnerOnly(hosts).orElseThrow());
    assertEquals(Optional.empty(), StateFiles.readOwnerOnly(hosts.resolveSibling("absent")));

    Files.write(hosts, new byte[65]);
    StateFiles.RefusedException tooLarge =
        assertThrows(StateFiles.RefusedException.class, () -> StateFiles.readOwnerOnly(hosts, 64));
    assertEquals(hosts + " is too large (over 64 bytes) to be a herdguard state file", tooLarge.getMessage());
    String message = StateFiles.setAside(hosts, "too large");
    assertTrue(message.startsWith(hosts + " set aside as hosts.bad-") && message.endsWith(": too large"), message);
    assertEquals(Optional.empty(), StateFiles.readOwnerOnly(hosts));
  }

  @Test
  void lockFileOfAnotherOwnerOrModeIsRefusedAndAFreshOneIsOwnerOnly() throws Exception {
    Path lock = dir.resolve("token.lock");
    StateFiles.openLockFile(lock).close();
    assertEquals("rw-------", mode(lock));
    Files.setPosixFilePermissions(lock, PosixFilePermissions.fromString("rw-rw-rw-"));
    assertThrows(StateFiles.RefusedException.class, () -> StateFiles.openLockFile(lock));
  }

  @Test
  void windowsGetsAnOwnerOnlyAclWhereThereAreNoPosixModes() throws Exception {
    // The code path a file system gets, from its attribute views (Windows NTFS: acl, no posix).
    assertEquals(StateFiles.Protection.ACL, StateFiles.protection(Set.of("basic", "owner", "dos", "acl", "user")));
    assertEquals(StateFiles.Protection.POSIX, StateFiles.protection(Set.of("basic", "owner", "posix", "unix")));
    assertEquals(StateFiles.Protection.POSIX, StateFiles.protection(Set.of("posix", "acl")));
    assertEquals(StateFiles.Protection.NONE, StateFiles.protection(Set.of("basic")));
    assertEquals(StateFiles.Protection.POSIX, StateFiles.protection(dir.getFileSystem()));

    // The ACL it sets: the owner alone, with every right; on a folder, inherited by what is made in it.
    UserPrincipal owner = Files.getOwner(dir);
    AclEntry fileEntry = AclEntry.newBuilder().setType(AclEntryType.ALLOW).setPrincipal(owner)
        .setPermissions(EnumSet.allOf(AclEntryPermission.class)).build();
    assertEquals(List.of(fileEntry), StateFiles.ownerOnlyAcl(owner, false));
    AclEntry folderEntry = AclEntry.newBuilder(fileEntry)
        .setFlags(AclEntryFlag.FILE_INHERIT, AclEntryFlag.DIRECTORY_INHERIT).build();
    assertEquals(List.of(folderEntry), StateFiles.ownerOnlyAcl(owner, true));
  }
}

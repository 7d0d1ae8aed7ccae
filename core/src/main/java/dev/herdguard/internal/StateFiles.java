package dev.herdguard.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.AclEntryFlag;
import java.nio.file.attribute.AclEntryPermission;
import java.nio.file.attribute.AclEntryType;
import java.nio.file.attribute.AclFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes the small files herdguard keeps between runs (the token, its lock, the
 * installation id, a periodic check's state, per-host state) so that nothing planted by someone
 * else is trusted, and nothing herdguard writes can be read by someone else. Not part of the public
 * API; every state file goes through here, so the rules live in one place.
 *
 * <p>The rules, after what OpenSSH does with {@code ~/.ssh}:
 * <ul>
 *   <li><b>Never through a link.</b> A file is read, its attributes too, with {@code
 *       NOFOLLOW_LINKS}; a link where a state file should be is refused, not followed. New files are
 *       created with {@code CREATE_NEW} ({@code O_CREAT|O_EXCL}), which fails on any existing name, a
 *       dangling link included, so nothing is ever created at a link's target. A file replaces the
 *       old one by an atomic rename, which replaces a link itself, never its target.
 *   <li><b>Owner-only.</b> A file is refused when it is not a regular file, is not owned by the
 *       process's user, or, where the file system has POSIX permissions, can be read or written by
 *       its group or by others. Files are created {@code rw-------}, folders {@code rwx------}. On a
 *       file system without POSIX permissions but with ACLs (Windows, NTFS), a new file's ACL is
 *       replaced by one entry that gives its owner full control and nobody else anything, and a new
 *       folder's likewise, inherited by what is created in it; there, a file is checked for its
 *       owner and for being a link, not for its ACL.
 *   <li><b>A folder others can write to holds nothing.</b> In a folder writable by others (POSIX
 *       {@code o+w}), anyone could delete, rename or plant files: herdguard neither reads nor writes
 *       state there, and says so. A folder is otherwise the user's business, and its mode is left
 *       as it is; only folders herdguard creates are made owner-only.
 * </ul>
 *
 * <p>A refused file surfaces as a {@link RefusedException} naming the file and the rule, never its
 * content; callers set it aside with {@link #setAside} (renamed {@code <name>.bad-<instant>}, the
 * latest three kept) and go on as if there were none. Stateless apart from a cache of the process's
 * user, so thread-safe.
 */
public final class StateFiles {

  private static final Logger log = LoggerFactory.getLogger(StateFiles.class);

  /** What {@link #readOwnerOnly(Path)} reads at most: larger files are not state files. */
  public static final int DEFAULT_MAX_BYTES = 64 * 1024;

  /** Bad files kept for inspection; older ones are deleted so a recurring fault leaves no litter. */
  static final int BAD_FILES_KEPT = 3;

  static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");
  static final Set<PosixFilePermission> OWNER_RWX = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> GROUP_OR_OTHERS_RW = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

  private static final DateTimeFormatter BAD_STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final SecureRandom TEMP_NAMES = new SecureRandom();
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

  /** How a file system lets files be restricted to their owner. */
  enum Protection {
    /** POSIX modes: created 0600 / 0700, checked for group and other bits. */
    POSIX,
    /** ACLs without POSIX modes (Windows): an owner-only ACL is set on what herdguard creates. */
    ACL,
    /** Neither (FAT, some network file systems): links and owners are still checked where possible. */
    NONE
  }

  /** The process's user per file system: the owner of a file this process creates. */
  private static final ConcurrentHashMap<FileSystem, Optional<UserPrincipal>> PROCESS_USER = new ConcurrentHashMap<>();

  private StateFiles() {}

  /**
   * A state file that herdguard will not use: a link, not a regular file, someone else's, readable
   * or writable by others, too large, or in a folder others can write to. The message names the
   * file and the rule, never the content.
   */
  public static final class RefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    RefusedException(String message) {
      super(message);
    }
  }

  // ------------------------------------------------------------------------------------- reading

  /** {@link #readOwnerOnly(Path, int)} with at most {@link #DEFAULT_MAX_BYTES}. */
  public static Optional<byte[]> readOwnerOnly(Path file) throws IOException {
    return readOwnerOnly(file, DEFAULT_MAX_BYTES);
  }

  /**
   * The content of {@code file}, or empty when there is no file (a dangling link is a link, and is
   * refused). Checks the file before it is opened, opens it without following a link, and checks
   * after reading that the name still names the file that was checked.
   *
   * @param maxBytes a larger file is refused, and not read further than this
   * @throws RefusedException if the file breaks a rule of the class comment, or is larger
   * @throws IOException if it cannot be read
   */
  public static Optional<byte[]> readOwnerOnly(Path file, int maxBytes) throws IOException {
    BasicFileAttributes before;
    try {
      before = checkFile(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (FileSystemException e) {
      Path dir = file.toAbsolutePath().getParent();
      if (dir != null && !Files.isDirectory(dir)) {
        return Optional.empty(); // ENOTDIR: no folder, so no file (writing there fails, and says so)
      }
      throw e;
    }
    byte[] bytes;
    try (SeekableByteChannel ch = Files.newByteChannel(file, Set.of(StandardOpenOption.READ,
        LinkOption.NOFOLLOW_LINKS))) {
      bytes = Channels.newInputStream(ch).readNBytes(maxBytes + 1);
      if (bytes.length > maxBytes) {
        throw new RefusedException(file + " is too large (over " + maxBytes + " bytes) to be a herdguard state file");
      }
    } catch (NoSuchFileException e) {
      return Optional.empty(); // deleted between the check and the open: as if it had never been
    } catch (FileSystemException e) {
      if (isLink(file)) {
        throw refusedLink(file); // swapped for a link after the check: O_NOFOLLOW refused it (ELOOP)
      }
      throw e;
    }
    // The name may have been pointed at another file between the check and the open: compare.
    BasicFileAttributes after = Files.readAttributes(file, BasicFileAttributes.class, NOFOLLOW);
    if (before.fileKey() != null && !before.fileKey().equals(after.fileKey())) {
      throw new RefusedException(file + " was replaced while it was read; not used");
    }
    return Optional.of(bytes);
  }

  /**
   * Checks that {@code file} exists and may be used: a regular file, not a link, owned by the
   * process's user, and not readable or writable by group or others (POSIX), in a folder others
   * cannot write to.
   *
   * @return its attributes, read without following a link
   * @throws NoSuchFileException if there is no file (and no link) by that name
   * @throws RefusedException naming the rule it breaks
   */
  public static BasicFileAttributes checkFile(Path file) throws IOException {
    Protection protection = protection(file.getFileSystem());
    BasicFileAttributes attrs = protection == Protection.POSIX
        ? Files.readAttributes(file, PosixFileAttributes.class, NOFOLLOW)
        : Files.readAttributes(file, BasicFileAttributes.class, NOFOLLOW);
    if (attrs.isSymbolicLink()) {
      throw refusedLink(file);
    }
    if (!attrs.isRegularFile()) {
      throw new RefusedException(file + " is not a regular file (" + (attrs.isDirectory() ? "a folder" : "a device or"
          + " other special file") + ")");
    }
    UserPrincipal owner = attrs instanceof PosixFileAttributes
        ? ((PosixFileAttributes) attrs).owner()
        : ownerOrNull(file);
    Optional<UserPrincipal> me = processUser(file.getFileSystem());
    if (owner != null && me.isPresent() && !owner.equals(me.get())) {
      throw new RefusedException(file + " is owned by " + owner.getName() + ", not by this process's user ("
          + me.get().getName() + ")");
    }
    if (attrs instanceof PosixFileAttributes) {
      Set<PosixFilePermission> perms = ((PosixFileAttributes) attrs).permissions();
      if (!Collections.disjoint(perms, GROUP_OR_OTHERS_RW)) {
        throw new RefusedException(file + " can be read or written by others (mode "
            + PosixFilePermissions.toString(perms) + "; herdguard's files are rw-------)");
      }
    }
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) {
      checkFolder(dir);
    }
    return attrs;
  }

  /**
   * Checks that {@code dir} may hold state: an existing folder (a link to one is followed: the
   * user named it) that others cannot write to.
   *
   * @throws NoSuchFileException if it does not exist
   * @throws RefusedException if it is not a folder, or is writable by others
   */
  public static void checkFolder(Path dir) throws IOException {
    BasicFileAttributes attrs = protection(dir.getFileSystem()) == Protection.POSIX
        ? Files.readAttributes(dir, PosixFileAttributes.class)
        : Files.readAttributes(dir, BasicFileAttributes.class);
    if (!attrs.isDirectory()) {
      throw new RefusedException("state folder " + dir + " is not a folder");
    }
    if (attrs instanceof PosixFileAttributes
        && ((PosixFileAttributes) attrs).permissions().contains(PosixFilePermission.OTHERS_WRITE)) {
      throw new RefusedException("state folder " + dir + " is writable by others (mode "
          + PosixFilePermissions.toString(((PosixFileAttributes) attrs).permissions())
          + "), so anyone could plant or remove files there; herdguard keeps nothing in it (chmod o-w, or"
          + " choose an owner-only folder)");
    }
  }

  /**
   * Creates {@code dir} and its missing parents owner-only ({@code rwx------}, or an owner-only ACL)
   * if it does not exist, then {@linkplain #checkFolder checks} it. An existing folder's mode is left
   * as it is.
   *
   * @throws RefusedException if it exists and may not hold state
   * @throws IOException if it cannot be created
   */
  public static void ensureFolder(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      switch (protection(dir.getFileSystem())) {
        case POSIX:
          Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_RWX));
          // mkdir applies the umask; say exactly what we mean for the folder we made.
          Files.setPosixFilePermissions(dir, OWNER_RWX);
          break;
        case ACL:
          boolean existed = Files.exists(dir);
          Files.createDirectories(dir);
          if (!existed) {
            restrictToOwner(dir, true);
          }
          break;
        default:
          Files.createDirectories(dir);
      }
    }
    checkFolder(dir);
  }

  // ------------------------------------------------------------------------------------- writing

  /**
   * Replaces {@code file} with {@code content}, atomically: a temporary file in the same folder,
   * created owner-only with {@code CREATE_NEW}, forced to disk, then renamed over {@code file}
   * (replacing a link there, never writing through it). Creates the folder owner-only if needed.
   *
   * @throws RefusedException if the folder may not hold state
   * @throws IOException if it cannot be written; the old content is then left as it was
   */
  public static void writeAtomically(Path file, byte[] content) throws IOException {
    writeAtomically(file, content, StateFiles::writeFully);
  }

  /** Writes bytes to a channel; a seam for tests that cut a write short. */
  @FunctionalInterface
  public interface ChannelWriter {
    /** Writes all of {@code bytes}. */
    void write(FileChannel channel, ByteBuffer bytes) throws IOException;
  }

  /** {@link #writeAtomically(Path, byte[])} writing with {@code writer}. */
  public static void writeAtomically(Path file, byte[] content, ChannelWriter writer) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    ensureFolder(dir);
    Path tmp = createTemp(dir, "." + file.getFileName() + ".", content, writer);
    try {
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      deleteQuietly(tmp);
    }
  }

  /**
   * A new owner-only file in {@code dir} named {@code <prefix><random>.tmp}, created with {@code
   * CREATE_NEW} (so never at a link's target), holding {@code content}, forced to disk. The caller
   * renames or links it into place and deletes it if that fails.
   */
  public static Path createTemp(Path dir, String prefix, byte[] content) throws IOException {
    return createTemp(dir, prefix, content, StateFiles::writeFully);
  }

  /** {@link #createTemp(Path, String, byte[])} writing with {@code writer}. */
  public static Path createTemp(Path dir, String prefix, byte[] content, ChannelWriter writer) throws IOException {
    Protection protection = protection(dir.getFileSystem());
    for (int tries = 0; ; tries++) {
      Path tmp = dir.resolve(prefix + Long.toUnsignedString(TEMP_NAMES.nextLong(), 36) + ".tmp");
      FileChannel channel;
      try {
        channel = openNew(tmp, protection, StandardOpenOption.WRITE);
      } catch (FileAlreadyExistsException e) {
        if (tries < 10) {
          continue;
        }
        throw e;
      }
      boolean written = false;
      try (channel) {
        if (protection == Protection.ACL) {
          restrictToOwner(tmp, false); // before the content goes in
        }
        writer.write(channel, ByteBuffer.wrap(content));
        // Usually just before a reboot: durable before the name appears.
        channel.force(true);
        written = true;
      } finally {
        if (!written) {
          deleteQuietly(tmp);
        }
      }
      return tmp;
    }
  }

  /**
   * Opens (creating if absent) a lock file for writing: never through a link, created owner-only,
   * refused if it is a link or otherwise breaks a rule of the class comment. A lock file someone else
   * owns could be held by them for ever, stopping every login.
   *
   * @throws RefusedException if the lock file may not be used
   * @throws IOException if it cannot be opened
   */
  public static FileChannel openLockFile(Path lockFile) throws IOException {
    Path dir = lockFile.toAbsolutePath().getParent();
    ensureFolder(dir);
    Protection protection = protection(lockFile.getFileSystem());
    FileChannel channel;
    try {
      channel = openNew(lockFile, protection, StandardOpenOption.WRITE);
      if (protection == Protection.ACL) {
        restrictToOwner(lockFile, false);
      }
    } catch (FileAlreadyExistsException exists) {
      checkFile(lockFile); // a link (dangling or not), someone else's, or open to others: refused
      try {
        channel = FileChannel.open(lockFile, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
      } catch (FileSystemException e) {
        if (isLink(lockFile)) {
          throw refusedLink(lockFile);
        }
        throw e;
      }
    }
    return channel;
  }

  // --------------------------------------------------------------------------------- setting aside

  /**
   * Moves {@code file} (or the link by that name) aside as {@code <name>.bad-<instant>}, keeping
   * the latest three such files, so that the next read finds nothing and the bad file can still be
   * inspected.
   *
   * @param reason why, for the message; must not quote the file's content
   * @return the message for the warning: the file, where it went, and the reason
   */
  public static String setAside(Path file, String reason) {
    Path dir = file.toAbsolutePath().getParent();
    String stamp = BAD_STAMP.format(Instant.now());
    for (int n = 0; n < 100; n++) {
      Path target = dir.resolve(file.getFileName() + ".bad-" + stamp + (n == 0 ? "" : "-" + n));
      try {
        // A rename moves a link itself, never its target.
        Files.move(file, target);
        pruneBadFiles(dir, file.getFileName().toString());
        return file + " set aside as " + target.getFileName() + ": " + reason;
      } catch (FileAlreadyExistsException e) {
        continue;
      } catch (IOException e) {
        return file + " is bad (" + reason + ") and could not be set aside (" + e + ")";
      }
    }
    return file + " is bad (" + reason + ") and could not be set aside";
  }

  private static void pruneBadFiles(Path dir, String name) {
    List<Path> bad = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, name + ".bad-*")) {
      s.forEach(bad::add);
    } catch (IOException e) {
      return;
    }
    if (bad.size() <= BAD_FILES_KEPT) {
      return;
    }
    // The stamp sorts by time.
    Collections.sort(bad);
    for (Path p : bad.subList(0, bad.size() - BAD_FILES_KEPT)) {
      deleteQuietly(p);
    }
  }

  // ------------------------------------------------------------------------------------- helpers

  /** How {@code fs} lets herdguard restrict a file to its owner. */
  static Protection protection(FileSystem fs) {
    return protection(fs.supportedFileAttributeViews());
  }

  /** The choice made from a file system's attribute views: POSIX first, then ACL. */
  static Protection protection(Set<String> views) {
    if (views.contains("posix")) {
      return Protection.POSIX;
    }
    return views.contains("acl") ? Protection.ACL : Protection.NONE;
  }

  /**
   * The ACL that gives {@code owner} full control and nobody else anything; on a folder, inherited
   * by the files and folders created in it.
   */
  static List<AclEntry> ownerOnlyAcl(UserPrincipal owner, boolean folder) {
    AclEntry.Builder entry = AclEntry.newBuilder()
        .setType(AclEntryType.ALLOW)
        .setPrincipal(owner)
        .setPermissions(EnumSet.allOf(AclEntryPermission.class));
    if (folder) {
      entry.setFlags(AclEntryFlag.FILE_INHERIT, AclEntryFlag.DIRECTORY_INHERIT);
    }
    return List.of(entry.build());
  }

  private static void restrictToOwner(Path path, boolean folder) throws IOException {
    AclFileAttributeView view = Files.getFileAttributeView(path, AclFileAttributeView.class, NOFOLLOW);
    if (view == null) {
      return;
    }
    // Replacing the whole list also drops the entries inherited from the parent folder.
    view.setAcl(ownerOnlyAcl(view.getOwner(), folder));
  }

  private static FileChannel openNew(Path path, Protection protection, OpenOption mode) throws IOException {
    Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, mode, LinkOption.NOFOLLOW_LINKS);
    if (protection == Protection.POSIX) {
      // The umask can only narrow rw-------.
      FileAttribute<Set<PosixFilePermission>> rw = PosixFilePermissions.asFileAttribute(OWNER_RW);
      return FileChannel.open(path, options, rw);
    }
    return FileChannel.open(path, options);
  }

  /**
   * The user this process runs as, on {@code fs}: the owner of a file it creates (which on Windows
   * is the Administrators group for an elevated process, as it is for every file such a process
   * creates). Empty when that cannot be found out; owners are then not compared.
   */
  static Optional<UserPrincipal> processUser(FileSystem fs) {
    return PROCESS_USER.computeIfAbsent(fs, StateFiles::findProcessUser);
  }

  private static Optional<UserPrincipal> findProcessUser(FileSystem fs) {
    try {
      Path probe = Files.createTempFile("herdguard-owner-", ".tmp");
      try {
        if (probe.getFileSystem().equals(fs)) {
          return Optional.of(Files.getOwner(probe));
        }
      } finally {
        Files.deleteIfExists(probe);
      }
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      log.debug("cannot create a temporary file to learn this process's user: {}", e.toString());
    }
    try {
      return Optional.of(fs.getUserPrincipalLookupService().lookupPrincipalByName(System.getProperty("user.name")));
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      log.debug("cannot look up this process's user; the owners of state files are not checked: {}", e.toString());
      return Optional.empty();
    }
  }

  private static UserPrincipal ownerOrNull(Path file) {
    try {
      return Files.getOwner(file, NOFOLLOW);
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  private static boolean isLink(Path file) {
    return Files.isSymbolicLink(file);
  }

  private static RefusedException refusedLink(Path file) {
    return new RefusedException(file + " is a symbolic link; herdguard never follows a link for its state files");
  }

  private static void writeFully(FileChannel channel, ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      channel.write(bytes);
    }
  }

  static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      log.debug("could not delete {}: {}", p, e.toString());
    }
  }
}

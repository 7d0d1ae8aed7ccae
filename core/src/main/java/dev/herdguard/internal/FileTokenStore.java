package dev.herdguard.internal;

import dev.herdguard.Token;
import dev.herdguard.TokenStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.FileLockInterruptionException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TokenStore#file(Path)}: the token in one owner-only file, replaced atomically, shared
 * between processes under an OS file lock. Not part of the public API.
 *
 * <p>The one idea: the file is never written in place. {@link #save} writes a temporary file in the
 * same folder, forces it to disk and renames it over the old file, so a reader (or a crash) sees
 * the old file or the new one, whole. The lock is taken on a separate {@code <file>.lock} that is
 * never renamed (a lock on the token file itself would be lost with the inode the rename replaces).
 * {@code FileChannel.lock} is held per process, and a second lock on the same file from the same
 * process throws, so the process first takes an in-process lock per lock file (shared by every
 * store of that path in this class loader), which also makes {@link #withLock} reentrant.
 *
 * <p>Thread-safe.
 */
public final class FileTokenStore implements TokenStore {

  private static final Logger log = LoggerFactory.getLogger(TokenStore.class);

  /** Larger files are not token files; refusing them keeps a runaway file from filling memory. */
  static final long MAX_FILE_BYTES = 64 * 1024;

  /** Bad files kept for inspection; older ones are deleted so a recurring fault leaves no litter. */
  static final int BAD_FILES_KEPT = 3;

  private static final ConcurrentHashMap<Path, ReentrantLock> PROCESS_LOCKS = new ConcurrentHashMap<>();
  private static final DateTimeFormatter BAD_STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_RWX = PosixFilePermissions.fromString("rwx------");

  /** Writes the new file's bytes; a seam for tests that cut a write short. */
  @FunctionalInterface
  interface ChannelWriter {
    void write(FileChannel channel, ByteBuffer bytes) throws IOException;
  }

  private final Path file;
  private final Path dir;
  private final Path lockFile;
  private final boolean posix;
  private final ChannelWriter writer;

  /** A store in {@code file}; touches no file until used. */
  public FileTokenStore(Path file) {
    this(file, (channel, bytes) -> {
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
    });
  }

  FileTokenStore(Path file, ChannelWriter writer) {
    Objects.requireNonNull(file, "file");
    this.file = file.toAbsolutePath().normalize();
    if (this.file.getParent() == null || this.file.getFileName() == null) {
      throw new IllegalArgumentException("token file (" + file + ") must name a file inside a folder");
    }
    this.dir = this.file.getParent();
    this.lockFile = dir.resolve(this.file.getFileName() + ".lock");
    this.posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    this.writer = writer;
  }

  /** The token file. */
  public Path file() {
    return file;
  }

  @Override
  public Optional<Token> load() throws IOException {
    Read first = read();
    if (first.problem == null) {
      return Optional.ofNullable(first.token);
    }
    // Set aside under the lock, after reading again: another process may have just replaced the
    // bad file with a good one, which must not be moved away.
    try {
      return withLock(() -> {
        Read again = read();
        if (again.problem == null) {
          return Optional.ofNullable(again.token);
        }
        throw new IOException(setAside(again.problem));
      });
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("token file " + file + " could not be checked: " + e, e);
    }
  }

  @Override
  public void save(Token token) throws IOException {
    Objects.requireNonNull(token, "token");
    byte[] bytes = TokenFileFormat.encode(token);
    ensureDir();
    ReentrantLock local = PROCESS_LOCKS.get(lockFile);
    if (local != null && local.isHeldByCurrentThread()) {
      // Only under the lock can no other writer be midway, so only then are leftovers garbage.
      deleteLeftovers();
    }
    Path tmp = posix
        ? Files.createTempFile(dir, file.getFileName() + ".", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_RW))
        : Files.createTempFile(dir, file.getFileName() + ".", ".tmp");
    boolean moved = false;
    try {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        writer.write(channel, ByteBuffer.wrap(bytes));
        channel.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      moved = true;
    } finally {
      if (!moved) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          log.debug("could not delete the temporary token file {}: {}", tmp, e.toString());
        }
      }
    }
  }

  @Override
  public void clear() throws IOException {
    Files.deleteIfExists(file);
  }

  @Override
  public <T> T withLock(Callable<T> action) throws Exception {
    ReentrantLock local = PROCESS_LOCKS.computeIfAbsent(lockFile, p -> new ReentrantLock());
    local.lockInterruptibly();
    try {
      if (local.getHoldCount() > 1) {
        return action.call(); // this thread already holds the OS lock further up the stack
      }
      FileChannel channel;
      try {
        ensureDir();
        channel = posix
            ? FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(OWNER_RW))
            : FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      } catch (IOException | UnsupportedOperationException e) {
        return withoutOsLock(action, e);
      }
      try (channel) {
        FileLock osLock;
        try {
          // Blocks for as long as another process holds it: a slow login elsewhere is waited for,
          // never overtaken. The OS releases the lock if that process dies.
          osLock = channel.lock();
        } catch (ClosedByInterruptException | FileLockInterruptionException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedException("interrupted while waiting for the token file lock " + lockFile);
        } catch (IOException | UnsupportedOperationException e) {
          return withoutOsLock(action, e);
        }
        try {
          return action.call();
        } finally {
          if (osLock.isValid()) {
            osLock.release();
          }
        }
      }
    } finally {
      local.unlock();
    }
  }

  private <T> T withoutOsLock(Callable<T> action, Exception e) throws Exception {
    // Better two logins than none: a folder we cannot write to must not stop the client.
    log.warn("cannot lock the token file lock {} ({}); going on without the lock between processes, "
        + "which may then log in more than once", lockFile, e.toString());
    return action.call();
  }

  @Override
  public String toString() {
    return "TokenStore.file(" + file + ")";
  }

  private static final class Read {
    final Token token;
    final String problem;

    Read(Token token, String problem) {
      this.token = token;
      this.problem = problem;
    }
  }

  private Read read() {
    if (!Files.exists(file)) {
      return new Read(null, null);
    }
    byte[] bytes;
    try {
      if (Files.isDirectory(file)) {
        return new Read(null, "unreadable (it is a folder)");
      }
      if (Files.size(file) > MAX_FILE_BYTES) {
        return new Read(null, "too large for a token file (over " + MAX_FILE_BYTES + " bytes)");
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      // A file-system message names the path and the error, never the content.
      return new Read(null, "unreadable (" + e + ")");
    }
    try {
      return new Read(TokenFileFormat.decode(bytes), null);
    } catch (TokenFileFormat.BadTokenFileException e) {
      return new Read(null, e.getMessage());
    }
  }

  /**
   * Moves the file aside if it still holds {@code stale} (another process may have just replaced
   * it with a good token, which must stay).
   *
   * @return the message for the warning
   */
  public String setAsideIfStill(Token stale, String problem) throws IOException {
    try {
      return withLock(() -> {
        Read r = read();
        if (r.problem == null && r.token != null && r.token.equals(stale)) {
          return setAside(problem);
        }
        return "token file " + file + " was replaced meanwhile; nothing set aside";
      });
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("token file " + file + " could not be set aside: " + e, e);
    }
  }

  /** Moves the bad file aside; returns the message for the warning. */
  private String setAside(String problem) {
    String stamp = BAD_STAMP.format(Instant.now());
    for (int n = 0; n < 100; n++) {
      Path target = dir.resolve(file.getFileName() + ".bad-" + stamp + (n == 0 ? "" : "-" + n));
      try {
        Files.move(file, target);
        pruneBadFiles();
        return "token file " + file + " set aside as " + target.getFileName() + ": " + problem;
      } catch (FileAlreadyExistsException e) {
        continue;
      } catch (IOException e) {
        return "token file " + file + " is bad (" + problem + ") and could not be set aside (" + e
            + "); the next login replaces it";
      }
    }
    return "token file " + file + " is bad (" + problem + ") and could not be set aside; the next login replaces it";
  }

  private void pruneBadFiles() {
    List<Path> bad = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, file.getFileName() + ".bad-*")) {
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
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        log.debug("could not delete old bad token file {}: {}", p, e.toString());
      }
    }
  }

  private void deleteLeftovers() {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, file.getFileName() + ".*.tmp")) {
      for (Path p : s) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.debug("could not delete leftover temporary token files in {}: {}", dir, e.toString());
    }
  }

  private void ensureDir() throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    if (posix) {
      FileAttribute<Set<PosixFilePermission>> rwx = PosixFilePermissions.asFileAttribute(OWNER_RWX);
      Files.createDirectories(dir, rwx);
      // createDirectories applies the umask; say exactly what we mean for the folder we made.
      Files.setPosixFilePermissions(dir, OWNER_RWX);
    } else {
      Files.createDirectories(dir);
    }
  }
}

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
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
  static final int BAD_FILES_KEPT = StateFiles.BAD_FILES_KEPT;

  private static final ConcurrentHashMap<Path, ReentrantLock> PROCESS_LOCKS = new ConcurrentHashMap<>();

  /** Writes the new file's bytes; a seam for tests that cut a write short. */
  @FunctionalInterface
  interface ChannelWriter {
    void write(FileChannel channel, ByteBuffer bytes) throws IOException;
  }

  private final Path file;
  private final Path dir;
  private final Path lockFile;
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
    this.writer = writer;
  }

  /** The token file. */
  public Path file() {
    return file;
  }

  @Override
  public Optional<Token> load() throws IOException {
    Read first = read();
    if (first.unusable != null) {
      throw new IOException(first.unusable);
    }
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
    StateFiles.ensureFolder(dir);
    ReentrantLock local = PROCESS_LOCKS.get(lockFile);
    if (local != null && local.isHeldByCurrentThread()) {
      // Only under the lock can no other writer be midway, so only then are leftovers garbage.
      deleteLeftovers();
    }
    StateFiles.writeAtomically(file, bytes, writer::write);
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
        // Never through a link: a lock file that is a link (dangling or not) is refused, not created at its target.
        channel = StateFiles.openLockFile(lockFile);
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
        + "which may then log in more than once", lockFile,
        e instanceof StateFiles.RefusedException ? e.getMessage() : e.toString());
    return action.call();
  }

  @Override
  public String toString() {
    return "TokenStore.file(" + file + ")";
  }

  private static final class Read {
    final Token token;
    /** What is wrong with the file, which is then set aside. */
    final String problem;
    /** Why nothing here may be used (the folder is open to others), with nothing to set aside. */
    final String unusable;

    Read(Token token, String problem) {
      this(token, problem, null);
    }

    Read(Token token, String problem, String unusable) {
      this.token = token;
      this.problem = problem;
      this.unusable = unusable;
    }
  }

  private Read read() {
    byte[] bytes;
    try {
      Optional<byte[]> content = StateFiles.readOwnerOnly(file, (int) MAX_FILE_BYTES);
      if (content.isEmpty()) {
        return new Read(null, null);
      }
      bytes = content.get();
    } catch (StateFiles.RefusedException e) {
      if (e.getMessage().startsWith("state folder ")) {
        // Nothing to set aside: the folder is what is wrong, and nothing in it is used.
        return new Read(null, null, e.getMessage());
      }
      return new Read(null, refusal(e));
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

  /** The reason a refused file is set aside, without the file's name, which the message gives. */
  private String refusal(StateFiles.RefusedException e) {
    String m = e.getMessage();
    String prefix = file + " ";
    if (m.startsWith(prefix + "is not a regular file (a folder)")) {
      return "unreadable (it is a folder)";
    }
    if (m.startsWith(prefix + "is too large")) {
      return "too large for a token file (over " + MAX_FILE_BYTES + " bytes)";
    }
    return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
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
    return "token file " + StateFiles.setAside(file, problem);
  }

  private void deleteLeftovers() {
    // StateFiles names them .<file>.<random>.tmp; earlier versions wrote <file>.<random>.tmp.
    String name = file.getFileName().toString();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "{" + name + ",." + name + "}.*.tmp")) {
      for (Path p : s) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.debug("could not delete leftover temporary token files in {}: {}", dir, e.toString());
    }
  }

}

package dev.herdguard;

import dev.herdguard.internal.FileTokenStore;
import dev.herdguard.internal.NoTokenStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Where a {@link TokenCache} keeps its token across restarts, so that a client restarted with a
 * valid token sends no login at all.
 *
 * <p>The default, {@link #file(Path)}, is a small owner-only file written atomically, with an OS
 * file lock that lets several processes on one machine share one token. Implement this interface
 * to keep the token elsewhere (an OS keychain, an encrypted vault); {@link #none()} keeps nothing.
 *
 * <p>Implementations must be thread-safe. A cache calls {@link #load()} when it is built and,
 * within {@link #withLock}, before each login (another process may have logged in meanwhile), and
 * {@link #save} after each login. A failure of the store never stops the cache: it warns, keeps the
 * token in memory and goes on.
 */
public interface TokenStore {

  /**
   * The stored token, or empty when nothing is stored.
   *
   * <p>When the stored data cannot be used (unreadable, corrupt, truncated, of an unknown format
   * version) the store sets it aside, so that the next {@code load} returns empty, and throws an
   * {@link IOException} whose message names the place and the reason but never the content.
   * Whether the token is still valid is the cache's decision, not the store's.
   *
   * @throws IOException if the stored data cannot be used
   */
  Optional<Token> load() throws IOException;

  /**
   * Stores {@code token} in place of the stored one. Readers see the old token or the new one,
   * never a mixture.
   *
   * @throws IOException if the token could not be stored; the stored one is then unchanged
   */
  void save(Token token) throws IOException;

  /**
   * Removes the stored token, for example on logout.
   *
   * @throws IOException if it could not be removed
   */
  void clear() throws IOException;

  /**
   * Runs {@code action} while holding this store's lock, shared by every process that uses the
   * same store, so that only one of them logs in at a time and the others then read what it
   * stored. The lock is reentrant for the thread that holds it. The default holds no lock.
   *
   * <p>A lock that fails to work (a folder that cannot be written, a file system without locks)
   * should warn and run {@code action} without it: processes may then log in twice, but never not
   * at all. A lock must not be given up after a timeout while another holder still works.
   *
   * @param action what to run under the lock
   * @param <T> the action's result type
   * @return the action's result
   * @throws Exception whatever {@code action} throws; {@link InterruptedException} if interrupted
   *     while waiting for the lock
   */
  default <T> T withLock(Callable<T> action) throws Exception {
    return action.call();
  }

  /**
   * A store that keeps nothing: every start logs in.
   *
   * @return the shared instance
   */
  static TokenStore none() {
    return NoTokenStore.INSTANCE;
  }

  /**
   * A store in the file {@code file}. The file is written to a temporary file in the same folder
   * and then moved over the old one atomically; it is readable and writable by its owner alone
   * (POSIX {@code 0600}), and a folder the store creates is {@code 0700}. A sibling file named
   * {@code <file>.lock} carries the OS lock ({@code FileChannel.lock}) of {@link #withLock}; the
   * lock dies with its process, so the lock file's mere presence never blocks anyone. A bad file
   * is renamed {@code <file>.bad-<timestamp>} (the three latest are kept).
   *
   * <p>Nothing it finds is trusted: no link is followed (a token file that is a link, not a regular
   * file, someone else's, or readable or writable by its group or others is set aside like a bad
   * one; a lock file that is a link or someone else's is not used), nothing is created through a
   * link, and a folder writable by others holds no token (loads and saves fail with an {@code
   * IOException} saying so). On a file system with ACLs but no POSIX modes (Windows), the files it
   * creates get an ACL that lets their owner alone in.
   *
   * @param file the token file, such as {@code <state-dir>/token}
   * @return a store; creating it touches no file
   * @throws NullPointerException if {@code file} is null
   */
  static TokenStore file(Path file) {
    return new FileTokenStore(file);
  }
}

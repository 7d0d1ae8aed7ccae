package dev.herdguard.internal;

import dev.herdguard.HostState;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link HostState.Store}: every host's streak in one small owner-only text file in
 * the state folder, replaced atomically (a temporary file moved over it), and changed under an OS
 * file lock on {@code <file>.lock} so that the processes of one installation merge their hosts
 * instead of overwriting each other's. It is read and written through {@link StateFiles}, as the
 * token file is: never through a link, refused when others may read or write it. A damaged or
 * refused file is set aside as {@code <file>.bad-<time>} with a warning and the hosts start
 * afresh. Not part of the public API. Thread-safe.
 *
 * <pre>
 * herdguard-hosts 1
 * auth.example.com 7 5 3 1796371200000
 * crc32 5f3a09c1
 * </pre>
 *
 * A line is {@code host failures level timeouts not-before}, the last in epoch milliseconds or
 * {@code -} for none; the last line is the CRC-32 of every line before it.
 */
public final class HostStateFile implements HostState.Store {

  private static final Logger log = LoggerFactory.getLogger(HostState.class);
  private static final String HEADER = "herdguard-hosts 1";
  /** More hosts than any client talks to: a file beyond it is not ours. */
  static final int MAX_HOSTS = 1000;
  static final long MAX_FILE_BYTES = 256 * 1024;
  private static final Pattern HOST = Pattern.compile("[\\p{Graph}&&[^\\s]]{1,253}");
  private static final ConcurrentHashMap<Path, ReentrantLock> PROCESS_LOCKS = new ConcurrentHashMap<>();

  private final Path file;
  private final Path lockFile;

  /** A store in {@code file}; touches nothing until used. */
  public HostStateFile(Path file) {
    this.file = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
    this.lockFile = this.file.resolveSibling(this.file.getFileName() + ".lock");
  }

  @Override
  public Optional<HostState.Saved> load(String host) throws IOException {
    Map<String, HostState.Saved> all = readOrSetAside();
    return Optional.ofNullable(all.get(host));
  }

  @Override
  public void save(HostState.Saved state) throws IOException {
    if (!HOST.matcher(state.host()).matches()) {
      return; // not a host name that a line can hold; kept in memory only
    }
    withLock(() -> {
      Map<String, HostState.Saved> all = readOrSetAside();
      if (state.healthy()) {
        if (all.remove(state.host()) == null) {
          return;
        }
      } else {
        all.put(state.host(), state);
      }
      write(all);
    });
  }

  private Map<String, HostState.Saved> readOrSetAside() throws IOException {
    Optional<byte[]> bytes;
    try {
      bytes = StateFiles.readOwnerOnly(file, (int) MAX_FILE_BYTES);
    } catch (StateFiles.RefusedException refused) {
      return setAside(refused.getMessage());
    }
    if (bytes.isEmpty()) {
      return new LinkedHashMap<>();
    }
    try {
      return decode(bytes.get());
    } catch (IllegalArgumentException bad) {
      return setAside(bad.getMessage());
    }
  }

  private Map<String, HostState.Saved> setAside(String problem) {
    log.warn("host state file {}: {}; hosts start afresh", file, StateFiles.setAside(file, problem));
    return new LinkedHashMap<>();
  }

  static Map<String, HostState.Saved> decode(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    int crcLine = text.lastIndexOf("crc32 ");
    if (!text.startsWith(HEADER + "\n") || crcLine < 0 || !text.endsWith("\n")) {
      throw new IllegalArgumentException("not a herdguard host state file");
    }
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, text.substring(0, crcLine).getBytes(StandardCharsets.UTF_8).length);
    String stated = text.substring(crcLine + 6, text.length() - 1);
    if (!stated.equals(String.format("%08x", crc.getValue()))) {
      throw new IllegalArgumentException("checksum does not match");
    }
    Map<String, HostState.Saved> all = new LinkedHashMap<>();
    String[] lines = text.substring(HEADER.length() + 1, crcLine).split("\n");
    for (String line : lines) {
      if (line.isEmpty()) {
        continue;
      }
      String[] f = line.split(" ");
      if (f.length != 5 || !HOST.matcher(f[0]).matches() || all.size() >= MAX_HOSTS) {
        throw new IllegalArgumentException("bad line");
      }
      try {
        Instant notBefore = f[4].equals("-") ? null : Instant.ofEpochMilli(Long.parseLong(f[4]));
        all.put(f[0], new HostState.Saved(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]),
            Integer.parseInt(f[3]), notBefore));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("bad number");
      }
    }
    return all;
  }

  static byte[] encode(Map<String, HostState.Saved> all) {
    StringBuilder b = new StringBuilder(HEADER).append('\n');
    for (HostState.Saved s : all.values()) {
      b.append(s.host()).append(' ').append(s.failures()).append(' ').append(s.level()).append(' ')
          .append(s.timeouts()).append(' ')
          .append(s.notBefore() == null ? "-" : Long.toString(s.notBefore().toEpochMilli())).append('\n');
    }
    byte[] body = b.toString().getBytes(StandardCharsets.UTF_8);
    CRC32 crc = new CRC32();
    crc.update(body);
    return (b + String.format("crc32 %08x\n", crc.getValue())).getBytes(StandardCharsets.UTF_8);
  }

  private void write(Map<String, HostState.Saved> all) throws IOException {
    StateFiles.writeAtomically(file, encode(all));
  }

  @FunctionalInterface
  private interface Action {
    void run() throws IOException;
  }

  private void withLock(Action action) throws IOException {
    ReentrantLock local = PROCESS_LOCKS.computeIfAbsent(lockFile, p -> new ReentrantLock());
    local.lock();
    try {
      StateFiles.ensureFolder(file.getParent());
      try (FileChannel ch = StateFiles.openLockFile(lockFile); FileLock ignored = ch.lock()) {
        action.run();
      }
    } finally {
      local.unlock();
    }
  }

  @Override
  public String toString() {
    return "HostState.Store(" + file + ")";
  }
}

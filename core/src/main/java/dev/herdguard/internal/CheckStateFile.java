package dev.herdguard.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The file where a {@code PeriodicCheck} keeps the instant of its last successful run, so that a
 * restarted client knows when it last checked. Not part of the public API.
 *
 * <p>The format is a few lines of text, readable and editable by hand:
 * <pre>
 * # herdguard periodic check: the last run that succeeded
 * last-success=2026-11-10T08:00:00Z
 * </pre>
 * Blank lines, {@code #} comments and unknown keys are skipped, so a later version may add keys
 * without breaking an earlier reader.
 *
 * <p>A write goes to a temporary file in the same folder, which is then moved over the old file
 * atomically: a reader (another process, or this one after a crash) sees the old content or the
 * new, never half of it. Folders this class creates are readable by their owner alone where the
 * file system has POSIX permissions.
 *
 * <p>Stateless apart from its path, so thread-safe; two writers of the same file leave whichever
 * content was moved last.
 */
public final class CheckStateFile {

  /** Larger than any file this class writes; a bigger file is not ours. */
  static final int MAX_BYTES = 4096;

  private static final String KEY = "last-success=";
  private static final String HEADER = "# herdguard periodic check: the last run that succeeded\n";

  private final Path file;

  /** The state file at {@code file}; nothing is read or created yet. */
  public CheckStateFile(Path file) {
    this.file = Objects.requireNonNull(file, "file");
  }

  /** Where the state is kept. */
  public Path path() {
    return file;
  }

  /**
   * The last successful run recorded in the file, or empty when there is no file.
   *
   * @throws IOException if the file exists but cannot be read or does not hold a valid record;
   *     the message names the file and what is wrong with it
   */
  public Optional<Instant> readLastSuccess() throws IOException {
    List<String> lines;
    try {
      Optional<byte[]> content = StateFiles.readOwnerOnly(file, MAX_BYTES);
      if (content.isEmpty()) {
        return Optional.empty();
      }
      lines = UTF_8.newDecoder()
          .decode(ByteBuffer.wrap(content.get()))
          .toString()
          .lines()
          .collect(Collectors.toList());
    } catch (StateFiles.RefusedException e) {
      if (e.getMessage().startsWith(file + " is too large")) {
        throw new IOException("check state file " + file + " must be at most " + MAX_BYTES + " bytes", e);
      }
      if (e.getMessage().startsWith("state folder ") || e.getMessage().startsWith(file + " is not a regular file")) {
        throw new IOException("check state file " + file + " cannot be used: " + e.getMessage(), e);
      }
      // A link, someone else's file, or one open to others: set aside, and read as no record.
      throw new IOException("check state file " + StateFiles.setAside(file, e.getMessage()), e);
    } catch (CharacterCodingException e) {
      throw new IOException("check state file " + file + " cannot be read: it is not UTF-8 text", e);
    } catch (IOException e) {
      // The JDK's messages ("Is a directory") do not say which file.
      throw new IOException("check state file " + file + " cannot be read: " + e, e);
    }
    for (String raw : lines) {
      String line = raw.strip();
      if (line.startsWith(KEY)) {
        String value = line.substring(KEY.length()).strip();
        try {
          return Optional.of(Instant.parse(value));
        } catch (DateTimeParseException e) {
          throw new IOException(
              "check state file " + file + ": last-success (" + value + ") must be an ISO-8601 instant"
                  + " such as 2026-11-10T08:00:00Z",
              e);
        }
      }
    }
    throw new IOException("check state file " + file + " must hold a line last-success=<ISO-8601 instant>");
  }

  /**
   * Records {@code lastSuccess}, replacing the file atomically and creating its folder (owner-only
   * where POSIX) if needed.
   *
   * @throws IOException if the folder cannot be created or the file cannot be written or moved;
   *     the old content, if any, is then left as it was
   */
  public void writeLastSuccess(Instant lastSuccess) throws IOException {
    Objects.requireNonNull(lastSuccess, "lastSuccess");
    // Owner-only, replaced atomically by a rename, never written through a link; the folder is
    // created owner-only if needed, and one that others can write to is refused.
    StateFiles.writeAtomically(file, (HEADER + KEY + lastSuccess + "\n").getBytes(UTF_8));
  }

  @Override
  public String toString() {
    return "CheckStateFile[" + file + "]";
  }
}

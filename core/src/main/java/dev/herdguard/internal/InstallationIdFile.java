package dev.herdguard.internal;

import dev.herdguard.Cohort;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads, and on first use creates, the file that keeps an installation's id. Not part of the
 * public API: {@link Cohort#load} documents the behaviour users rely on.
 *
 * <p>The one idea: the id must be created exactly once per folder, even when several processes
 * start together on a fresh folder. The new id is written to a temporary file in the same folder
 * and then hard-linked to its final name; {@code link(2)} fails when the name exists, so exactly
 * one writer wins and the others read the winner's file. (A {@code Files.move} with
 * {@code ATOMIC_MOVE} would not do: on POSIX it is {@code rename(2)}, which silently replaces the
 * file another process has just written, leaving two processes with two ids.) Readers never see a
 * half-written file, because the name appears only once the content is complete and synced.
 *
 * <p>Never throws for an I/O problem: a client must start even on a read-only disk. Thread-safe.
 */
public final class InstallationIdFile {

  /** The file's name inside the state folder. */
  public static final String FILE_NAME = "installation-id";

  // A UUID is 36 characters; anything much longer is not ours, and need not be read whole.
  private static final int MAX_BYTES = 256;

  private static final Pattern CANONICAL_UUID = Pattern.compile(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  // Logged under the public class's name: that is the logger users know to configure.
  private static final Logger LOG = LoggerFactory.getLogger(Cohort.class);

  private InstallationIdFile() {}

  /**
   * The installation id kept in {@code stateDir}, creating the folder and the id when absent. A
   * corrupt or unreadable file is replaced by a new id; when the folder cannot be written, a random
   * id for this run only is returned. Both cases are logged at WARN.
   */
  public static UUID loadOrCreate(Path stateDir) {
    Objects.requireNonNull(stateDir, "stateDir");
    Path file = stateDir.resolve(FILE_NAME);
    try {
      // Created owner-only if absent; a folder others can write to keeps nothing.
      StateFiles.ensureFolder(stateDir);
    } catch (IOException e) {
      return forThisRunOnly(stateDir, e);
    }
    try {
      return read(file);
    } catch (NoSuchFileException e) {
      return createOrAdopt(stateDir, file);
    } catch (StateFiles.RefusedException e) {
      // A link, someone else's file, or one open to others: not ours to trust, so not replaced in
      // place either, but set aside for inspection.
      LOG.warn("herdguard's installation id file cannot be trusted: {}; using a new id."
          + " This installation's rollout cohort and stable startup offset change once.",
          StateFiles.setAside(file, e.getMessage()));
      return createOrAdopt(stateDir, file);
    } catch (IOException e) {
      LOG.warn("herdguard's installation id file {} cannot be used ({}); replacing it with a new id."
          + " This installation's rollout cohort and stable startup offset change once.", file,
          e instanceof CorruptFileException ? e.getMessage() : e.toString());
      return replace(stateDir, file);
    }
  }

  /**
   * Parses the file's content: one UUID in its 36-character form, either case, surrounding white
   * space (a trailing newline) ignored.
   *
   * @throws IllegalArgumentException if {@code text} is anything else
   */
  public static UUID parse(String text) {
    String s = text.strip();
    // UUID.fromString alone would also take "1-2-3-4-5": a damaged file must not pass as an id.
    if (!CANONICAL_UUID.matcher(s).matches()) {
      throw new IllegalArgumentException(
          "installation id (\"" + excerpt(s) + "\") must be a UUID such as 123e4567-e89b-42d3-a456-426614174000");
    }
    return UUID.fromString(s);
  }

  private static UUID read(Path file) throws IOException {
    byte[] bytes;
    try {
      Optional<byte[]> content = StateFiles.readOwnerOnly(file, MAX_BYTES);
      if (content.isEmpty()) {
        throw new NoSuchFileException(file.toString());
      }
      bytes = content.get();
    } catch (StateFiles.RefusedException e) {
      if (e.getMessage().startsWith(file + " is too large")) {
        throw new CorruptFileException("installation id file (more than " + MAX_BYTES + " bytes) must hold one UUID");
      }
      if (e.getMessage().startsWith(file + " is not a regular file")) {
        throw new IOException(e.getMessage()); // a folder in the way: replaced if it can be, as before
      }
      throw e;
    }
    try {
      return parse(new String(bytes, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new CorruptFileException(e.getMessage());
    }
  }

  private static UUID createOrAdopt(Path dir, Path file) {
    UUID fresh = UUID.randomUUID();
    Path temp = null;
    try {
      temp = writeTemp(dir, fresh);
      try {
        Files.createLink(file, temp);
        return fresh;
      } catch (FileAlreadyExistsException lostRace) {
        return read(file);
      } catch (UnsupportedOperationException | FileSystemException noHardLinks) {
        // FAT and some network file systems have no hard links. A move without REPLACE_EXISTING
        // still refuses an existing file; against a concurrent creator it is atomic on Windows,
        // while on POSIX it checks and then renames, a window of microseconds on a rare setup.
        try {
          Files.move(temp, file);
          return fresh;
        } catch (FileAlreadyExistsException lostRace) {
          return read(file);
        }
      }
    } catch (IOException e) {
      return forThisRunOnly(dir, e);
    } finally {
      deleteQuietly(temp);
    }
  }

  private static UUID replace(Path dir, Path file) {
    UUID fresh = UUID.randomUUID();
    Path temp = null;
    try {
      temp = writeTemp(dir, fresh);
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      return forThisRunOnly(dir, e);
    } finally {
      deleteQuietly(temp);
    }
    // Two processes replacing the same corrupt file both succeed, the later one last. Adopting what
    // the file holds now makes them agree unless the other move lands after this read; then they
    // differ for this run only, and every later start reads the one surviving id.
    try {
      return read(file);
    } catch (IOException e) {
      return fresh;
    }
  }

  private static Path writeTemp(Path dir, UUID id) throws IOException {
    // Owner-only, created new (never through a link), and synced before the name appears: after a
    // power cut the file is whole or absent, never empty.
    return StateFiles.createTemp(dir, "." + FILE_NAME + "-", (id + "\n").getBytes(StandardCharsets.US_ASCII));
  }

  private static void deleteQuietly(Path temp) {
    if (temp == null) {
      return;
    }
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      // The id is already settled either way; a stray temporary file is harmless.
      LOG.debug("could not delete temporary file {}", temp, e);
    }
  }

  private static UUID forThisRunOnly(Path dir, IOException cause) {
    LOG.warn("herdguard cannot keep its installation id in {} ({}); using a random id for this run only."
        + " Until the folder can be written, this installation's rollout cohort and stable startup offset"
        + " change at every start.", dir, cause.toString());
    return UUID.randomUUID();
  }

  private static String excerpt(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < 40; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f && c != '"' ? c : '?');
    }
    return s.length() > 40 ? b.append("...").toString() : b.toString();
  }

  /** The file exists and was read, but does not hold an id. */
  private static final class CorruptFileException extends IOException {
    CorruptFileException(String message) {
      super(message);
    }
  }
}

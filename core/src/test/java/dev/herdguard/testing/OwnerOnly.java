package dev.herdguard.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Makes a file a test wrote by hand owner-only ({@code rw-------}) where the file system has POSIX
 * modes, as herdguard requires of its state files: a test about a file's content must not be
 * answered by the mode check instead.
 */
public final class OwnerOnly {

  private OwnerOnly() {}

  /** {@code file}, now owner-only. */
  public static Path set(Path file) throws IOException {
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
    return file;
  }
}

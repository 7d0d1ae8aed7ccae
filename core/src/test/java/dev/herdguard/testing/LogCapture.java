package dev.herdguard.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Captures what SLF4J's simple backend (which the tests use) prints to {@code System.err}, while
 * still printing it. Open it in a try-with-resources block; thread-safe for writers.
 */
public final class LogCapture implements AutoCloseable {

  private final PrintStream original;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  public LogCapture() {
    original = System.err;
    OutputStream tee = new OutputStream() {
      @Override
      public synchronized void write(int b) {
        captured.write(b);
        original.write(b);
      }

      @Override
      public synchronized void write(byte[] b, int off, int len) {
        captured.write(b, off, len);
        original.write(b, off, len);
      }
    };
    System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
  }

  /** Everything captured so far. */
  public String text() {
    synchronized (captured) {
      return captured.toString(StandardCharsets.UTF_8);
    }
  }

  /** The captured lines that contain {@code part}. */
  public List<String> lines(String part) {
    return Arrays.stream(text().split("\n")).filter(l -> l.contains(part)).collect(Collectors.toList());
  }

  @Override
  public void close() {
    System.err.flush();
    System.setErr(original);
  }
}

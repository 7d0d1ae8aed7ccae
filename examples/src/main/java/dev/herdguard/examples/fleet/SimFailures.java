package dev.herdguard.examples.fleet;

import dev.herdguard.ServerBusyException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * The failures a simulated client sees, as the exceptions a real HTTP client would hand to a
 * guarded operation: a 503 is a {@link ServerBusyException} (with the server's hint, if any), a
 * timeout a {@link SocketTimeoutException}. Both are retryable for herdguard.
 *
 * <p>Millions of them are thrown in a collapse, so they carry no stack trace, and the timeout, which
 * carries nothing of its own, is one shared instance: no code in the simulation, herdguard's
 * included, changes an exception it receives (it wraps it as a cause, at most). Immutable and
 * thread-safe in that sense.
 */
final class SimFailures {

  private SimFailures() {}

  /** The timeout every simulated client hits. */
  static final SocketTimeoutException TIMEOUT = new StacklessTimeout();

  /** The connection refused while the server is down. */
  static final java.net.ConnectException REFUSED = new StacklessRefused();

  /** A 503 with {@code retryAfter} as its hint, or none when it is null. */
  static ServerBusyException busy(Duration retryAfter) {
    return new StacklessBusy(retryAfter);
  }

  private static final class StacklessBusy extends ServerBusyException {
    private static final long serialVersionUID = 1L;

    StacklessBusy(Duration retryAfter) {
      super("503 Service Unavailable (simulated)", retryAfter);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  private static final class StacklessRefused extends java.net.ConnectException {
    private static final long serialVersionUID = 1L;

    StacklessRefused() {
      super("connection refused (simulated)");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  private static final class StacklessTimeout extends SocketTimeoutException {
    private static final long serialVersionUID = 1L;

    StacklessTimeout() {
      super("read timed out (simulated)");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}

package dev.herdguard.okhttp;

import dev.herdguard.ServerBusyException;
import java.time.Duration;
import okhttp3.Response;

/**
 * A response whose status herdguard retries (503, 429, ...), thrown inside the guarded call so that
 * core's {@link dev.herdguard.GuardedOperation} retries it, honouring the server's
 * {@code Retry-After}. It carries the response, still open: {@link HerdGuardInterceptor} closes it
 * before a retry, or hands it to the caller when the retries end. It never reaches user code.
 */
final class BusyResponseException extends ServerBusyException {

  private static final long serialVersionUID = 1L;

  // Not serializable, and never needs to be: the exception lives and dies inside one intercept().
  private final transient Response response;

  BusyResponseException(Response response, String message, Duration retryAfter) {
    super(message, retryAfter);
    this.response = response;
  }

  /** The response this failure stands for, not yet closed. */
  Response response() {
    return response;
  }

  /** A stack trace would only show herdguard's own frames; the message names the request. */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}

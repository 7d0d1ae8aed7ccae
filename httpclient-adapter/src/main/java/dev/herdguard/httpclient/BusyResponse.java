package dev.herdguard.httpclient;

import dev.herdguard.ServerBusyException;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A response whose status herdguard retries (503, 429, ...), thrown inside the guarded call so that
 * core's {@link dev.herdguard.GuardedOperation} retries it, honouring the server's {@code
 * Retry-After}. It carries the response, its body {@linkplain Buffered buffered}, for the caller to
 * get when the retries end. It never reaches user code.
 */
final class BusyResponse extends ServerBusyException {

  private static final long serialVersionUID = 1L;

  // Lives and dies inside one call: never serialized.
  private final transient HttpResponse<?> response;

  BusyResponse(HttpResponse<?> response, String message, Duration retryAfter) {
    super(message, retryAfter);
    this.response = response;
  }

  HttpResponse<?> response() {
    return response;
  }

  /** A stack trace would only show herdguard's own frames; the message names the request. */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}

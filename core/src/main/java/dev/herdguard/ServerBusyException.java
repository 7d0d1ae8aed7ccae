package dev.herdguard;

import dev.herdguard.internal.Durations;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Thrown by a guarded callable to say that the server is busy (HTTP 429 or 503, a "try later"
 * reply) and, optionally, when it asked to be called again. A {@link GuardedOperation} retries it
 * like any {@link IOException}, but waits for the server's hint, spread by
 * {@code herdguard.retry.retry-after.spread}, instead of its own backoff, and gives up at once when
 * the hint is longer than {@code herdguard.retry.retry-after.max}.
 *
 * <p>It extends {@code IOException} so that code which may throw only {@code IOException}, such as
 * an OkHttp interceptor, can report it. The class is not final: an adapter may subclass it to
 * carry the response it stands for.
 */
public class ServerBusyException extends IOException {

  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  /**
   * A busy reply with no usable hint: the operation falls back to its backoff.
   *
   * @param message what the server said, without credentials
   */
  public ServerBusyException(String message) {
    this(message, (Duration) null);
  }

  /**
   * A busy reply that asked for a wait of {@code retryAfter}.
   *
   * @param message what the server said, without credentials
   * @param retryAfter the wait the server asked for, or null when it gave none
   * @throws IllegalArgumentException if {@code retryAfter} is negative
   */
  public ServerBusyException(String message, Duration retryAfter) {
    super(message);
    if (retryAfter != null && retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter (" + Durations.format(retryAfter) + ") must be >= 0");
    }
    this.retryAfter = retryAfter;
  }

  /**
   * A busy reply carrying a raw {@code Retry-After} header value, parsed with
   * {@link RetryAfter#parse(String, Instant)}: garbage counts as no hint.
   *
   * @param message what the server said, without credentials
   * @param retryAfterHeader the header's value, or null
   * @param now the current time, to read an HTTP-date against
   */
  public ServerBusyException(String message, String retryAfterHeader, Instant now) {
    this(message, RetryAfter.parse(retryAfterHeader, now).orElse(null));
  }

  /** The wait the server asked for, when it gave a usable one. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}

package dev.herdguard.httpclient;

import dev.herdguard.HerdGuardException;
import java.io.IOException;
import java.util.Objects;

/**
 * Thrown by {@link HerdGuardHttpClient#send} (and the failure of {@link HerdGuardHttpClient#sendAsync})
 * when the host's circuit breaker is open: the request was not sent. The breaker opened because many
 * recent calls to the host failed; it lets trial calls through again after a jittered wait ({@code
 * herdguard.breaker.open-wait}). Until then every call to the host fails at once with this
 * exception, which is what gives the server room to recover.
 *
 * <p>It is an {@link IOException} because that is what {@code HttpClient.send} may fail with, so
 * existing error handling sees it; catch it by type to tell "the server was not even asked" apart
 * from a network failure. The {@linkplain #getCause() cause} is core's {@link HerdGuardException}
 * with reason {@link HerdGuardException.Reason#BREAKER_OPEN}.
 *
 * <p>Immutable apart from the stack trace and suppressed exceptions every {@link Throwable} carries.
 */
public final class BreakerOpenException extends IOException {

  private static final long serialVersionUID = 1L;

  private final String host;

  /**
   * A call that was not made because the breaker of {@code host} is open.
   *
   * @param host the host whose breaker refused the call
   * @param request what was not sent, such as {@code GET https://api.example.com/v1/updates}
   * @param cause core's refusal
   * @throws NullPointerException if {@code host} or {@code cause} is null
   */
  public BreakerOpenException(String host, String request, HerdGuardException cause) {
    super("herdguard: circuit breaker for " + Objects.requireNonNull(host, "host")
        + " is open, request not sent: " + request, Objects.requireNonNull(cause, "cause"));
    this.host = host;
  }

  /** The host whose breaker is open. */
  public String host() {
    return host;
  }
}

package dev.herdguard;

import dev.herdguard.internal.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * No token within the wait the caller allowed, because a login is still running.
 *
 * <p>The login goes on: giving up the wait does not cancel it and does not start another one, so
 * a slow login server sees one login per cache, never one per impatient caller. A later call waits
 * for the same login or gets its result.
 *
 * <p>Immutable apart from the stack trace and suppressed exceptions every {@link Throwable} carries.
 */
public final class TokenWaitTimeoutException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final Duration waited;

  /**
   * A wait that ran out.
   *
   * @param waited how long the caller waited
   * @throws NullPointerException if {@code waited} is null
   */
  public TokenWaitTimeoutException(Duration waited) {
    super("no token within " + Durations.human(Objects.requireNonNull(waited, "waited"))
        + ": the login that is running has not finished; it goes on, and later calls wait for it");
    this.waited = waited;
  }

  /** How long the caller waited. */
  public Duration waited() {
    return waited;
  }
}

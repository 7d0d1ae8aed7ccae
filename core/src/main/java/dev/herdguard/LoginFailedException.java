package dev.herdguard;

import java.time.Instant;
import java.util.Objects;

/**
 * No token, because the last login failed and the next attempt is not due yet.
 *
 * <p>A {@link TokenCache} does not let every caller retry a failed login: until {@link
 * #nextAttemptAt()} every caller gets this exception at once, and only then does one login run
 * again (after a delay from the cache's {@link Backoff}). The login function's own exception is the
 * {@linkplain #getCause() cause}. The message names the cause's type and message with any known
 * token value masked; it never contains a token.
 *
 * <p>Immutable apart from the stack trace and suppressed exceptions every {@link Throwable} carries.
 */
public final class LoginFailedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final Instant nextAttemptAt;
  private final int failures;

  /**
   * A login failure.
   *
   * @param message what failed, without any token value
   * @param cause the login function's exception
   * @param nextAttemptAt when the next login may start
   * @param failures how many logins in a row have failed, this one included
   * @throws NullPointerException if {@code nextAttemptAt} is null
   */
  public LoginFailedException(String message, Throwable cause, Instant nextAttemptAt, int failures) {
    super(message, cause);
    this.nextAttemptAt = Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    this.failures = failures;
  }

  /** When the next login may start; until then callers get this failure without a new attempt. */
  public Instant nextAttemptAt() {
    return nextAttemptAt;
  }

  /** How many logins in a row have failed, this one included. */
  public int failures() {
    return failures;
  }
}

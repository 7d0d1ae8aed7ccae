package dev.herdguard.examples;

import dev.herdguard.HerdGuard;
import dev.herdguard.HostState;
import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import java.time.Duration;

/**
 * The app's side of a host that is backing off: how long until the next attempt ("Retrying in 3
 * min"), and a "Sign in now" button that may go past the wait, at most once a minute. The code
 * block of docs/when-the-server-is-down.md.
 */
public final class ShowTheWait {

  private ShowTheWait() {}

  /**
   * What the sign-in screen shows, and the token when the user's click may log in now.
   *
   * @param userClickedSignInNow whether the user just clicked "Sign in now"
   * @return the wait left, zero when the click went through or nothing waits
   */
  static Duration signInScreen(HerdGuard guard, TokenCache tokens, boolean userClickedSignInNow)
      throws InterruptedException {
    HostState auth = guard.host("auth.example.com");
    Duration left = auth.remainingWait();          // "Retrying in 3 min" — zero when an attempt may go now
    if (userClickedSignInNow && auth.userRetryNow()) {
      tokens.get();                                // this attempt goes past the host's wait
    }
    return left.isZero() ? left : auth.remainingWait();
  }

  /** For the test: a token valid for an hour. */
  static Token anHour(String value) {
    return Token.of(value, java.time.Instant.now().plus(Duration.ofHours(1)));
  }
}

package dev.herdguard;

import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A login function for tests: counts its calls, records the previous token each call received,
 * issues {@code secret-token-<n>} valid for {@link #lifetime}, or throws {@link #failWith}.
 * Thread-safe.
 */
final class TestLogin implements TokenCache.Login {

  /** What a test login may do instead of issuing the default token. */
  @FunctionalInterface
  interface Behaviour {
    Token login(int call, Optional<Token> previous) throws Exception;
  }

  private final InstantSource clock;
  private final AtomicInteger calls = new AtomicInteger();
  final List<Optional<Token>> previous = new CopyOnWriteArrayList<>();
  volatile Duration lifetime = Duration.ofHours(1);
  volatile Exception failWith;
  volatile Behaviour behaviour;

  TestLogin(InstantSource clock) {
    this.clock = clock;
  }

  @Override
  public Token login(Optional<Token> prev) throws Exception {
    int n = calls.incrementAndGet();
    previous.add(prev);
    Behaviour b = behaviour;
    if (b != null) {
      return b.login(n, prev);
    }
    Exception e = failWith;
    if (e != null) {
      throw e;
    }
    return Token.of("secret-token-" + n, clock.instant().plus(lifetime)).withAttribute("refresh_token", "secret-refresh-" + n);
  }

  int calls() {
    return calls.get();
  }
}

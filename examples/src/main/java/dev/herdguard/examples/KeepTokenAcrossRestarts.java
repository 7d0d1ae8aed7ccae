package dev.herdguard.examples;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Recipe: keep the login token across restarts. With {@code herdguard.state-dir} set, the guard's
 * token cache keeps its token in {@code <state-dir>/token} (owner-only, written atomically), so a
 * client restarted with a valid token sends no login at all: after a fleet-wide reboot, most of the
 * fleet never touches the login server.
 *
 * <p>Run: {@code java -cp examples/target/herdguard-examples.jar dev.herdguard.examples.KeepTokenAcrossRestarts}
 */
public final class KeepTokenAcrossRestarts {

  private KeepTokenAcrossRestarts() {}

  public static void main(String[] args) throws Exception {
    Path stateDir = Files.createTempDirectory("herdguard-recipe");
    LoginServer server = new LoginServer();
    System.out.println("first start:  " + start(stateDir, server) + " (logins so far: " + server.logins() + ")");
    System.out.println("second start: " + start(stateDir, server) + " (logins so far: " + server.logins() + ")");
  }

  /** One start of the application: the token it works with. */
  static String start(Path stateDir, LoginServer server) throws Exception {
    HerdGuardConfig config = HerdGuardConfig.builder().withStateDir(stateDir).build();
    try (HerdGuard guard = HerdGuard.create(config);
        TokenCache tokens = guard.tokenCache(previous -> server.login())) { // loads <state-dir>/token
      return tokens.get().value();                                       // a valid stored token: no login
    }
  }

  /** A login server that hands out one-hour tokens and counts the logins. */
  static final class LoginServer {
    private final AtomicInteger logins = new AtomicInteger();

    Token login() {
      int n = logins.incrementAndGet();
      return Token.of("token-" + n, Instant.now().plusSeconds(3600));
    }

    int logins() {
      return logins.get();
    }
  }
}

package dev.herdguard.examples;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Recipe: keep the login token across restarts. With {@code herdguard.application} set (or
 * {@code herdguard.state-dir}), the guard's token cache keeps its token in the application's
 * per-user state folder (owner-only, written atomically), so a client restarted with a valid token
 * sends no login at all: after a fleet-wide reboot, most of the fleet never touches the login
 * server. The login refreshes with the previous token's refresh token when it has one; both calls
 * throw {@code IOException}, which a login function may.
 *
 * <p>Run: {@code java -cp examples/target/herdguard-examples.jar dev.herdguard.examples.KeepTokenAcrossRestarts}
 */
public final class KeepTokenAcrossRestarts {

  private KeepTokenAcrossRestarts() {}

  public static void main(String[] args) throws Exception {
    Path stateDir = Files.createTempDirectory("herdguard-recipe");
    HerdGuardConfig config = HerdGuardConfig.builder().withStateDir(stateDir).build();
    AuthClient authClient = new AuthClient();
    System.out.println("first start:  " + start(config, authClient) + " (logins so far: " + authClient.logins() + ")");
    System.out.println("second start: " + start(config, authClient) + " (logins so far: " + authClient.logins() + ")");
    System.out.println("an application called myapp keeps it in " + config().stateDir().orElse(null));
  }

  /** The application's configuration: its name gives the token a per-user folder. */
  static HerdGuardConfig config() {
    return HerdGuardConfig.load().toBuilder()
        .withApplicationName("myapp")   // the token is kept in a per-user folder, across restarts
        .build();
  }

  /** One start of the application: the token value it works with. */
  static String start(HerdGuardConfig config, AuthClient authClient) throws Exception {
    try (HerdGuard guard = HerdGuard.create(config)) {
      TokenCache tokens = guard.tokenCache(previous -> {          // runs only when no valid token is kept
        Optional<String> refreshToken = previous.flatMap(t -> t.attribute("refresh_token"));
        LoginResponse r = refreshToken.isPresent()
            ? authClient.refresh(refreshToken.get())              // a refresh grant when possible
            : authClient.login();                                 // both throw IOException: fine here
        return Token.of(r.accessToken(), Instant.now().plusSeconds(r.expiresIn()))
            .withAttribute("refresh_token", r.refreshToken());
      });
      try (tokens) {
        call(tokens, authClient);
        return tokens.get().value();      // after a 401, a fresh token
      }
    }
  }

  /** A call to the API with the cached token, dropping the token the server refuses. */
  static int call(TokenCache tokens, AuthClient api) throws Exception {
    Token token = tokens.get();          // a hit is one volatile read: no lock, no clock
    ApiResponse response = api.call(token);
    if (response.code() == 401) {
      tokens.invalidate(token);          // drops it only if it is still the current token
    }
    return response.code();
  }

  /** A login answer, as an OAuth token endpoint gives it. */
  record LoginResponse(String accessToken, long expiresIn, String refreshToken) {}

  /** An API answer. */
  record ApiResponse(int code) {}

  /** A login server that hands out one-hour tokens and counts the logins. */
  static final class AuthClient {
    private final AtomicInteger logins = new AtomicInteger();
    private final AtomicInteger refreshes = new AtomicInteger();
    private volatile String refused;

    LoginResponse login() throws IOException {
      int n = logins.incrementAndGet();
      return new LoginResponse("token-" + n, 3600, "refresh-" + n);
    }

    LoginResponse refresh(String refreshToken) throws IOException {
      int n = refreshes.incrementAndGet();
      return new LoginResponse("token-" + refreshToken + "-r" + n, 3600, refreshToken);
    }

    /** The next call with this token is refused with a 401, as after a server-side revocation. */
    void revoke(String tokenValue) {
      refused = tokenValue;
    }

    ApiResponse call(Token token) {
      return new ApiResponse(token.value().equals(refused) ? 401 : 200);
    }

    int logins() {
      return logins.get();
    }

    int refreshes() {
      return refreshes.get();
    }
  }
}

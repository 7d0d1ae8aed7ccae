package dev.herdguard.examples;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Recipe: wrap a login call. Build the guard, wait out the startup delay, call the login through a
 * guarded operation, close the guard. The method declares what the login throws, not
 * {@code Exception}: a guarded call throws only what its lambda throws. The README's Quick start
 * block is a copy of {@link #login}.
 *
 * <p>Run: {@code java -cp examples/target/herdguard-examples.jar dev.herdguard.examples.QuickStart}
 * (add {@code -Dherdguard.startup.max-delay=0} to skip the startup delay while trying it).
 */
public final class QuickStart {

  private QuickStart() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    System.out.println("logged in: " + login(HerdGuardConfig.load(), new LoginClient(1)));
  }

  static Session login(HerdGuardConfig config, LoginClient server) throws IOException, InterruptedException {
    try (HerdGuard guard = HerdGuard.create(config)) {                    // one per application
      guard.awaitStartup();                                              // spread the fleet's first contact
      return guard.operation("login").call(() -> server.login("alice")); // throws what login throws
    }
  }

  /** What a login gives. */
  record Session(String user) {}

  /** A login client whose server is busy for its first few calls, as after a fleet-wide reboot. */
  static final class LoginClient {
    private final int failures;
    private final AtomicInteger calls = new AtomicInteger();

    LoginClient(int failures) {
      this.failures = failures;
    }

    Session login(String user) throws IOException {
      if (calls.incrementAndGet() <= failures) {
        throw new IOException("connection reset by login server (call " + calls.get() + ")");
      }
      return new Session(user);
    }

    int calls() {
      return calls.get();
    }
  }
}

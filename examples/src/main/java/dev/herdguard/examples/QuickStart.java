package dev.herdguard.examples;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Recipe: wrap a login call. Five lines: load the configuration, build the guard, wait out the
 * startup jitter, call the login through a guarded operation, close the guard.
 *
 * <p>Run: {@code java -cp examples/target/herdguard-examples.jar dev.herdguard.examples.QuickStart}
 */
public final class QuickStart {

  private QuickStart() {}

  public static void main(String[] args) throws Exception {
    System.out.println("logged in: " + login(HerdGuardConfig.load(), new FlakyLoginServer(1)));
  }

  static String login(HerdGuardConfig config, FlakyLoginServer server) throws Exception {
    try (HerdGuard guard = HerdGuard.create(config)) {                  // one per application
      guard.awaitStartup();                                             // spread the fleet's first contact
      return guard.operation("login").call(() -> server.login("alice")); // breaker, backoff, budget
    }
  }

  /** A login server that is busy for its first few calls, as after a fleet-wide reboot. */
  static final class FlakyLoginServer {
    private final int failures;
    private final AtomicInteger calls = new AtomicInteger();

    FlakyLoginServer(int failures) {
      this.failures = failures;
    }

    String login(String user) throws IOException {
      if (calls.incrementAndGet() <= failures) {
        throw new IOException("connection reset by login server (call " + calls.get() + ")");
      }
      return "session-for-" + user;
    }

    int calls() {
      return calls.get();
    }
  }
}

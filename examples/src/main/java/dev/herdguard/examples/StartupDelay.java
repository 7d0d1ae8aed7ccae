package dev.herdguard.examples;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Recipe: wait out the startup delay before the first contact, blocking a startup thread or
 * without tying one up. Both count from when the guard was built, so they end at the same moment;
 * the first wait logs one INFO line with its length and the key that sets it
 * ({@code -Dherdguard.startup.max-delay=0} turns it off while developing).
 *
 * <p>Run: {@code java -cp examples/target/herdguard-examples.jar dev.herdguard.examples.StartupDelay}
 */
public final class StartupDelay {

  private StartupDelay() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    try (HerdGuard guard = HerdGuard.create(HerdGuardConfig.load())) {
      System.out.println("logged in: " + firstContact(guard, new Client()));
    }
  }

  /** The application's first contact, both ways: the blocking session, once the other has come too. */
  static Session firstContact(HerdGuard guard, Client client) throws IOException, InterruptedException {
    guard.awaitStartup();                                      // on a startup thread: block, then call
    Session session = guard.operation("login").call(() -> client.login());

    CompletableFuture<Session> later = guard.startupAsync()   // or without tying up a thread
        .thenCompose(ready -> guard.operation("login").callAsync(() -> client.loginAsync()));
    later.join();
    return session;
  }

  /** What a login gives. */
  record Session(int number) {}

  /** A login client with a blocking and an asynchronous call, as most HTTP clients have. */
  static final class Client {
    final AtomicInteger logins = new AtomicInteger();

    Session login() throws IOException {
      return new Session(logins.incrementAndGet());
    }

    CompletableFuture<Session> loginAsync() {
      return CompletableFuture.supplyAsync(() -> new Session(logins.incrementAndGet()));
    }
  }
}

package dev.herdguard.examples;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.PeriodicCheck;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Recipe: a periodic update check. {@code guard.periodicCheck} runs the check first after what is
 * left of the startup delay, then every {@code herdguard.check.interval} (6 h) drawn within
 * {@code herdguard.check.spread} (plus or minus 20%), so a fleet's checks drift apart instead of
 * lining up; a failure is retried with a backoff scaled to the interval, not every few seconds.
 * With a state folder, the last success survives a restart, so a reboot does not trigger a check
 * the fleet made an hour ago. The check is a {@code void} method that throws {@code IOException};
 * {@code runNow()} returns a future, so a "Check for updates" menu item can wait for its run.
 *
 * <p>Run: {@code java -cp examples/target/herdguard-examples.jar dev.herdguard.examples.UpdateCheck}
 */
public final class UpdateCheck {

  private UpdateCheck() {}

  public static void main(String[] args) {
    try (HerdGuard guard = HerdGuard.create(HerdGuardConfig.load())) {
      Updater updater = new Updater();
      checkNowThenShutDown(guard, updater);
      System.out.println("checks made: " + updater.checks());
    }
  }

  /** Starts the application's update check; close it on shutdown. */
  static PeriodicCheck start(HerdGuard guard, Updater updater) {
    return guard.periodicCheck("updates", updater::checkNow).start();
  }

  /** A user chose "Check for updates", then quit: the check runs, and is waited for, before the close. */
  static void checkNowThenShutDown(HerdGuard guard, Updater updater) {
    PeriodicCheck updates = guard.periodicCheck("updates", updater::checkNow).start();
    updates.runNow().join();   // a "Check for updates" menu item: run now, wait for it; the schedule goes on
    updates.close();           // on shutdown
  }

  /** Asks the update server whether there is a new version. */
  static class Updater {
    private final AtomicInteger checks = new AtomicInteger();

    void checkNow() throws IOException {
      checks.incrementAndGet();
      System.out.println("checking for updates");
    }

    int checks() {
      return checks.get();
    }
  }
}

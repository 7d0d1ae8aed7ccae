package dev.herdguard.examples;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.PeriodicCheck;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Recipe: a periodic update check. {@code guard.periodicCheck} runs the check first after what is
 * left of the startup delay, then every {@code herdguard.check.interval} (6 h) drawn within
 * {@code herdguard.check.spread} (plus or minus 20%), so a fleet's checks drift apart instead of
 * lining up; a failure is retried with a backoff scaled to the interval, not every few seconds.
 * With {@code herdguard.state-dir} set, the last success survives a restart, so a reboot does not
 * trigger a check the fleet made an hour ago.
 *
 * <p>Run: {@code java -cp examples/target/herdguard-examples.jar dev.herdguard.examples.UpdateCheck}
 */
public final class UpdateCheck {

  private UpdateCheck() {}

  public static void main(String[] args) throws Exception {
    CountDownLatch checked = new CountDownLatch(1);
    try (HerdGuard guard = HerdGuard.create(HerdGuardConfig.load());
        PeriodicCheck updates = start(guard, () -> {
          System.out.println("checking for updates");
          checked.countDown();
          return null;
        })) {
      updates.runNow(); // the demo does not wait for the startup delay
      checked.await(10, TimeUnit.SECONDS);
      System.out.println("next check: " + updates.nextRun().orElse(null));
    }
  }

  /** Starts the application's update check; close it on shutdown. */
  static PeriodicCheck start(HerdGuard guard, Callable<?> checkForUpdates) {
    return guard.periodicCheck("updates", checkForUpdates).start();
  }
}

package dev.herdguard.examples;

import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.HerdGuardConfigException;
import java.io.IOException;
import java.io.StringReader;
import java.time.Duration;
import java.util.Properties;

/**
 * Recipe: tune herdguard by properties. Every setting is a {@code herdguard.*} key with a builder
 * method of the same meaning; {@code HerdGuardConfig.load()} reads them from
 * {@code herdguard.properties} on the classpath, the file named by {@code -Dherdguard.config},
 * system properties and {@code HERDGUARD_*} environment variables, later winning. An operation can
 * override any key under {@code herdguard.operations.<name>.}. A bad file fails whole, naming every
 * bad key: a typo is an error, never a silent default.
 *
 * <p>Run: {@code java -cp examples/target/herdguard-examples.jar dev.herdguard.examples.TuneByProperties}
 */
public final class TuneByProperties {

  private TuneByProperties() {}

  static final String TUNED = """
      herdguard.startup.max-delay=3m
      herdguard.retry.budget.min-per-second=0.05
      herdguard.operations.login.retry.max-attempts=3
      herdguard.operations.login.backoff.max=2m
      """;

  public static void main(String[] args) throws IOException {
    HerdGuardConfig config = parse(TUNED);
    try (HerdGuard guard = HerdGuard.create(config)) {
      System.out.println("startup delay drawn in [0, " + config.startupMaxDelay() + "]: " + guard.startupDelay());
      System.out.println("login attempts: " + config.forOperation("login").retryMaxAttempts()
          + ", other operations: " + config.retryMaxAttempts());
    }
    try {
      parse("herdguard.backof.base=1s\nherdguard.retry.max-attempts=0\n");
    } catch (HerdGuardConfigException e) {
      System.out.println(e.getMessage());
    }
  }

  /** The config of a properties text, as {@code HerdGuardConfig.load()} would read it from a file. */
  static HerdGuardConfig parse(String text) throws IOException {
    Properties p = new Properties();
    p.load(new StringReader(text));
    return HerdGuardConfig.fromProperties(p);
  }

  /** The same settings from the builder: one method per key, checked by the same rules. */
  static HerdGuardConfig built() {
    return HerdGuardConfig.builder()
        .withStartupMaxDelay(Duration.ofMinutes(3))
        .withRetryBudgetMinPerSecond(0.05)
        .set("herdguard.operations.login.retry.max-attempts", "3")
        .set("herdguard.operations.login.backoff.max", "2m")
        .build();
  }
}

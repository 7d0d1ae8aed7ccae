package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Behaviour of {@link HerdGuardConfig}: parsing, sources, overrides, round trips. */
class HerdGuardConfigTest {

  /** Every key of the contract, each at a value other than its default. */
  private static final Map<String, String> EVERY_KEY = everyKey();

  private static Map<String, String> everyKey() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("herdguard.state-dir", "/var/lib/app");
    m.put("herdguard.startup.max-delay", "2m");
    m.put("herdguard.startup.mode", "stable");
    m.put("herdguard.backoff.strategy", "full-jitter");
    m.put("herdguard.backoff.base", "250ms");
    m.put("herdguard.backoff.max", "2m");
    m.put("herdguard.retry.max-attempts", "4");
    m.put("herdguard.retry.max-duration", "90s");
    m.put("herdguard.retry.retry-after.max", "3m");
    m.put("herdguard.retry.retry-after.spread", "0.5");
    m.put("herdguard.retry.budget.ratio", "0.25");
    m.put("herdguard.retry.budget.min-per-second", "2.5");
    m.put("herdguard.breaker.failure-rate-threshold", "75");
    m.put("herdguard.breaker.minimum-calls", "10");
    m.put("herdguard.breaker.window", "100");
    m.put("herdguard.breaker.open-wait", "45s");
    m.put("herdguard.breaker.open-wait-spread", "0.25");
    m.put("herdguard.breaker.half-open-calls", "5");
    m.put("herdguard.token.refresh-from", "0.5");
    m.put("herdguard.token.refresh-until", "0.8");
    m.put("herdguard.token.min-remaining", "1m");
    m.put("herdguard.token.default-lifetime", "2h");
    m.put("herdguard.token.expiry-warning", "30m");
    m.put("herdguard.token.file", "/secure/token");
    m.put("herdguard.check.interval", "12h");
    m.put("herdguard.check.spread", "0.1");
    m.put("herdguard.host.enabled", "false");
    m.put("herdguard.host.min-failures", "3");
    m.put("herdguard.host.min-streak", "2s");
    m.put("herdguard.host.base", "3s");
    m.put("herdguard.host.multiplier", "2");
    m.put("herdguard.host.max-wait", "10m");
    m.put("herdguard.host.down-max-wait", "20s");
    m.put("herdguard.host.spread", "0.25");
    m.put("herdguard.host.timeout-multiplier", "3");
    m.put("herdguard.host.max-timeout", "2m");
    m.put("herdguard.host.user-interval", "5m");
    return m;
  }

  private static Properties properties(Map<String, String> map) {
    Properties p = new Properties();
    p.putAll(map);
    return p;
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    HerdGuardConfig c = HerdGuardConfig.defaults();
    assertEquals(Optional.empty(), c.stateDir());
    assertEquals(Duration.ofSeconds(60), c.startupMaxDelay());
    assertEquals(StartupJitter.Mode.RANDOM, c.startupMode());
    assertEquals(Backoff.Strategy.DECORRELATED_JITTER, c.backoffStrategy());
    assertEquals(Duration.ofMillis(500), c.backoffBase());
    assertEquals(Duration.ofSeconds(60), c.backoffMax());
    assertEquals(Backoff.decorrelatedJitter(Duration.ofMillis(500), Duration.ofSeconds(60)), c.backoff());
    assertEquals(6, c.retryMaxAttempts());
    assertEquals(Duration.ofMinutes(5), c.retryMaxDuration());
    assertEquals(Duration.ofMinutes(10), c.retryAfterMax());
    assertEquals(0.2, c.retryAfterSpread());
    assertEquals(0.1, c.retryBudgetRatio());
    assertEquals(0.05, c.retryBudgetMinPerSecond());
    assertEquals(50.0, c.breakerFailureRateThreshold());
    assertEquals(20, c.breakerMinimumCalls());
    assertEquals(50, c.breakerWindow());
    assertEquals(Duration.ofSeconds(30), c.breakerOpenWait());
    assertEquals(0.5, c.breakerOpenWaitSpread());
    assertEquals(3, c.breakerHalfOpenCalls());
    assertEquals(0.75, c.tokenRefreshFrom());
    assertEquals(0.9, c.tokenRefreshUntil());
    assertEquals(Duration.ofSeconds(30), c.tokenMinRemaining());
    assertEquals(Duration.ofHours(1), c.tokenDefaultLifetime());
    assertEquals(Duration.ofMinutes(15), c.tokenExpiryWarning());
    assertEquals(Optional.empty(), c.tokenFile());
    assertEquals(Duration.ofHours(6), c.checkInterval());
    assertEquals(0.2, c.checkSpread());
    assertEquals(Set.of(), c.operationNames());
    assertEquals(HerdGuardConfig.builder().build(), c);
    assertEquals(HerdGuardConfig.fromProperties(new Properties()), c);
  }

  @Test
  void everyKeyIsReadFromProperties() {
    HerdGuardConfig c = HerdGuardConfig.fromProperties(properties(EVERY_KEY));
    assertEquals(Optional.of(Path.of("/var/lib/app")), c.stateDir());
    assertEquals(Duration.ofMinutes(2), c.startupMaxDelay());
    assertEquals(StartupJitter.Mode.STABLE, c.startupMode());
    assertEquals(Backoff.Strategy.FULL_JITTER, c.backoffStrategy());
    assertEquals(Duration.ofMillis(250), c.backoffBase());
    assertEquals(Duration.ofMinutes(2), c.backoffMax());
    assertEquals(Backoff.fullJitter(Duration.ofMillis(250), Duration.ofMinutes(2)), c.backoff());
    assertEquals(4, c.retryMaxAttempts());
    assertEquals(Duration.ofSeconds(90), c.retryMaxDuration());
    assertEquals(Duration.ofMinutes(3), c.retryAfterMax());
    assertEquals(0.5, c.retryAfterSpread());
    assertEquals(0.25, c.retryBudgetRatio());
    assertEquals(2.5, c.retryBudgetMinPerSecond());
    assertEquals(75.0, c.breakerFailureRateThreshold());
    assertEquals(10, c.breakerMinimumCalls());
    assertEquals(100, c.breakerWindow());
    assertEquals(Duration.ofSeconds(45), c.breakerOpenWait());
    assertEquals(0.25, c.breakerOpenWaitSpread());
    assertEquals(5, c.breakerHalfOpenCalls());
    assertEquals(0.5, c.tokenRefreshFrom());
    assertEquals(0.8, c.tokenRefreshUntil());
    assertEquals(Duration.ofMinutes(1), c.tokenMinRemaining());
    assertEquals(Duration.ofHours(2), c.tokenDefaultLifetime());
    assertEquals(Duration.ofMinutes(30), c.tokenExpiryWarning());
    assertEquals(Optional.of(Path.of("/secure/token")), c.tokenFile());
    assertEquals(Duration.ofHours(12), c.checkInterval());
    assertEquals(0.1, c.checkSpread());
    assertFalse(c.hostEnabled());
    assertEquals(3, c.hostMinFailures());
    assertEquals(Duration.ofSeconds(2), c.hostMinStreak());
    assertEquals(Duration.ofSeconds(3), c.hostBase());
    assertEquals(2.0, c.hostMultiplier());
    assertEquals(Duration.ofMinutes(10), c.hostMaxWait());
    assertEquals(Duration.ofSeconds(20), c.hostDownMaxWait());
    assertEquals(0.25, c.hostSpread());
    assertEquals(3.0, c.hostTimeoutMultiplier());
    assertEquals(Duration.ofMinutes(2), c.hostMaxTimeout());
    assertEquals(Duration.ofMinutes(5), c.hostUserInterval());
  }

  @Test
  void theTestAboveCoversEveryKey() {
    // toProperties writes every key that has a value; state-dir and token.file have none by default.
    Set<String> keys = new TreeSet<>(HerdGuardConfig.defaults().toProperties().stringPropertyNames());
    keys.add("herdguard.state-dir");
    keys.add("herdguard.token.file");
    assertEquals(keys, new TreeSet<>(EVERY_KEY.keySet()));
    for (var e : EVERY_KEY.entrySet()) {
      String defaultValue = HerdGuardConfig.defaults().toProperties().getProperty(e.getKey());
      assertNotEquals(defaultValue, e.getValue(), e.getKey());
    }
  }

  @ParameterizedTest
  @CsvSource({
    "250ms, PT0.25S",
    "30s, PT30S",
    "5m, PT5M",
    "1h, PT1H",
    "2d, PT48H",
    "PT30S, PT30S",
    "P1DT2H, PT26H",
    "PT0.5S, PT0.5S",
    "0, PT0S",
    "0ms, PT0S",
    "' 45s ', PT45S",
  })
  void everyDurationFormatIsRead(String text, String expected) {
    Properties p = new Properties();
    p.setProperty("herdguard.startup.max-delay", text);
    p.setProperty("herdguard.token.expiry-warning", text);
    HerdGuardConfig c = HerdGuardConfig.fromProperties(p);
    assertEquals(Duration.parse(expected), c.startupMaxDelay());
    assertEquals(Duration.parse(expected), c.tokenExpiryWarning());
  }

  @Test
  void zeroStartupDelayTurnsItOff() {
    Properties p = new Properties();
    p.setProperty("herdguard.startup.max-delay", "0");
    assertEquals(Duration.ZERO, HerdGuardConfig.fromProperties(p).startupMaxDelay());
  }

  @Test
  void fromPropertiesIgnoresOtherKeysAndTheConfigFileProperty() {
    Properties p = new Properties();
    p.setProperty("java.version", "17");
    p.setProperty("herdguardx.foo", "bar");
    p.setProperty("herdguard.config", "/does/not/matter.properties");
    p.setProperty("herdguard.retry.max-attempts", "3");
    assertEquals(HerdGuardConfig.builder().withRetryMaxAttempts(3).build(), HerdGuardConfig.fromProperties(p));
  }

  @Test
  void fromPropertiesReadsTheDefaultsOfProperties() {
    Properties defaults = new Properties();
    defaults.setProperty("herdguard.retry.max-attempts", "3");
    assertEquals(3, HerdGuardConfig.fromProperties(new Properties(defaults)).retryMaxAttempts());
  }

  @Test
  void theBuilderSetsEveryKey() {
    HerdGuardConfig c = HerdGuardConfig.builder()
        .withStateDir(Path.of("/var/lib/app"))
        .withStartupMaxDelay(Duration.ofMinutes(2))
        .withStartupMode(StartupJitter.Mode.STABLE)
        .withBackoffStrategy(Backoff.Strategy.FULL_JITTER)
        .withBackoffBase(Duration.ofMillis(250))
        .withBackoffMax(Duration.ofMinutes(2))
        .withRetryMaxAttempts(4)
        .withRetryMaxDuration(Duration.ofSeconds(90))
        .withRetryAfterMax(Duration.ofMinutes(3))
        .withRetryAfterSpread(0.5)
        .withRetryBudgetRatio(0.25)
        .withRetryBudgetMinPerSecond(2.5)
        .withBreakerFailureRateThreshold(75)
        .withBreakerMinimumCalls(10)
        .withBreakerWindow(100)
        .withBreakerOpenWait(Duration.ofSeconds(45))
        .withBreakerOpenWaitSpread(0.25)
        .withBreakerHalfOpenCalls(5)
        .withTokenRefreshFrom(0.5)
        .withTokenRefreshUntil(0.8)
        .withTokenMinRemaining(Duration.ofMinutes(1))
        .withTokenDefaultLifetime(Duration.ofHours(2))
        .withTokenExpiryWarning(Duration.ofMinutes(30))
        .withTokenFile(Path.of("/secure/token"))
        .withCheckInterval(Duration.ofHours(12))
        .withCheckSpread(0.1)
        .withHostEnabled(false)
        .withHostMinFailures(3)
        .withHostMinStreak(Duration.ofSeconds(2))
        .withHostBase(Duration.ofSeconds(3))
        .withHostMultiplier(2)
        .withHostMaxWait(Duration.ofMinutes(10))
        .withHostDownMaxWait(Duration.ofSeconds(20))
        .withHostSpread(0.25)
        .withHostTimeoutMultiplier(3)
        .withHostMaxTimeout(Duration.ofMinutes(2))
        .withHostUserInterval(Duration.ofMinutes(5))
        .build();
    assertEquals(HerdGuardConfig.fromProperties(properties(EVERY_KEY)), c);
  }

  @Test
  void withBackoffSetsItsThreeKeys() {
    Backoff b = Backoff.exponential(Duration.ofSeconds(1), Duration.ofMinutes(1));
    HerdGuardConfig c = HerdGuardConfig.builder().withBackoff(b).build();
    assertEquals(b, c.backoff());
    assertEquals(Backoff.Strategy.EXPONENTIAL, c.backoffStrategy());
  }

  @Test
  void theLastCallForAKeyWins() {
    assertEquals(Duration.ofSeconds(2), HerdGuardConfig.builder()
        .set("herdguard.backoff.base", "1s").withBackoffBase(Duration.ofSeconds(2)).build().backoffBase());
    assertEquals(Duration.ofSeconds(1), HerdGuardConfig.builder()
        .withBackoffBase(Duration.ofSeconds(2)).set("herdguard.backoff.base", "1s").build().backoffBase());
    // A value that could not be read is forgotten once a later call replaces it.
    assertEquals(Duration.ofSeconds(3), HerdGuardConfig.builder()
        .set("herdguard.backoff.base", "abc").set("herdguard.backoff.base", "3s").build().backoffBase());
    assertEquals(Duration.ofSeconds(4), HerdGuardConfig.builder()
        .set("herdguard.backoff.base", "abc").withBackoffBase(Duration.ofSeconds(4)).build().backoffBase());
  }

  @Test
  void theTokenFileFollowsTheStateDirUnlessSet() {
    Path dir = Path.of("/var/lib/app");
    assertEquals(Optional.of(dir.resolve("token")), HerdGuardConfig.builder().withStateDir(dir).build().tokenFile());
    assertEquals(Optional.of(Path.of("/t")),
        HerdGuardConfig.builder().withStateDir(dir).withTokenFile(Path.of("/t")).build().tokenFile());
    assertEquals(Optional.of(Path.of("/t")), HerdGuardConfig.builder().withTokenFile(Path.of("/t")).build().tokenFile());
    // A state dir changed through toBuilder() moves a derived token file with it.
    HerdGuardConfig moved = HerdGuardConfig.builder().withStateDir(dir).build()
        .toBuilder().withStateDir(Path.of("/elsewhere")).build();
    assertEquals(Optional.of(Path.of("/elsewhere/token")), moved.tokenFile());
  }

  @Test
  void anEmptyPathMeansNotSet() {
    Properties p = new Properties();
    p.setProperty("herdguard.state-dir", "");
    p.setProperty("herdguard.token.file", " ");
    HerdGuardConfig c = HerdGuardConfig.fromProperties(p);
    assertEquals(Optional.empty(), c.stateDir());
    assertEquals(Optional.empty(), c.tokenFile());
    assertEquals(HerdGuardConfig.defaults(), c);
  }

  @Test
  void stableStartupWithAStateDirIsValid() {
    HerdGuardConfig c = HerdGuardConfig.builder()
        .withStartupMode(StartupJitter.Mode.STABLE).withStateDir(Path.of("state")).build();
    assertEquals(StartupJitter.Mode.STABLE, c.startupMode());
  }

  // ---- per-operation overrides ----

  @Test
  void anOperationGetsItsOverridesAndInheritsTheRest() {
    Properties p = new Properties();
    p.setProperty("herdguard.retry.max-attempts", "3");
    p.setProperty("herdguard.backoff.base", "1s");
    p.setProperty("herdguard.operations.login.retry.max-attempts", "10");
    p.setProperty("herdguard.operations.login.backoff.max", "5m");
    p.setProperty("herdguard.operations.update-check.check.interval", "1h");
    HerdGuardConfig c = HerdGuardConfig.fromProperties(p);

    HerdGuardConfig login = c.forOperation("login");
    assertEquals(10, login.retryMaxAttempts());
    assertEquals(Duration.ofMinutes(5), login.backoffMax());
    assertEquals(Duration.ofSeconds(1), login.backoffBase());
    assertEquals(Backoff.decorrelatedJitter(Duration.ofSeconds(1), Duration.ofMinutes(5)), login.backoff());
    assertEquals(Duration.ofHours(6), login.checkInterval());

    assertEquals(Duration.ofHours(1), c.forOperation("update-check").checkInterval());
    assertEquals(3, c.forOperation("update-check").retryMaxAttempts());
    assertEquals(3, c.retryMaxAttempts());
    assertEquals(Set.of("login", "update-check"), c.operationNames());
  }

  @Test
  void anOperationWithoutOverridesIsThisConfig() {
    HerdGuardConfig c = HerdGuardConfig.builder().withOperation("login", Map.of("retry.max-attempts", "10")).build();
    assertSame(c, c.forOperation("upload"));
  }

  @Test
  void anOperationsConfigHasNoOperationsOfItsOwn() {
    HerdGuardConfig login = HerdGuardConfig.builder()
        .withOperation("login", Map.of("retry.max-attempts", "10"))
        .withOperation("upload", Map.of("retry.max-attempts", "2"))
        .build()
        .forOperation("login");
    assertEquals(Set.of(), login.operationNames());
    assertSame(login, login.forOperation("upload"));
    assertEquals(HerdGuardConfig.builder().withRetryMaxAttempts(10).build(), login);
  }

  @Test
  void forOperationRejectsAnInvalidName() {
    var e = assertThrows(IllegalArgumentException.class, () -> HerdGuardConfig.defaults().forOperation("Login"));
    assertEquals("operation name (Login) must match [a-z0-9][a-z0-9_-]*", e.getMessage());
    assertThrows(NullPointerException.class, () -> HerdGuardConfig.defaults().forOperation(null));
  }

  @Test
  void withOperationTakesKeysWithOrWithoutThePrefixAndReplaces() {
    HerdGuardConfig.Builder b = HerdGuardConfig.builder()
        .withOperation("login", Map.of("herdguard.retry.max-attempts", "10", "backoff.base", "2s"));
    assertEquals(10, b.build().forOperation("login").retryMaxAttempts());
    assertEquals(Duration.ofSeconds(2), b.build().forOperation("login").backoffBase());

    b.withOperation("login", Map.of("retry.max-attempts", "8"));
    assertEquals(Duration.ofMillis(500), b.build().forOperation("login").backoffBase());
    assertEquals(8, b.build().forOperation("login").retryMaxAttempts());

    b.withOperation("login", Map.of());
    assertEquals(Set.of(), b.build().operationNames());
  }

  @Test
  void setAddsOneOverrideToAnOperation() {
    HerdGuardConfig c = HerdGuardConfig.builder()
        .withOperation("login", Map.of("retry.max-attempts", "10"))
        .set("herdguard.operations.login.backoff.base", "2s")
        .build();
    assertEquals(10, c.forOperation("login").retryMaxAttempts());
    assertEquals(Duration.ofSeconds(2), c.forOperation("login").backoffBase());
  }

  @Test
  void aTokenFilePerOperation() {
    Properties p = new Properties();
    p.setProperty("herdguard.state-dir", "/var/lib/app");
    p.setProperty("herdguard.operations.admin.token.file", "/var/lib/app/admin-token");
    HerdGuardConfig c = HerdGuardConfig.fromProperties(p);
    assertEquals(Optional.of(Path.of("/var/lib/app/token")), c.tokenFile());
    assertEquals(Optional.of(Path.of("/var/lib/app/admin-token")), c.forOperation("admin").tokenFile());
    assertEquals(Optional.of(Path.of("/var/lib/app")), c.forOperation("admin").stateDir());
  }

  // ---- round trips, equality, immutability ----

  @Test
  void toPropertiesRoundTrips() {
    Properties p = properties(EVERY_KEY);
    p.setProperty("herdguard.operations.login.retry.max-attempts", "10");
    p.setProperty("herdguard.operations.login.backoff.base", "PT0.5S");
    p.setProperty("herdguard.operations.login.token.file", "");
    p.setProperty("herdguard.operations.upload.breaker.window", "200");
    HerdGuardConfig c = HerdGuardConfig.fromProperties(p);
    Properties written = c.toProperties();
    assertEquals(c, HerdGuardConfig.fromProperties(written));
    assertEquals(c.forOperation("login"), HerdGuardConfig.fromProperties(written).forOperation("login"));
    assertEquals("500ms", written.getProperty("herdguard.operations.login.backoff.base"));
    assertEquals("75", written.getProperty("herdguard.breaker.failure-rate-threshold"));
    assertEquals("0.25", written.getProperty("herdguard.retry.budget.ratio"));
    assertEquals(EVERY_KEY.size() + 4, written.size());

    for (HerdGuardConfig d : List.of(HerdGuardConfig.defaults(),
        HerdGuardConfig.builder().withStateDir(Path.of("s")).build(),
        HerdGuardConfig.builder()
            .withBackoffBase(Duration.ofNanos(1500))
            .withRetryMaxDuration(Duration.ofMillis(90_001))
            .withRetryBudgetRatio(1.0 / 3)
            .withRetryBudgetMinPerSecond(1e-9)
            .withCheckSpread(-0.0 + 0.0)
            .build())) {
      assertEquals(d, HerdGuardConfig.fromProperties(d.toProperties()), d::toString);
    }
  }

  @Test
  void aDerivedTokenFileIsNotWrittenOut() {
    HerdGuardConfig c = HerdGuardConfig.builder().withStateDir(Path.of("/var/lib/app")).build();
    assertEquals(null, c.toProperties().getProperty("herdguard.token.file"));
    assertEquals("/var/lib/app", c.toProperties().getProperty("herdguard.state-dir"));
  }

  @Test
  void toBuilderGivesAnEqualConfig() {
    Properties p = properties(EVERY_KEY);
    p.setProperty("herdguard.operations.login.retry.max-attempts", "10");
    HerdGuardConfig c = HerdGuardConfig.fromProperties(p);
    assertEquals(c, c.toBuilder().build());
    assertEquals(10, c.toBuilder().build().forOperation("login").retryMaxAttempts());
    assertEquals(7, c.toBuilder().withRetryMaxAttempts(7).build().retryMaxAttempts());
    assertEquals(4, c.retryMaxAttempts());
  }

  @Test
  void aBuiltConfigDoesNotChangeWhenItsBuilderDoes() {
    HerdGuardConfig.Builder b = HerdGuardConfig.builder()
        .withRetryMaxAttempts(3)
        .withOperation("login", Map.of("retry.max-attempts", "10"));
    HerdGuardConfig first = b.build();
    b.withRetryMaxAttempts(9)
        .set("herdguard.backoff.base", "2s")
        .set("herdguard.operations.login.retry.max-attempts", "11")
        .withOperation("upload", Map.of("retry.max-attempts", "2"));
    HerdGuardConfig second = b.build();

    assertEquals(3, first.retryMaxAttempts());
    assertEquals(Duration.ofMillis(500), first.backoffBase());
    assertEquals(10, first.forOperation("login").retryMaxAttempts());
    assertEquals(Set.of("login"), first.operationNames());
    assertEquals(9, second.retryMaxAttempts());
    assertEquals(11, second.forOperation("login").retryMaxAttempts());

    // Nor when the caller changes what it passed in or got out.
    Map<String, String> overrides = new LinkedHashMap<>(Map.of("retry.max-attempts", "5"));
    HerdGuardConfig third = HerdGuardConfig.builder().withOperation("login", overrides).build();
    overrides.put("retry.max-attempts", "6");
    assertEquals(5, third.forOperation("login").retryMaxAttempts());
    third.toProperties().setProperty("herdguard.retry.max-attempts", "1");
    assertEquals(6, third.retryMaxAttempts());
    assertThrows(UnsupportedOperationException.class, () -> third.operationNames().add("x"));
  }

  @Test
  void equalsAndHashCodeFollowTheValues() {
    HerdGuardConfig a = HerdGuardConfig.builder().withRetryMaxAttempts(3).build();
    HerdGuardConfig b = HerdGuardConfig.fromProperties(properties(Map.of("herdguard.retry.max-attempts", "3")));
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(HerdGuardConfig.defaults(), a);
    assertNotEquals(a, a.toBuilder().withOperation("login", Map.of("retry.max-attempts", "3")).build());
    // An explicit token file equal to the derived one is still a different setting.
    Path dir = Path.of("/d");
    assertNotEquals(HerdGuardConfig.builder().withStateDir(dir).build(),
        HerdGuardConfig.builder().withStateDir(dir).withTokenFile(dir.resolve("token")).build());
  }

  @Test
  void toStringListsKeysInTableOrder() {
    HerdGuardConfig c = HerdGuardConfig.builder()
        .withStateDir(Path.of("/var/lib/app"))
        .withOperation("login", Map.of("retry.max-attempts", "10"))
        .build();
    String s = c.toString();
    assertTrue(s.startsWith("HerdGuardConfig{herdguard.state-dir=/var/lib/app, herdguard.startup.max-delay=1m, "
        + "herdguard.startup.mode=random, herdguard.backoff.strategy=decorrelated-jitter, herdguard.backoff.base=500ms, "), s);
    assertTrue(s.endsWith("herdguard.check.interval=6h, herdguard.check.spread=0.2, herdguard.host.enabled=true, "
        + "herdguard.host.min-failures=2, herdguard.host.min-streak=1s, herdguard.host.base=1s, "
        + "herdguard.host.multiplier=1.5, herdguard.host.max-wait=5m, herdguard.host.down-max-wait=30s, "
        + "herdguard.host.spread=0.5, herdguard.host.timeout-multiplier=2, herdguard.host.max-timeout=1m, "
        + "herdguard.host.user-interval=1m, herdguard.operations.login.retry.max-attempts=10}"), s);
  }

  // ---- load(): sources and precedence ----

  @Test
  void laterSourcesWin(@TempDir Path dir) throws IOException {
    Path classpath = Files.createDirectories(dir.resolve("classpath"));
    write(classpath.resolve("herdguard.properties"),
        "herdguard.retry.max-attempts=2",
        "herdguard.breaker.half-open-calls=2",
        "herdguard.breaker.minimum-calls=2",
        "herdguard.check.interval=2h");
    Path file = write(dir.resolve("app.properties"),
        "# the operator's file",
        "herdguard.retry.max-attempts=3",
        "herdguard.breaker.half-open-calls=3",
        "herdguard.breaker.minimum-calls=3",
        "herdguard.operations.login.retry.max-attempts=9");
    Properties system = new Properties();
    system.setProperty("herdguard.config", file.toString());
    system.setProperty("herdguard.retry.max-attempts", "4");
    system.setProperty("herdguard.breaker.half-open-calls", "4");
    system.setProperty("java.io.tmpdir", "/tmp");
    Map<String, String> env = Map.of("HERDGUARD_RETRY_MAX_ATTEMPTS", "5", "PATH", "/usr/bin");

    try (var loader = classLoader(classpath)) {
      HerdGuardConfig c = HerdGuardConfig.load(loader, system, env);
      assertEquals(5, c.retryMaxAttempts());
      assertEquals(4, c.breakerHalfOpenCalls());
      assertEquals(3, c.breakerMinimumCalls());
      assertEquals(Duration.ofHours(2), c.checkInterval());
      assertEquals(Duration.ofHours(1), c.tokenDefaultLifetime());
      // An operation's override beats the base key, whatever source each came from.
      assertEquals(9, c.forOperation("login").retryMaxAttempts());
    }
  }

  @Test
  void eachSourceAloneIsRead(@TempDir Path dir) throws IOException {
    Path classpath = Files.createDirectories(dir.resolve("classpath"));
    write(classpath.resolve("herdguard.properties"), "herdguard.retry.max-attempts=2");
    try (var loader = classLoader(classpath)) {
      assertEquals(2, HerdGuardConfig.load(loader, new Properties(), Map.of()).retryMaxAttempts());
    }
    Path file = write(dir.resolve("h.properties"), "herdguard.retry.max-attempts=3");
    assertEquals(3, HerdGuardConfig.load(null, properties(Map.of("herdguard.config", file.toString())), Map.of())
        .retryMaxAttempts());
    assertEquals(4, HerdGuardConfig.load(null, properties(Map.of("herdguard.retry.max-attempts", "4")), Map.of())
        .retryMaxAttempts());
    assertEquals(5, HerdGuardConfig.load(null, new Properties(), Map.of("HERDGUARD_RETRY_MAX_ATTEMPTS", "5"))
        .retryMaxAttempts());
    assertEquals(HerdGuardConfig.defaults(), HerdGuardConfig.load(null, new Properties(), Map.of()));
  }

  @Test
  void theConfigFileCanBeNamedByTheEnvironment(@TempDir Path dir) throws IOException {
    Path fromEnv = write(dir.resolve("env.properties"), "herdguard.retry.max-attempts=3");
    Path fromSystem = write(dir.resolve("system.properties"), "herdguard.retry.max-attempts=4");
    assertEquals(3, HerdGuardConfig.load(null, new Properties(), Map.of("HERDGUARD_CONFIG", fromEnv.toString()))
        .retryMaxAttempts());
    // The system property wins, as system properties do over the environment everywhere else.
    assertEquals(4, HerdGuardConfig.load(null, properties(Map.of("herdguard.config", fromSystem.toString())),
        Map.of("HERDGUARD_CONFIG", fromEnv.toString())).retryMaxAttempts());
  }

  @Test
  void filesAreReadAsUtf8(@TempDir Path dir) throws IOException {
    Path file = write(dir.resolve("h.properties"), "herdguard.state-dir=/var/lib/zürich");
    assertEquals(Optional.of(Path.of("/var/lib/zürich")),
        HerdGuardConfig.load(null, properties(Map.of("herdguard.config", file.toString())), Map.of()).stateDir());
  }

  @Test
  void thePublicLoadReadsTheRealSources() {
    // Only where this JVM's own environment leaves herdguard's names alone; no test sets them.
    assumeTrue(System.getenv().keySet().stream().noneMatch(k -> k.startsWith("HERDGUARD_")));
    assumeTrue(System.getProperties().stringPropertyNames().stream().noneMatch(k -> k.startsWith("herdguard.")));
    assertEquals(HerdGuardConfig.defaults(), HerdGuardConfig.load());
  }

  @Test
  void environmentVariablesMapOntoKeys() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("HERDGUARD_STATE_DIR", "/var/lib/app");
    env.put("HERDGUARD_STARTUP_MAX_DELAY", "0");
    env.put("HERDGUARD_RETRY_RETRY_AFTER_MAX", "3m");
    env.put("HERDGUARD_RETRY_BUDGET_MIN_PER_SECOND", "4");
    env.put("HERDGUARD_BREAKER_OPEN_WAIT_SPREAD", "0.1");
    env.put("HERDGUARD_TOKEN_FILE", "/secure/token");
    env.put("HOME", "/root");
    HerdGuardConfig c = HerdGuardConfig.load(null, new Properties(), env);
    assertEquals(Optional.of(Path.of("/var/lib/app")), c.stateDir());
    assertEquals(Duration.ZERO, c.startupMaxDelay());
    assertEquals(Duration.ofMinutes(3), c.retryAfterMax());
    assertEquals(4.0, c.retryBudgetMinPerSecond());
    assertEquals(0.1, c.breakerOpenWaitSpread());
    assertEquals(Optional.of(Path.of("/secure/token")), c.tokenFile());
  }

  @Test
  void everyKeyHasAnEnvironmentVariable() {
    Map<String, String> env = new LinkedHashMap<>();
    EVERY_KEY.forEach((key, value) -> env.put(
        key.replace('.', '_').replace('-', '_').toUpperCase(java.util.Locale.ROOT), value));
    assertEquals(HerdGuardConfig.fromProperties(properties(EVERY_KEY)), HerdGuardConfig.load(null, new Properties(), env));
  }

  @Test
  void environmentVariablesOverrideOperations() {
    Properties system = new Properties();
    system.setProperty("herdguard.operations.user-login.retry.max-attempts", "3");
    Map<String, String> env = new LinkedHashMap<>();
    env.put("HERDGUARD_OPERATIONS_LOGIN_RETRY_MAX_ATTEMPTS", "10");
    // USER_LOGIN is user-login, the spelling an earlier source already uses ...
    env.put("HERDGUARD_OPERATIONS_USER_LOGIN_BACKOFF_BASE", "1s");
    // ... and, with no such hint, an underscore stays an underscore.
    env.put("HERDGUARD_OPERATIONS_BULK_SYNC_CHECK_INTERVAL", "1h");
    // The key is matched from the end, so a name may look like a key.
    env.put("HERDGUARD_OPERATIONS_RETRY_RETRY_RETRY_AFTER_MAX", "1m");
    HerdGuardConfig c = HerdGuardConfig.load(null, system, env);
    assertEquals(10, c.forOperation("login").retryMaxAttempts());
    assertEquals(3, c.forOperation("user-login").retryMaxAttempts());
    assertEquals(Duration.ofSeconds(1), c.forOperation("user-login").backoffBase());
    assertEquals(Duration.ofHours(1), c.forOperation("bulk_sync").checkInterval());
    assertEquals(Duration.ofMinutes(1), c.forOperation("retry").retryAfterMax());
    assertEquals(Set.of("bulk_sync", "login", "retry", "user-login"), c.operationNames());
  }

  private static Path write(Path file, String... lines) throws IOException {
    return Files.write(file, List.of(lines), StandardCharsets.UTF_8);
  }

  /** A class loader that sees only {@code folder}, so no other herdguard.properties interferes. */
  static URLClassLoader classLoader(Path folder) throws IOException {
    return new URLClassLoader(new URL[] {folder.toUri().toURL()}, null);
  }
}

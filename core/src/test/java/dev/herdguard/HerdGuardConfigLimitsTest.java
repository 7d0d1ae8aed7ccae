package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.testing.FakeClock;
import dev.herdguard.testing.FakeScheduler;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 11, item 1: every value {@code build()} accepts works everywhere, and every limit a
 * component enforces is a rule of the configuration. Each bad value is shown to be refused, named,
 * through every way in (the builder, properties, a per-operation override, {@code -D}, the
 * environment); each key's boundary values are shown to work in a guard, its operations, a token
 * cache, a periodic check and the delay functions.
 */
class HerdGuardConfigLimitsTest {

  // ---- values that used to be accepted and then failed on first use ----

  @Test
  void retryAfterMaxOver365DaysIsAConfigError() {
    assertEquals(List.of("herdguard.retry.retry-after.max (366d, set in code) must be <= 365d"),
        problems(HerdGuardConfig.builder().withRetryAfterMax(Duration.ofDays(366))));
    // 365d itself is RetryAfter's limit, and works.
    HerdGuardConfig c = HerdGuardConfig.builder().withRetryAfterMax(Duration.ofDays(365)).build();
    assertEquals(Duration.ofDays(365), RetryAfter.of(c.retryAfterMax(), c.retryAfterSpread()).max());
  }

  @Test
  void durationsThatOverflowAreAConfigError() {
    assertEquals(List.of(
            "herdguard.retry.max-duration (1000000000000d) must be <= 365d",
            "herdguard.breaker.open-wait (1000000000000d) must be <= 365d",
            "herdguard.token.default-lifetime (1000000000000d) must be <= 365d"),
        problems("herdguard.retry.max-duration", "1000000000000d",
            "herdguard.breaker.open-wait", "1000000000000d",
            "herdguard.token.default-lifetime", "1000000000000d"));
  }

  @Test
  void budgetMinPerSecondAboveRetryBudgetsLimitIsAConfigError() {
    assertEquals(List.of("herdguard.retry.budget.min-per-second (2147483647) must be <= 1000000"),
        problems("herdguard.retry.budget.min-per-second", "2147483647"));
  }

  @Test
  void aBreakerWindowResilience4jCannotAllocateIsAConfigError() {
    assertEquals(List.of("herdguard.breaker.window (2147483647) must be <= 100000"),
        problems("herdguard.breaker.window", "2147483647"));
  }

  /** Key, bad value, the rule it breaks; each is checked through every source. */
  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
    "startup.max-delay | 366d | must be <= 365d",
    "backoff.base | 366d | must be <= 365d",
    "backoff.max | 366d | must be <= 365d",
    "retry.max-duration | 1000000000000d | must be <= 365d",
    "retry.retry-after.max | 366d | must be <= 365d",
    "retry.retry-after.max | P400D | must be <= 365d",
    "retry.budget.ratio | 0.0000001 | must be 0 or >= 0.000001: budgets count in millionths of a retry",
    "retry.budget.min-per-second | 2147483647 | must be <= 1000000",
    "breaker.failure-rate-threshold | 1e-50 | must be >= 0.000001: Resilience4j keeps the threshold as a float",
    "breaker.window | 2147483647 | must be <= 100000",
    "breaker.window | 100001 | must be <= 100000",
    "breaker.open-wait | 1000000000000d | must be <= 365d",
    "breaker.open-wait | PT0.0005S | must be >= 1ms",
    "breaker.half-open-calls | 100001 | must be <= 100000",
    "token.min-remaining | 366d | must be <= 365d",
    "token.default-lifetime | 1000000000000d | must be <= 365d",
    "token.expiry-warning | 366d | must be <= 365d",
    "check.interval | 500ms | must be >= 1s",
    "check.interval | 366d | must be <= 365d",
  })
  void everyComponentLimitIsAConfigErrorFromEverySource(String name, String value, String rule) {
    String key = "herdguard." + name;
    String env = "HERDGUARD_" + ConfigSources.envName(name);
    // Builder.set, then build()
    assertEquals(List.of(key + " (" + value + ") " + rule),
        problems(HerdGuardConfig.builder().set(key, value)));
    // properties
    assertEquals(List.of(key + " (" + value + ") " + rule), problems(key, value));
    // -D
    assertEquals(List.of(key + " (" + value + ", from a -D system property) " + rule),
        loadProblems(props(key, value), Map.of()));
    // the environment
    assertEquals(List.of(env + " (" + value + ") " + rule), loadProblems(new Properties(), Map.of(env, value)));
    if (!name.startsWith("startup.")) {
      // a per-operation override, from properties and from the environment
      String override = "herdguard.operations.login." + name;
      assertEquals(List.of(override + " (" + value + ") " + rule), problems(override, value));
      String overrideEnv = "HERDGUARD_OPERATIONS_LOGIN_" + ConfigSources.envName(name);
      assertEquals(List.of(overrideEnv + " (" + value + ") " + rule),
          loadProblems(new Properties(), Map.of(overrideEnv, value)));
    }
  }

  @Test
  void aValueErrorSaysWhichFileItCameFrom(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("app.properties");
    java.nio.file.Files.write(file, List.of("herdguard.retry.retry-after.max=366d",
        "herdguard.operations.login.breaker.window=0"));
    assertEquals(List.of(
            "herdguard.retry.retry-after.max (366d, in " + file + ") must be <= 365d",
            "herdguard.operations.login.breaker.window (0, in " + file + ") must be >= 1"),
        loadProblems(props("herdguard.config", file.toString()), Map.of()));
  }

  @Test
  void aRuleBetweenTwoKeysSaysWhereEachCameFrom(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("app.properties");
    java.nio.file.Files.write(file, List.of("herdguard.backoff.base=2s"));
    assertEquals(List.of("HERDGUARD_BACKOFF_MAX (1s) must be >= herdguard.backoff.base (2s, in " + file + ")"),
        loadProblems(props("herdguard.config", file.toString()), Map.of("HERDGUARD_BACKOFF_MAX", "1s")));
  }

  /** The configuration reference, docs/configuration.md, which the README links. */
  static Path configurationDoc() {
    Path doc = Path.of("..", "docs", "configuration.md");
    return java.nio.file.Files.exists(doc) ? doc : Path.of("docs", "configuration.md");
  }

  /** The key table (docs/configuration.md) is the contract: every key is a row, and its row states the limits. */
  @Test
  void theKeyTableStatesEveryLimit() throws IOException {
    Path readme = configurationDoc();
    Map<String, String> rows = new LinkedHashMap<>();
    for (String line : java.nio.file.Files.readAllLines(readme)) {
      if (line.startsWith("| `herdguard.")) {
        rows.put(line.substring(3, line.indexOf('`', 3)), line);
      }
    }
    for (String name : HerdGuardConfig.settingNames()) {
      assertTrue(rows.containsKey("herdguard." + name), "no row in " + readme + " for herdguard." + name);
    }
    Map<String, List<String>> limits = new LinkedHashMap<>();
    for (String d : List.of("startup.max-delay", "backoff.base", "backoff.max", "retry.max-duration",
        "retry.retry-after.max", "breaker.open-wait", "token.min-remaining", "token.default-lifetime",
        "token.expiry-warning", "check.interval")) {
      limits.put(d, List.of("`<= 365d`"));
    }
    limits.put("retry.budget.ratio", List.of("`[0, 1000]`", "`>= 0.000001`"));
    limits.put("retry.budget.min-per-second", List.of("`<= 1000000`"));
    limits.put("breaker.failure-rate-threshold", List.of("`(0, 100]`", "`>= 0.000001`"));
    limits.put("breaker.window", List.of("`<= 100000`"));
    limits.put("breaker.half-open-calls", List.of("`<= 100000`"));
    limits.put("breaker.open-wait", List.of("`>= 1ms`", "`<= 365d`"));
    limits.put("check.interval", List.of("`>= 1s`", "`<= 365d`"));
    limits.put("token.refresh-from", List.of("`< token.refresh-until`"));
    limits.put("application", List.of("1 to 64 of `A-Z a-z 0-9 . _ -`"));
    limits.forEach((name, fragments) -> {
      String row = rows.get("herdguard." + name);
      for (String f : fragments) {
        assertTrue(row.contains(f), readme + " row of herdguard." + name + " lacks " + f + ": " + row);
      }
    });
  }

  /** The exception the configuration reference shows is the one load() throws for that setup. */
  @Test
  void theValidationExampleIsWhatLoadReports(@TempDir Path dir) throws IOException {
    Path readme = configurationDoc();
    String text = java.nio.file.Files.readString(readme);
    int start = text.indexOf("dev.herdguard.HerdGuardConfigException: invalid herdguard configuration");
    String shown = text.substring(start, text.indexOf("```", start)).strip();
    Path file = dir.resolve("herdguard.properties");
    java.nio.file.Files.write(file, List.of("herdguard.backoff.max=50ms", "herdguard.backof.base=1s"));
    var e = assertThrows(HerdGuardConfigException.class, () -> HerdGuardConfig.load(null,
        props("herdguard.config", file.toString(), "herdguard.backoff.base", "100ms"),
        Map.of("HERDGUARD_RETRY_MAX_ATTEMPTS", "abc")));
    assertEquals(shown.replace("/etc/app/herdguard.properties", file.toString()), e.toString());
  }

  // ---- every boundary value build() accepts works ----

  /** For each key, the least and the greatest value accepted, with what the rule between keys needs. */
  static Stream<Arguments> boundaries() {
    List<Arguments> all = new ArrayList<>();
    // With state-dir set, which wins: a boundary test must not write under the real home folder.
    add(all, "application", "a", "state-dir", "@tmp");
    add(all, "application", "A".repeat(64), "state-dir", "@tmp");
    add(all, "startup.max-delay", "0");
    add(all, "startup.max-delay", "365d");
    add(all, "startup.mode", "random");
    add(all, "startup.mode", "stable", "state-dir", "@tmp");
    for (Backoff.Strategy s : Backoff.Strategy.values()) {
      add(all, "backoff.strategy", s.key());
    }
    add(all, "backoff.base", "PT0.000000001S");
    add(all, "backoff.base", "365d", "backoff.max", "365d");
    add(all, "backoff.max", "PT0.5S");
    add(all, "backoff.max", "365d");
    add(all, "retry.max-attempts", "1");
    add(all, "retry.max-attempts", "2147483647");
    add(all, "retry.max-duration", "PT0.000000001S");
    add(all, "retry.max-duration", "365d");
    add(all, "retry.retry-after.max", "PT0.000000001S");
    add(all, "retry.retry-after.max", "365d");
    add(all, "retry.retry-after.spread", "0");
    add(all, "retry.retry-after.spread", "1");
    add(all, "retry.budget.ratio", "0");
    add(all, "retry.budget.ratio", "0.000001");
    add(all, "retry.budget.ratio", "1000");
    add(all, "retry.budget.min-per-second", "0");
    add(all, "retry.budget.min-per-second", "4.9e-324");
    add(all, "retry.budget.min-per-second", "1000000");
    add(all, "breaker.failure-rate-threshold", "0.000001");
    add(all, "breaker.failure-rate-threshold", "100");
    add(all, "breaker.minimum-calls", "1");
    add(all, "breaker.minimum-calls", "100000", "breaker.window", "100000");
    add(all, "breaker.window", "1", "breaker.minimum-calls", "1");
    add(all, "breaker.window", "100000");
    add(all, "breaker.open-wait", "1ms");
    add(all, "breaker.open-wait", "365d");
    add(all, "breaker.open-wait-spread", "0");
    add(all, "breaker.open-wait-spread", "0.9999999999999999");
    add(all, "breaker.half-open-calls", "1");
    add(all, "breaker.half-open-calls", "100000");
    add(all, "token.refresh-from", "0.000000001");
    add(all, "token.refresh-from", "0.9999999999999998", "token.refresh-until", "0.9999999999999999");
    add(all, "token.refresh-until", "0.7500000000000001");
    add(all, "token.refresh-until", "0.9999999999999999");
    add(all, "token.min-remaining", "0");
    add(all, "token.min-remaining", "PT8759H59M59.999999999S", "token.default-lifetime", "365d");
    add(all, "token.default-lifetime", "PT0.000000001S", "token.min-remaining", "0");
    add(all, "token.default-lifetime", "365d");
    add(all, "token.expiry-warning", "0");
    add(all, "token.expiry-warning", "365d");
    add(all, "token.file", "@tmp/token");
    add(all, "state-dir", "@tmp");
    add(all, "check.interval", "1s");
    add(all, "check.interval", "365d");
    add(all, "check.spread", "0");
    add(all, "check.spread", "0.9999999999999999");
    add(all, "host.enabled", "false");
    add(all, "host.enabled", "true");
    add(all, "host.min-failures", "1", "host.min-streak", "0");
    add(all, "host.min-failures", "1000");
    add(all, "host.min-streak", "1d");
    add(all, "host.base", "PT0.000000001S");
    add(all, "host.base", "1d", "host.max-wait", "1d");
    add(all, "host.multiplier", "1");
    add(all, "host.multiplier", "10");
    add(all, "host.max-wait", "1s", "host.base", "1s", "host.down-max-wait", "1s");
    add(all, "host.max-wait", "1d");
    add(all, "host.down-max-wait", "PT0.000000001S");
    add(all, "host.down-max-wait", "5m");
    add(all, "host.spread", "0");
    add(all, "host.spread", "0.9999999999999999");
    add(all, "host.timeout-multiplier", "1");
    add(all, "host.timeout-multiplier", "10");
    add(all, "host.max-timeout", "PT0.000000001S");
    add(all, "host.max-timeout", "1d");
    add(all, "host.user-interval", "0");
    add(all, "host.user-interval", "1d");
    return all.stream();
  }

  private static void add(List<Arguments> all, String... keysAndValues) {
    all.add(Arguments.of(keysAndValues[0] + "=" + keysAndValues[1], List.of(keysAndValues)));
  }

  @Test
  void everyKeyHasItsBoundariesChecked() {
    var covered = new TreeSet<String>();
    boundaries().forEach(a -> covered.add(((String) a.get()[0]).split("=")[0]));
    assertEquals(new TreeSet<>(HerdGuardConfig.settingNames()), covered);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("boundaries")
  void everyAcceptedBoundaryValueWorksEverywhere(String label, List<String> keysAndValues, @TempDir Path tmp)
      throws Exception {
    Properties p = new Properties();
    Map<String, String> override = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.size(); i += 2) {
      String value = keysAndValues.get(i + 1).replace("@tmp", tmp.toString());
      p.setProperty("herdguard." + keysAndValues.get(i), value);
      if (!keysAndValues.get(i).startsWith("startup.") && !keysAndValues.get(i).startsWith("host.")
          && !keysAndValues.get(i).equals("state-dir") && !keysAndValues.get(i).equals("application")) {
        override.put(keysAndValues.get(i), value);
      }
    }
    exercise(HerdGuardConfig.fromProperties(p), "op");
    // The same values as an operation's overrides, over the defaults.
    if (!override.isEmpty()) {
      exercise(HerdGuardConfig.builder().withOperation("op", override).build(), "op");
    }
  }

  /** Builds a guard from {@code config} and uses every part of it once; nothing may throw. */
  private static void exercise(HerdGuardConfig config, String name) throws Exception {
    FakeClock clock = new FakeClock();
    FakeScheduler scheduler = new FakeScheduler(clock);
    try (HerdGuard guard = HerdGuard.builder(config)
        .withClock(clock)
        .withRandom(new SplittableRandom(11))
        .withScheduler(scheduler)
        .withSleeper(nanos -> clock.advance(Duration.ofNanos(Math.min(nanos, Duration.ofDays(1).toNanos()))))
        .build()) {
      guard.startupDelay();
      guard.awaitStartup();
      HerdGuardConfig c = config.forOperation(name);

      // The delay functions, at their extremes.
      Backoff backoff = c.backoff();
      for (double u : new double[] {0, 0.5, Math.nextDown(1.0)}) {
        long previous = backoff.delayNanos(1, 0, u);
        for (int attempt : new int[] {2, 3, 64, 1000, Integer.MAX_VALUE}) {
          previous = backoff.delayNanos(attempt, previous, u);
          assertTrue(previous >= 0, "delay " + previous);
        }
        RetryAfter retryAfter = RetryAfter.of(c.retryAfterMax(), c.retryAfterSpread());
        retryAfter.decide(c.retryAfterMax(), u);
        retryAfter.decide(c.retryAfterMax().plusNanos(1), u);
        PeriodicCheck.period(c.checkInterval(), c.checkSpread(), u);
        HerdGuard.openWaitMillis(c.breakerOpenWait().toMillis(), c.breakerOpenWaitSpread(), u);
      }
      BackoffSequence sequence = backoff.sequence(new SplittableRandom(3));
      for (int i = 0; i < 100; i++) {
        assertTrue(sequence.nextDelayNanos() >= 0);
      }

      // Operations: successes, failures with retries, the breaker opened and refusing.
      for (GuardedOperation op : List.of(guard.operation(name), guard.operation(name, "host.example.com"))) {
        assertEquals("ok", op.call(() -> "ok"));
        CompletableFuture<String> async = op.callAsync(() -> CompletableFuture.completedFuture("ok"));
        assertEquals("ok", async.get(1, TimeUnit.SECONDS));
        int[] failures = {0};
        try {
          op.call(() -> {
            if (failures[0]++ < 3) {
              throw new ServerBusyException("busy", Duration.ofSeconds(1));
            }
            return "ok";
          });
        } catch (HerdGuardException expected) {
          // a limit (attempts, duration, budget, server hint) ended it: that is working
        }
        // The busy answers may have set the host's wait (their hint, or a streak): let it pass, so
        // that what follows meets the breaker alone.
        clock.advance(op.host().remainingWait());
        op.circuitBreaker().transitionToOpenState();
        assertEquals(HerdGuardException.Reason.BREAKER_OPEN,
            assertThrows(HerdGuardException.class, () -> op.call(() -> "ok")).reason());
        clock.advance(Duration.ofDays(1));
        try {
          op.call(() -> "ok");
        } catch (HerdGuardException stillOpen) {
          // a 365-day wait is still running: that is working
        }
      }

      // A token cache: a token with an expiry and one without.
      for (boolean withExpiry : new boolean[] {true, false}) {
        try (TokenCache cache = guard.tokenCache(previous -> withExpiry
            ? Token.of("t", clock.instant().plus(Duration.ofHours(2)))
            : Token.withoutExpiry("t"))) {
          CompletableFuture<Token> token = cache.getAsync();
          for (int i = 0; i < 100 && !token.isDone(); i++) {
            scheduler.advance(Duration.ofMillis(10));
          }
          try {
            token.join();
          } catch (java.util.concurrent.CompletionException e) {
            // A token that expires in 2 h is refused when min-remaining is longer: a login failure, not a crash.
            assertTrue(e.getCause() instanceof LoginFailedException, e.toString());
          }
          scheduler.advance(Duration.ofHours(3));
        }
      }

      // A periodic check, run once.
      try (PeriodicCheck check = guard.periodicCheck("updates", () -> "ok").start()) {
        check.runNow();
        scheduler.advance(Duration.ofSeconds(1));
        check.nextRun();
      }
    }
  }

  // ---- helpers ----

  private static List<String> problems(HerdGuardConfig.Builder b) {
    return assertThrows(HerdGuardConfigException.class, b::build).problems();
  }

  private static List<String> problems(String... keysAndValues) {
    return assertThrows(HerdGuardConfigException.class, () -> HerdGuardConfig.fromProperties(props(keysAndValues)))
        .problems();
  }

  private static List<String> loadProblems(Properties system, Map<String, String> env) {
    return assertThrows(HerdGuardConfigException.class, () -> HerdGuardConfig.load(null, system, env)).problems();
  }

  private static Properties props(String... keysAndValues) {
    Properties p = new Properties();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      p.setProperty(keysAndValues[i], keysAndValues[i + 1]);
    }
    return p;
  }
}

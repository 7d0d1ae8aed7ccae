package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import dev.herdguard.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every rule of {@link HerdGuardConfig}, broken once, with its exact message. */
class HerdGuardConfigValidationTest {

  private static List<String> problems(HerdGuardConfig.Builder b) {
    return assertThrows(HerdGuardConfigException.class, b::build).problems();
  }

  /** The problems of the properties given as alternating keys and values. */
  private static List<String> problems(String... keysAndValues) {
    Properties p = new Properties();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      p.setProperty(keysAndValues[i], keysAndValues[i + 1]);
    }
    return assertThrows(HerdGuardConfigException.class, () -> HerdGuardConfig.fromProperties(p)).problems();
  }

  private static List<String> loadProblems(Properties system, Map<String, String> env) {
    return assertThrows(HerdGuardConfigException.class, () -> HerdGuardConfig.load(null, system, env)).problems();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "herdguard.startup.max-delay | -1s | herdguard.startup.max-delay (-1s) must be >= 0",
    "herdguard.startup.mode | sometimes | herdguard.startup.mode (sometimes) must be one of random, stable",
    "herdguard.startup.mode | stable | herdguard.startup.mode (stable) requires herdguard.state-dir (or herdguard.application), where the installation id is kept",
    "herdguard.backoff.strategy | linear | herdguard.backoff.strategy (linear) must be one of decorrelated-jitter, full-jitter, exponential",
    "herdguard.backoff.base | 0 | herdguard.backoff.base (0) must be > 0",
    "herdguard.backoff.base | PT-1S | herdguard.backoff.base (PT-1S) must be > 0",
    "herdguard.backoff.max | -5s | herdguard.backoff.max (-5s) must be > 0",
    "herdguard.retry.max-attempts | 0 | herdguard.retry.max-attempts (0) must be >= 1",
    "herdguard.retry.max-duration | 0 | herdguard.retry.max-duration (0) must be > 0",
    "herdguard.retry.retry-after.max | 0s | herdguard.retry.retry-after.max (0s) must be > 0",
    "herdguard.retry.retry-after.spread | 1.5 | herdguard.retry.retry-after.spread (1.5) must be in [0, 1]",
    "herdguard.retry.retry-after.spread | -0.1 | herdguard.retry.retry-after.spread (-0.1) must be in [0, 1]",
    "herdguard.retry.budget.ratio | -0.1 | herdguard.retry.budget.ratio (-0.1) must be in [0, 1000]",
    "herdguard.retry.budget.ratio | 1001 | herdguard.retry.budget.ratio (1001) must be in [0, 1000]",
    "herdguard.retry.budget.min-per-second | -1 | herdguard.retry.budget.min-per-second (-1) must be a finite number >= 0",
    "herdguard.breaker.failure-rate-threshold | 0 | herdguard.breaker.failure-rate-threshold (0) must be in (0, 100]",
    "herdguard.breaker.failure-rate-threshold | 100.5 | herdguard.breaker.failure-rate-threshold (100.5) must be in (0, 100]",
    "herdguard.breaker.minimum-calls | 0 | herdguard.breaker.minimum-calls (0) must be >= 1",
    "herdguard.breaker.minimum-calls | 60 | herdguard.breaker.minimum-calls (60) must be <= herdguard.breaker.window (50)",
    "herdguard.breaker.window | 10 | herdguard.breaker.minimum-calls (20) must be <= herdguard.breaker.window (10)",
    "herdguard.breaker.open-wait | 0 | herdguard.breaker.open-wait (0) must be > 0",
    "herdguard.breaker.open-wait-spread | 1 | herdguard.breaker.open-wait-spread (1) must be in [0, 1)",
    "herdguard.breaker.half-open-calls | 0 | herdguard.breaker.half-open-calls (0) must be >= 1",
    "herdguard.token.refresh-from | 0 | herdguard.token.refresh-from (0) must be in (0, 1)",
    "herdguard.token.refresh-from | 0.95 | herdguard.token.refresh-from (0.95) must be < herdguard.token.refresh-until (0.9)",
    "herdguard.token.refresh-from | 0.9 | herdguard.token.refresh-from (0.9) must be < herdguard.token.refresh-until (0.9)",
    "herdguard.token.refresh-until | 1 | herdguard.token.refresh-until (1) must be in (0, 1)",
    "herdguard.token.refresh-until | 0.5 | herdguard.token.refresh-from (0.75) must be < herdguard.token.refresh-until (0.5)",
    "herdguard.token.min-remaining | -1s | herdguard.token.min-remaining (-1s) must be >= 0",
    "herdguard.token.min-remaining | 1h | herdguard.token.min-remaining (1h) must be < herdguard.token.default-lifetime (1h)",
    "herdguard.token.default-lifetime | 0 | herdguard.token.default-lifetime (0) must be > 0",
    "herdguard.token.expiry-warning | -1m | herdguard.token.expiry-warning (-1m) must be >= 0",
    "herdguard.check.interval | 0 | herdguard.check.interval (0) must be > 0",
    "herdguard.check.spread | 1 | herdguard.check.spread (1) must be in [0, 1)",
  })
  void eachRuleBrokenAlone(String key, String value, String message) {
    assertEquals(List.of(message), problems(key, value));
  }

  @Test
  void backoffMaxMustNotBeBelowBase() {
    assertEquals(List.of("herdguard.backoff.max (50ms) must be >= herdguard.backoff.base (100ms)"),
        problems("herdguard.backoff.base", "100ms", "herdguard.backoff.max", "50ms"));
  }

  @Test
  void minRemainingMustBeBelowTheDefaultLifetime() {
    assertEquals(
        List.of("herdguard.token.min-remaining (2h) must be < herdguard.token.default-lifetime (90m)"),
        problems("herdguard.token.min-remaining", "2h", "herdguard.token.default-lifetime", "90m"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "herdguard.backoff.base | abc | herdguard.backoff.base (abc) must be a duration such as 250ms, 30s, 5m, 1h, 2d or PT30S",
    "herdguard.backoff.base | '' | herdguard.backoff.base () must be a duration such as 250ms, 30s, 5m, 1h, 2d or PT30S",
    "herdguard.backoff.base | 30 | herdguard.backoff.base (30) must have a unit: ms, s, m, h or d, such as 30s",
    "herdguard.backoff.base | 1.5s | herdguard.backoff.base (1.5s) must be a whole number of ms, s, m, h or d (no fractions): write 1500ms",
    "herdguard.check.interval | 9999999999999999d | herdguard.check.interval (9999999999999999d) is too large for a duration",
    "herdguard.retry.max-attempts | six | herdguard.retry.max-attempts (six) must be a whole number",
    "herdguard.retry.max-attempts | 2.5 | herdguard.retry.max-attempts (2.5) must be a whole number",
    "herdguard.retry.max-attempts | 99999999999 | herdguard.retry.max-attempts (99999999999) is too large for a whole number",
    "herdguard.retry.budget.ratio | half | herdguard.retry.budget.ratio (half) must be a number such as 0.5",
    "herdguard.retry.budget.ratio | NaN | herdguard.retry.budget.ratio (NaN) must be a number such as 0.5",
    "herdguard.retry.budget.ratio | 1d | herdguard.retry.budget.ratio (1d) must be a number such as 0.5",
    "herdguard.retry.budget.ratio | 1e999 | herdguard.retry.budget.ratio (1e999) is too large for a number",
    "herdguard.backoff.strategy | Full-Jitter | herdguard.backoff.strategy (Full-Jitter) must be one of decorrelated-jitter, full-jitter, exponential",
  })
  void aValueThatCannotBeReadIsAProblem(String key, String value, String message) {
    assertEquals(List.of(message), problems(key, value));
  }

  @Test
  void anInvalidPathIsAProblem() {
    assertEquals(List.of("herdguard.state-dir (a\0b) must be a valid path: Nul character not allowed"),
        problems("herdguard.state-dir", "a\0b"));
  }

  @Test
  void valuesFromTheBuilderAreShownInTheShortForm() {
    assertEquals(List.of("herdguard.backoff.max (50ms, set in code) must be >= herdguard.backoff.base (100ms, set in code)"),
        problems(HerdGuardConfig.builder().withBackoffBase(Duration.ofMillis(100)).withBackoffMax(Duration.ofMillis(50))));
    assertEquals(List.of("herdguard.retry.budget.ratio (NaN, set in code) must be in [0, 1000]"),
        problems(HerdGuardConfig.builder().withRetryBudgetRatio(Double.NaN)));
    assertEquals(List.of("herdguard.retry.budget.min-per-second (Infinity, set in code) must be a finite number >= 0"),
        problems(HerdGuardConfig.builder().withRetryBudgetMinPerSecond(Double.POSITIVE_INFINITY)));
    assertEquals(List.of("herdguard.startup.mode (stable, set in code) requires herdguard.state-dir (or herdguard.application), where the installation id is kept"),
        problems(HerdGuardConfig.builder().withStartupMode(StartupJitter.Mode.STABLE)));
    assertEquals(List.of("herdguard.startup.max-delay (-PT0.000001S, set in code) must be >= 0"),
        problems(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ofNanos(-1000))));
  }

  @Test
  void nothingIsClamped() {
    // The most tempting clamp of all: Resilience4j quietly uses min(minimum-calls, window).
    var b = HerdGuardConfig.builder().withBreakerMinimumCalls(100).withBreakerWindow(50);
    assertEquals(List.of("herdguard.breaker.minimum-calls (100, set in code) must be <= "
        + "herdguard.breaker.window (50, set in code)"), problems(b));
  }

  @Test
  void everyProblemIsListedInOneException() {
    var e = assertThrows(HerdGuardConfigException.class, () -> HerdGuardConfig.fromProperties(props(
        "herdguard.backof.base", "1s",
        "herdguard.backoff.base", "100ms",
        "herdguard.backoff.max", "50ms",
        "herdguard.retry.max-attempts", "abc",
        "herdguard.breaker.failure-rate-threshold", "0",
        "herdguard.check.spread", "1.2",
        "herdguard.operations.login.retry.max-attempts", "0")));
    List<String> expected = List.of(
        "herdguard.backoff.max (50ms) must be >= herdguard.backoff.base (100ms)",
        "herdguard.retry.max-attempts (abc) must be a whole number",
        "herdguard.breaker.failure-rate-threshold (0) must be in (0, 100]",
        "herdguard.check.spread (1.2) must be in [0, 1)",
        "unknown key herdguard.backof.base (did you mean herdguard.backoff.base?)",
        "herdguard.operations.login.retry.max-attempts (0) must be >= 1");
    assertEquals(expected, e.problems());
    assertEquals("invalid herdguard configuration (6 problems):\n  - " + String.join("\n  - ", expected),
        e.getMessage());
  }

  @Test
  void oneProblemReadsAsOne() {
    var e = assertThrows(HerdGuardConfigException.class,
        () -> HerdGuardConfig.builder().withRetryMaxAttempts(0).build());
    assertEquals("invalid herdguard configuration (1 problem):\n  - herdguard.retry.max-attempts (0, set in code) must be >= 1",
        e.getMessage());
    assertThrows(UnsupportedOperationException.class, () -> e.problems().add("x"));
  }

  @Test
  void anUnreadableKeyIsLeftOutOfTheRulesThatCompareIt() {
    // backoff.base keeps its default (500ms) internally; comparing max with it would mislead.
    assertEquals(List.of("herdguard.backoff.base (abc) must be a duration such as 250ms, 30s, 5m, 1h, 2d or PT30S"),
        problems("herdguard.backoff.base", "abc", "herdguard.backoff.max", "100ms"));
    assertEquals(List.of("herdguard.breaker.window (0) must be >= 1"),
        problems("herdguard.breaker.window", "0"));
  }

  // ---- unknown keys ----

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "herdguard.backof.base | unknown key herdguard.backof.base (did you mean herdguard.backoff.base?)",
    "herdguard.retry.max-atempts | unknown key herdguard.retry.max-atempts (did you mean herdguard.retry.max-attempts?)",
    "herdguard.retry.max_attempts | unknown key herdguard.retry.max_attempts (did you mean herdguard.retry.max-attempts?)",
    "herdguard.breaker.windwo | unknown key herdguard.breaker.windwo (did you mean herdguard.breaker.window?)",
    "herdguard.Check.Interval | unknown key herdguard.Check.Interval (did you mean herdguard.check.interval?)",
    "herdguard.max-attempts | unknown key herdguard.max-attempts (did you mean herdguard.retry.max-attempts?)",
    "herdguard.retry-after.max | unknown key herdguard.retry-after.max (did you mean herdguard.retry.retry-after.max?)",
    "herdguard.operation.login.retry.max-attempts | unknown key herdguard.operation.login.retry.max-attempts (did you mean herdguard.operations.login.retry.max-attempts?)",
    "herdguard.colour | unknown key herdguard.colour",
    "herdguard.max | unknown key herdguard.max",
    "herdguard.operations.login | unknown key herdguard.operations.login",
  })
  void anUnknownKeySuggestsTheNearestKnownOne(String key, String message) {
    assertEquals(List.of(message), problems(key, "1"));
  }

  @Test
  void theBuilderReportsKeysOutsideThePrefixAndTheConfigFileKey() {
    assertEquals(List.of("unknown key backoff.base (did you mean herdguard.backoff.base?)"),
        problems(HerdGuardConfig.builder().set("backoff.base", "1s")));
    assertEquals(List.of("unknown key herdgaurd.backoff.base (did you mean herdguard.backoff.base?)"),
        problems(HerdGuardConfig.builder().set("herdgaurd.backoff.base", "1s")));
    assertEquals(List.of("herdguard.config (x.properties) names a file for HerdGuardConfig.load() "
            + "and can only be a system property"),
        problems(HerdGuardConfig.builder().set("herdguard.config", "x.properties")));
  }

  // ---- per-operation overrides ----

  @Test
  void aBadOverrideIsNamedByItsFullKey() {
    assertEquals(List.of("herdguard.operations.login.retry.max-attempts (0) must be >= 1"),
        problems("herdguard.operations.login.retry.max-attempts", "0"));
    assertEquals(List.of("herdguard.operations.login.retry.max-attempts (ten) must be a whole number"),
        problems("herdguard.operations.login.retry.max-attempts", "ten"));
    assertEquals(List.of("herdguard.operations.login.retry.max-attempts (0, set in code) must be >= 1"),
        problems(HerdGuardConfig.builder().withOperation("login", Map.of("retry.max-attempts", "0"))));
  }

  @Test
  void anOverrideIsComparedWithTheBaseKeyItMeets() {
    assertEquals(List.of("herdguard.operations.login.backoff.max (50ms) must be >= herdguard.backoff.base (100ms)"),
        problems("herdguard.backoff.base", "100ms", "herdguard.operations.login.backoff.max", "50ms"));
    assertEquals(List.of(
            "herdguard.operations.login.backoff.max (50ms) must be >= herdguard.operations.login.backoff.base (100ms)"),
        problems("herdguard.operations.login.backoff.base", "100ms", "herdguard.operations.login.backoff.max", "50ms"));
  }

  @Test
  void aBaseProblemIsNotRepeatedForEveryOperation() {
    assertEquals(List.of("herdguard.retry.max-attempts (0) must be >= 1"),
        problems("herdguard.retry.max-attempts", "0",
            "herdguard.operations.login.backoff.base", "1s",
            "herdguard.operations.upload.backoff.base", "2s"));
  }

  @Test
  void installationWideKeysCannotBeOverridden() {
    assertEquals(List.of(
            "herdguard.operations.login.state-dir (/tmp/x) cannot be set per operation: herdguard.state-dir is installation-wide",
            "herdguard.operations.login.startup.max-delay (0) cannot be set per operation: "
                + "herdguard.startup.max-delay is installation-wide",
            "herdguard.operations.login.startup.mode (stable) cannot be set per operation: "
                + "herdguard.startup.mode is installation-wide"),
        problems(HerdGuardConfig.builder()
            .set("herdguard.operations.login.state-dir", "/tmp/x")
            .set("herdguard.operations.login.startup.max-delay", "0")
            .set("herdguard.operations.login.startup.mode", "stable")));
  }

  @Test
  void anUnknownOverrideKeySuggestsAnOverridableOne() {
    assertEquals(List.of("unknown key herdguard.operations.login.retry.max-atempts "
            + "(did you mean herdguard.operations.login.retry.max-attempts?)"),
        problems("herdguard.operations.login.retry.max-atempts", "3"));
    assertEquals(List.of("unknown key herdguard.operations.login.colour"),
        problems("herdguard.operations.login.colour", "3"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "Login", "user login", "-login", "_x", "log!n",
  })
  void anOperationNameMustMatchThePattern(String name) {
    assertEquals(List.of("operation name (" + name + ") in herdguard.operations." + name
            + ".retry.max-attempts must match [a-z0-9][a-z0-9_-]*"),
        problems("herdguard.operations." + name + ".retry.max-attempts", "3"));
  }

  @Test
  void anEmptyOperationNameIsReported() {
    assertEquals(List.of("operation name () in herdguard.operations..retry.max-attempts must match [a-z0-9][a-z0-9_-]*"),
        problems("herdguard.operations..retry.max-attempts", "3"));
  }

  // ---- sources ----

  @Test
  void aMissingConfigFileIsAnErrorThatNamesIt(@TempDir Path dir) {
    Path missing = dir.resolve("nope.properties");
    assertEquals(List.of("herdguard.config (" + missing + ") names a file that does not exist"),
        loadProblems(props("herdguard.config", missing.toString()), Map.of()));
    assertEquals(List.of("HERDGUARD_CONFIG (" + missing + ") names a file that does not exist"),
        loadProblems(new Properties(), Map.of("HERDGUARD_CONFIG", missing.toString())));
    assertEquals(List.of("herdguard.config (" + dir + ") names a folder, not a file"),
        loadProblems(props("herdguard.config", dir.toString()), Map.of()));
  }

  @Test
  void aMissingFileIsListedWithTheOtherProblems(@TempDir Path dir) {
    Path missing = dir.resolve("nope.properties");
    assertEquals(List.of(
            "herdguard.config (" + missing + ") names a file that does not exist",
            "herdguard.retry.max-attempts (0, from a -D system property) must be >= 1"),
        loadProblems(props("herdguard.config", missing.toString(), "herdguard.retry.max-attempts", "0"), Map.of()));
  }

  @Test
  void aRelativeMissingFileAlsoShowsWhereItWasLookedFor() {
    String expected = "herdguard.config (no/such/herdguard.properties) names a file that does not exist ("
        + Path.of("no/such/herdguard.properties").toAbsolutePath() + ")";
    assertEquals(List.of(expected),
        loadProblems(props("herdguard.config", "no/such/herdguard.properties"), Map.of()));
  }

  @Test
  void filesOnlyHoldHerdguardKeysEachOnce(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("h.properties");
    Files.write(file, List.of(
        "backoff.base=1s",
        "colour=blue",
        "herdguard.retry.max-attempts=6",
        "herdguard.retry.max-attempts=7"), StandardCharsets.UTF_8);
    assertEquals(List.of(
            "herdguard.retry.max-attempts is set more than once in " + file + " (6, then 7)",
            "unknown key backoff.base in " + file + " (did you mean herdguard.backoff.base?)",
            "unknown key colour in " + file),
        loadProblems(props("herdguard.config", file.toString()), Map.of()));
  }

  @Test
  void theClasspathFileIsCheckedToo(@TempDir Path dir) throws IOException {
    Files.write(dir.resolve("herdguard.properties"), List.of("herdguard.backoff.bsae=1s"), StandardCharsets.UTF_8);
    try (var loader = HerdGuardConfigTest.classLoader(dir)) {
      var e = assertThrows(HerdGuardConfigException.class,
          () -> HerdGuardConfig.load(loader, new Properties(), Map.of()));
      assertEquals(List.of("unknown key herdguard.backoff.bsae in classpath resource "
          + dir.resolve("herdguard.properties").toUri().toURL() + " (did you mean herdguard.backoff.base?)"), e.problems());
    }
  }

  @Test
  void aMalformedFileIsReported(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("h.properties");
    Files.write(file, List.of("herdguard.retry.max-attempts=\\u00zz"), StandardCharsets.UTF_8);
    assertEquals(List.of("herdguard.config (" + file + ") cannot be read: Malformed \\uxxxx encoding."),
        loadProblems(props("herdguard.config", file.toString()), Map.of()));
  }

  @Test
  void aProblemFromTheEnvironmentNamesTheVariable() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("HERDGUARD_BACKOFF_MAX", "50ms");
    env.put("HERDGUARD_RETRY_MAX_ATTEMPTS", "zero");
    env.put("HERDGUARD_OPERATIONS_LOGIN_BREAKER_WINDOW", "0");
    assertEquals(List.of(
            "HERDGUARD_BACKOFF_MAX (50ms) must be >= herdguard.backoff.base (100ms, from a -D system property)",
            "HERDGUARD_RETRY_MAX_ATTEMPTS (zero) must be a whole number",
            "HERDGUARD_OPERATIONS_LOGIN_BREAKER_WINDOW (0) must be >= 1"),
        loadProblems(props("herdguard.backoff.base", "100ms"), env));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "HERDGUARD_RETRY_MAX_ATEMPTS | unknown environment variable HERDGUARD_RETRY_MAX_ATEMPTS (did you mean HERDGUARD_RETRY_MAX_ATTEMPTS?)",
    "HERDGUARD_retry_max_attempts | unknown environment variable HERDGUARD_retry_max_attempts (did you mean HERDGUARD_RETRY_MAX_ATTEMPTS?)",
    "HERDGUARD_MAX_ATTEMPTS | unknown environment variable HERDGUARD_MAX_ATTEMPTS (did you mean HERDGUARD_RETRY_MAX_ATTEMPTS?)",
    "HERDGUARD_OPERATIONS_LOGIN_RETRY_MAX_ATEMPTS | unknown environment variable HERDGUARD_OPERATIONS_LOGIN_RETRY_MAX_ATEMPTS (did you mean HERDGUARD_OPERATIONS_LOGIN_RETRY_MAX_ATTEMPTS?)",
    "HERDGUARD_OPERATIONS_RETRY_MAX_ATTEMPTS | unknown environment variable HERDGUARD_OPERATIONS_RETRY_MAX_ATTEMPTS",
    "HERDGUARD_COLOUR | unknown environment variable HERDGUARD_COLOUR",
  })
  void unknownEnvironmentVariableIsAWarningNotAnError(String variable, String message) {
    try (LogCapture logs = new LogCapture()) {
      HerdGuardConfig c = HerdGuardConfig.load(null, new Properties(), Map.of(variable, "3"));
      assertEquals(HerdGuardConfig.defaults(), c, "the variable is ignored");
      List<String> warnings = logs.lines("ignoring " + message);
      assertEquals(1, warnings.size(), logs.text());
      assertTrue(warnings.get(0).contains("WARN"), warnings.get(0));
      assertTrue(warnings.get(0).endsWith(
          "ignoring " + message + ": herdguard reads only the HERDGUARD_ variables that name one of its keys"),
          warnings.get(0));
    }
  }

  @Test
  void aStrayEnvironmentVariableBesideABadValueLeavesOnlyTheBadValue() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("HERDGUARD_HOME", "/opt/other-tool");
    env.put("HERDGUARD_RETRY_MAX_ATTEMPTS", "0");
    assertEquals(List.of("HERDGUARD_RETRY_MAX_ATTEMPTS (0) must be >= 1"), loadProblems(new Properties(), env));
  }

  @Test
  void unknownKeysInFilesAndSystemPropertiesStayErrors(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("h.properties");
    Files.write(file, List.of("herdguard.home=/x"), StandardCharsets.UTF_8);
    assertEquals(List.of("unknown key herdguard.home in " + file),
        loadProblems(props("herdguard.config", file.toString()), Map.of()));
    assertEquals(List.of("unknown key herdguard.retry.max-atempts from a -D system property "
            + "(did you mean herdguard.retry.max-attempts?)"),
        loadProblems(props("herdguard.retry.max-atempts", "3"), Map.of()));
  }

  @Test
  void anInstallationWideKeyFromTheEnvironmentCannotBeOverridden() {
    assertEquals(List.of("HERDGUARD_OPERATIONS_LOGIN_STATE_DIR (/x) cannot be set per operation: "
            + "herdguard.state-dir is installation-wide"),
        loadProblems(new Properties(), Map.of("HERDGUARD_OPERATIONS_LOGIN_STATE_DIR", "/x")));
  }

  @Test
  void anAmbiguousOperationVariableIsAProblem() {
    Properties system = props(
        "herdguard.operations.user-login.retry.max-attempts", "3",
        "herdguard.operations.user_login.retry.max-attempts", "4");
    assertEquals(List.of("HERDGUARD_OPERATIONS_USER_LOGIN_BACKOFF_BASE is ambiguous: it could be operation "
            + "user-login or user_login; set herdguard.operations.<name>.backoff.base as a system property instead"),
        loadProblems(system, Map.of("HERDGUARD_OPERATIONS_USER_LOGIN_BACKOFF_BASE", "1s")));
  }

  private static Properties props(String... keysAndValues) {
    Properties p = new Properties();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      p.setProperty(keysAndValues[i], keysAndValues[i + 1]);
    }
    return p;
  }
}

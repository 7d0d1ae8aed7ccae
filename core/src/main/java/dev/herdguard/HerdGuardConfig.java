package dev.herdguard;

import dev.herdguard.internal.Durations;
import dev.herdguard.internal.Spelling;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * All of herdguard's settings: immutable, thread-safe, and valid by construction.
 *
 * <p>A config comes from a {@link #builder() builder}, from {@link #fromProperties properties}, or
 * from {@link #load()}, which reads, later winning: the defaults, {@code herdguard.properties} on
 * the classpath, the file named by the system property {@code herdguard.config}, system properties,
 * and environment variables ({@code HERDGUARD_RETRY_MAX_ATTEMPTS} for
 * {@code herdguard.retry.max-attempts}). Each key is listed with its default and rule on its
 * accessor; docs/configuration.md has them in one table, the contract.
 *
 * <p>The one idea to keep when changing this class: every key is one row of a table that names
 * its builder setter, its parser and its formatter; a property value is parsed and handed to that
 * setter, and {@link Builder#build()} alone checks the rules. There is
 * no second copy of the fields to drift, and no second place where a rule could be forgotten. A
 * value that cannot even be read ({@code abc} for a duration) is collected like a broken rule, so
 * one {@link HerdGuardConfigException} lists every problem; nothing is clamped in silence.
 *
 * <p><b>Durations</b> read {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 2d}, or
 * ISO-8601 ({@code PT30S}); {@code 0} alone needs no unit. Every duration key is at most
 * {@code 365d}, so no accepted value overflows where it is used. A bare number ({@code 30}) and a
 * fraction in the short form ({@code 1.5s}) are rejected, the latter with its whole-number
 * spelling in the message ({@code write 1500ms}).
 *
 * <p><b>Per-operation overrides</b>: {@code herdguard.operations.<name>.<key>}, such as
 * {@code herdguard.operations.login.retry.max-attempts=10}, apply to the operation
 * {@link #forOperation(String) forOperation(name)} and beat the base key whatever source each came
 * from. Names match {@code [a-z0-9][a-z0-9_-]*}. Every {@code retry.*}, {@code backoff.*},
 * {@code breaker.*}, {@code token.*} and {@code check.*} key may be overridden; {@code state-dir}
 * and {@code startup.*} may not, because there is one installation and one start, whatever the
 * operation. An operation's config is validated whole like the base.
 */
public final class HerdGuardConfig {

  static final String PREFIX = "herdguard.";
  static final String OPERATIONS_PREFIX = "herdguard.operations.";
  /** The system property that names a configuration file; read by {@link #load()} only. */
  static final String CONFIG_FILE_PROPERTY = "herdguard.config";
  static final Pattern OPERATION_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
  /** It names a folder on every platform: no separator, no space, no leading dot. */
  static final Pattern APPLICATION_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  static final String APPLICATION_RULE = "1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit";

  /**
   * The longest duration any key takes: RetryAfter's own limit, and far inside what a {@code long}
   * of nanoseconds ({@code toNanos()}, 292 years) and an {@code Instant} hold, so that no accepted
   * value can overflow where it is used.
   */
  static final Duration MAX_DURATION = Duration.ofDays(365);
  /**
   * The largest breaker window and half-open call count: Resilience4j allocates an array of that
   * many measurement objects per breaker, up front (2,147,483,647 is an {@code OutOfMemoryError}).
   */
  static final int MAX_BREAKER_CALLS = 100_000;
  /** The smallest positive budget ratio: budgets count in millionths of a retry. */
  static final double MIN_POSITIVE_RATIO = 0.000001;
  /** The smallest failure-rate threshold: Resilience4j keeps it as a float, where less may round to 0. */
  static final double MIN_FAILURE_RATE_THRESHOLD = 0.000001;

  /** Where a value set through a builder method came from, for messages. */
  static final String FROM_CODE = "set in code";

  private static final boolean PER_OPERATION = true;
  private static final boolean INSTALLATION_WIDE = false;

  // The key table. Order matters: it is the order of toProperties(), toString() and of problems.
  // SETTINGS must be declared before the rows, which add themselves to it.
  private static final List<Setting<?>> SETTINGS = new ArrayList<>();

  private static final Setting<Path> STATE_DIR =
      new Setting<>("state-dir", Kind.PATH, null, INSTALLATION_WIDE,
          Builder::withStateDir);
  // A name, not a folder: the folder follows the platform's conventions (defaultStateDir).
  private static final Setting<String> APPLICATION =
      new Setting<>("application", Kind.NAME, null, INSTALLATION_WIDE,
          Builder::withApplicationName);
  private static final Setting<Duration> STARTUP_MAX_DELAY =
      new Setting<>("startup.max-delay", Kind.DURATION, Duration.ofSeconds(60), INSTALLATION_WIDE,
          Builder::withStartupMaxDelay);
  private static final Setting<StartupJitter.Mode> STARTUP_MODE =
      new Setting<>("startup.mode", Kind.MODE, StartupJitter.Mode.RANDOM, INSTALLATION_WIDE,
          Builder::withStartupMode);
  private static final Setting<Backoff.Strategy> BACKOFF_STRATEGY =
      new Setting<>("backoff.strategy", Kind.STRATEGY, Backoff.Strategy.DECORRELATED_JITTER, PER_OPERATION,
          Builder::withBackoffStrategy);
  private static final Setting<Duration> BACKOFF_BASE =
      new Setting<>("backoff.base", Kind.DURATION, Duration.ofMillis(500), PER_OPERATION,
          Builder::withBackoffBase);
  private static final Setting<Duration> BACKOFF_MAX =
      new Setting<>("backoff.max", Kind.DURATION, Duration.ofSeconds(60), PER_OPERATION,
          Builder::withBackoffMax);
  private static final Setting<Integer> RETRY_MAX_ATTEMPTS =
      new Setting<>("retry.max-attempts", Kind.INT, 6, PER_OPERATION,
          Builder::withRetryMaxAttempts);
  private static final Setting<Duration> RETRY_MAX_DURATION =
      new Setting<>("retry.max-duration", Kind.DURATION, Duration.ofMinutes(5), PER_OPERATION,
          Builder::withRetryMaxDuration);
  private static final Setting<Duration> RETRY_AFTER_MAX =
      new Setting<>("retry.retry-after.max", Kind.DURATION, Duration.ofMinutes(10), PER_OPERATION,
          Builder::withRetryAfterMax);
  private static final Setting<Double> RETRY_AFTER_SPREAD =
      new Setting<>("retry.retry-after.spread", Kind.DOUBLE, 0.2, PER_OPERATION,
          Builder::withRetryAfterSpread);
  private static final Setting<Double> RETRY_BUDGET_RATIO =
      new Setting<>("retry.budget.ratio", Kind.DOUBLE, 0.1, PER_OPERATION,
          Builder::withRetryBudgetRatio);
  private static final Setting<Double> RETRY_BUDGET_MIN_PER_SECOND =
      new Setting<>("retry.budget.min-per-second", Kind.DOUBLE, 0.05, PER_OPERATION,
          Builder::withRetryBudgetMinPerSecond);
  private static final Setting<Double> BREAKER_FAILURE_RATE_THRESHOLD =
      new Setting<>("breaker.failure-rate-threshold", Kind.DOUBLE, 50.0, PER_OPERATION,
          Builder::withBreakerFailureRateThreshold);
  private static final Setting<Integer> BREAKER_MINIMUM_CALLS =
      new Setting<>("breaker.minimum-calls", Kind.INT, 20, PER_OPERATION,
          Builder::withBreakerMinimumCalls);
  private static final Setting<Integer> BREAKER_WINDOW =
      new Setting<>("breaker.window", Kind.INT, 50, PER_OPERATION,
          Builder::withBreakerWindow);
  private static final Setting<Duration> BREAKER_OPEN_WAIT =
      new Setting<>("breaker.open-wait", Kind.DURATION, Duration.ofSeconds(30), PER_OPERATION,
          Builder::withBreakerOpenWait);
  private static final Setting<Double> BREAKER_OPEN_WAIT_SPREAD =
      new Setting<>("breaker.open-wait-spread", Kind.DOUBLE, 0.5, PER_OPERATION,
          Builder::withBreakerOpenWaitSpread);
  private static final Setting<Integer> BREAKER_HALF_OPEN_CALLS =
      new Setting<>("breaker.half-open-calls", Kind.INT, 3, PER_OPERATION,
          Builder::withBreakerHalfOpenCalls);
  private static final Setting<Double> TOKEN_REFRESH_FROM =
      new Setting<>("token.refresh-from", Kind.DOUBLE, 0.75, PER_OPERATION,
          Builder::withTokenRefreshFrom);
  private static final Setting<Double> TOKEN_REFRESH_UNTIL =
      new Setting<>("token.refresh-until", Kind.DOUBLE, 0.9, PER_OPERATION,
          Builder::withTokenRefreshUntil);
  private static final Setting<Duration> TOKEN_MIN_REMAINING =
      new Setting<>("token.min-remaining", Kind.DURATION, Duration.ofSeconds(30), PER_OPERATION,
          Builder::withTokenMinRemaining);
  private static final Setting<Duration> TOKEN_DEFAULT_LIFETIME =
      new Setting<>("token.default-lifetime", Kind.DURATION, Duration.ofHours(1), PER_OPERATION,
          Builder::withTokenDefaultLifetime);
  private static final Setting<Duration> TOKEN_EXPIRY_WARNING =
      new Setting<>("token.expiry-warning", Kind.DURATION, Duration.ofMinutes(15), PER_OPERATION,
          Builder::withTokenExpiryWarning);
  // Null means "<state-dir>/token": kept apart from an explicit path so that toBuilder() and
  // toProperties() keep following the state dir.
  private static final Setting<Path> TOKEN_FILE =
      new Setting<>("token.file", Kind.PATH, null, PER_OPERATION,
          Builder::withTokenFile);
  private static final Setting<Duration> CHECK_INTERVAL =
      new Setting<>("check.interval", Kind.DURATION, Duration.ofHours(6), PER_OPERATION,
          Builder::withCheckInterval);
  private static final Setting<Double> CHECK_SPREAD =
      new Setting<>("check.spread", Kind.DOUBLE, 0.2, PER_OPERATION,
          Builder::withCheckSpread);

  private static final Setting<Boolean> HOST_ENABLED =
      new Setting<>("host.enabled", Kind.BOOLEAN, true, INSTALLATION_WIDE,
          Builder::withHostEnabled);
  private static final Setting<Integer> HOST_MIN_FAILURES =
      new Setting<>("host.min-failures", Kind.INT, 2, INSTALLATION_WIDE,
          Builder::withHostMinFailures);
  private static final Setting<Duration> HOST_MIN_STREAK =
      new Setting<>("host.min-streak", Kind.DURATION, Duration.ofSeconds(1), INSTALLATION_WIDE,
          Builder::withHostMinStreak);
  private static final Setting<Duration> HOST_BASE =
      new Setting<>("host.base", Kind.DURATION, Duration.ofSeconds(1), INSTALLATION_WIDE,
          Builder::withHostBase);
  private static final Setting<Double> HOST_MULTIPLIER =
      new Setting<>("host.multiplier", Kind.DOUBLE, 1.5, INSTALLATION_WIDE,
          Builder::withHostMultiplier);
  private static final Setting<Duration> HOST_MAX_WAIT =
      new Setting<>("host.max-wait", Kind.DURATION, Duration.ofMinutes(5), INSTALLATION_WIDE,
          Builder::withHostMaxWait);
  private static final Setting<Duration> HOST_DOWN_MAX_WAIT =
      new Setting<>("host.down-max-wait", Kind.DURATION, Duration.ofSeconds(30), INSTALLATION_WIDE,
          Builder::withHostDownMaxWait);
  private static final Setting<Double> HOST_SPREAD =
      new Setting<>("host.spread", Kind.DOUBLE, 0.5, INSTALLATION_WIDE,
          Builder::withHostSpread);
  private static final Setting<Double> HOST_TIMEOUT_MULTIPLIER =
      new Setting<>("host.timeout-multiplier", Kind.DOUBLE, 2.0, INSTALLATION_WIDE,
          Builder::withHostTimeoutMultiplier);
  private static final Setting<Duration> HOST_MAX_TIMEOUT =
      new Setting<>("host.max-timeout", Kind.DURATION, Duration.ofSeconds(60), INSTALLATION_WIDE,
          Builder::withHostMaxTimeout);
  private static final Setting<Duration> HOST_USER_INTERVAL =
      new Setting<>("host.user-interval", Kind.DURATION, Duration.ofMinutes(1), INSTALLATION_WIDE,
          Builder::withHostUserInterval);

  private static final Duration ONE_DAY = Duration.ofDays(1);

  private static final Map<String, Setting<?>> BY_KEY =
      SETTINGS.stream().collect(Collectors.toUnmodifiableMap(s -> s.key, s -> s));
  private static final List<String> KEYS =
      SETTINGS.stream().map(s -> s.key).collect(Collectors.toUnmodifiableList());
  private static final List<String> NAMES =
      SETTINGS.stream().map(s -> s.name).collect(Collectors.toUnmodifiableList());
  private static final List<String> OPERATION_NAMES =
      SETTINGS.stream().filter(s -> s.perOperation).map(s -> s.name).collect(Collectors.toUnmodifiableList());

  private static final HerdGuardConfig DEFAULTS = builder().build();

  private final Object[] values;
  private final Backoff backoff;
  /**
   * The per-user folder for {@code herdguard.application} when {@code herdguard.state-dir} is not
   * set, resolved once when built, from the environment then; null otherwise. Not a key's value.
   */
  private final Path defaultStateDir;
  /** The effective config of each operation with overrides, by name. */
  private final Map<String, HerdGuardConfig> operations;
  /** Each operation's overrides in canonical text, by name, then by key without the prefix. */
  private final Map<String, Map<String, String>> overrides;

  private HerdGuardConfig(Object[] values, Path defaultStateDir,
      Map<String, HerdGuardConfig> operations, Map<String, Map<String, String>> overrides) {
    this.values = values;
    this.defaultStateDir = defaultStateDir;
    this.backoff = Backoff.of(get(BACKOFF_STRATEGY), get(BACKOFF_BASE), get(BACKOFF_MAX));
    this.operations = Collections.unmodifiableMap(operations);
    this.overrides = Collections.unmodifiableMap(overrides);
  }

  /**
   * A builder holding the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The config with every key at its default.
   *
   * @return the default config
   */
  public static HerdGuardConfig defaults() {
    return DEFAULTS;
  }

  /**
   * Reads the configuration from its five sources, later winning:
   * <ol>
   *   <li>the defaults;
   *   <li>{@code herdguard.properties} on the classpath, looked up in the thread's context class
   *       loader, then in this class's loader (the first one found counts, so a test resource can
   *       shadow a main one);
   *   <li>the file named by the system property {@code herdguard.config} (or, when that is not set,
   *       by the environment variable {@code HERDGUARD_CONFIG}); a missing file is an error;
   *   <li>system properties whose names start with {@code herdguard.};
   *   <li>environment variables whose names start with {@code HERDGUARD_}.
   * </ol>
   *
   * <p>Both files are read as UTF-8 and belong to herdguard: a key in them without the
   * {@code herdguard.} prefix, or set twice in one file, is an error. An environment variable
   * names a key by upper-casing it and writing {@code _} for {@code .} and {@code -}:
   * {@code HERDGUARD_RETRY_RETRY_AFTER_MAX} is {@code herdguard.retry.retry-after.max}. A
   * {@code HERDGUARD_} variable that names no key is ignored with a WARN that suggests the nearest
   * one: the environment is shared with other tools ({@code HERDGUARD_HOME}), and one stray
   * variable must not keep an application from starting; an unknown key in a file or a system
   * property stays an error. Every problem says where its value came from: the file's path, the
   * classpath resource, {@code -D}, or the environment variable's name. For
   * an override, {@code HERDGUARD_OPERATIONS_<NAME>_<KEY>}, the key is matched from the end; the
   * name is lower-cased, and since {@code user-login} and {@code user_login} both become
   * {@code USER_LOGIN}, the variable applies to the operation of that spelling already named in
   * an earlier source, to {@code user_login} when none is, and is an error when both are.
   *
   * @return the validated config
   * @throws HerdGuardConfigException listing every problem: unreadable or missing files, unknown
   *     keys, values that cannot be read, rules broken
   * @throws SecurityException if a security manager denies reading the properties, the
   *     environment or a file
   */
  public static HerdGuardConfig load() {
    return load(Thread.currentThread().getContextClassLoader(), System.getProperties(), System.getenv());
  }

  /** {@link #load()} with injected sources, for tests that must not touch the real ones. */
  static HerdGuardConfig load(ClassLoader classLoader, Properties systemProperties, Map<String, String> env) {
    return ConfigSources.read(classLoader, systemProperties, env).build();
  }

  /**
   * A config from properties the caller read. Keys that do not start with {@code herdguard.} are
   * ignored, so {@code System.getProperties()} or an application's own file can be passed whole;
   * so is {@code herdguard.config}, which only {@link #load()} reads. Values are trimmed.
   *
   * @param properties the properties, including their defaults
   * @return the validated config
   * @throws HerdGuardConfigException listing every unknown {@code herdguard.} key, value that cannot
   *     be read and rule broken
   * @throws NullPointerException if {@code properties} is null
   */
  public static HerdGuardConfig fromProperties(Properties properties) {
    Builder b = builder();
    for (String key : new TreeSet<>(properties.stringPropertyNames())) {
      if (key.startsWith(PREFIX) && !key.equals(CONFIG_FILE_PROPERTY)) {
        b.set(key, properties.getProperty(key));
      }
    }
    return b.build();
  }

  /**
   * This config with the overrides of operation {@code name} applied, or this config when that
   * operation has none. The returned config has no operations of its own.
   *
   * @param name the operation's name, matching {@code [a-z0-9][a-z0-9_-]*}
   * @return the operation's config
   * @throws IllegalArgumentException if {@code name} is not a valid operation name
   * @throws NullPointerException if {@code name} is null
   */
  public HerdGuardConfig forOperation(String name) {
    Objects.requireNonNull(name, "name");
    if (!OPERATION_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("operation name (" + name + ") must match " + OPERATION_NAME.pattern());
    }
    return operations.getOrDefault(name, this);
  }

  /**
   * The names of the operations that have overrides, in alphabetical order.
   *
   * @return an unmodifiable set, empty for an operation's own config
   */
  public Set<String> operationNames() {
    return Collections.unmodifiableSet(overrides.keySet());
  }

  /**
   * A builder holding this config's values and operation overrides; building it unchanged gives
   * an equal config.
   *
   * @return a new builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    System.arraycopy(values, 0, b.values, 0, values.length);
    overrides.forEach((name, keys) -> b.withOperation(name, keys));
    return b;
  }

  /**
   * This config as properties, every key with its value ({@code herdguard.state-dir} only when set,
   * {@code herdguard.token.file} only when set apart from the state dir), plus each operation's
   * overrides. {@code fromProperties(c.toProperties())} equals {@code c}.
   *
   * @return a new, mutable {@code Properties}
   */
  public Properties toProperties() {
    Properties p = new Properties();
    p.putAll(entries());
    return p;
  }

  /**
   * The folder where herdguard keeps the installation id and, unless {@link #tokenFile()} says
   * otherwise, the token. Key {@code herdguard.state-dir}; when it is not set and
   * {@link #applicationName()} is, the per-user folder {@link #defaultStateDir(String)} gives for
   * that name; otherwise none. Installation-wide.
   *
   * @return the folder, or empty
   */
  public Optional<Path> stateDir() {
    Path dir = get(STATE_DIR);
    return Optional.ofNullable(dir != null ? dir : defaultStateDir);
  }

  /**
   * The application's name, from which the state folder defaults. Key
   * {@code herdguard.application}; default none. Installation-wide.
   *
   * @return the name, or empty
   */
  public Optional<String> applicationName() {
    return Optional.ofNullable(get(APPLICATION));
  }

  /**
   * The per-user folder where an application called {@code application} keeps herdguard's state
   * (the token, the installation id, the hosts' state) on this machine, following the platform's
   * conventions: {@code $XDG_STATE_HOME/<application>} or {@code ~/.local/state/<application>} on
   * Linux and other Unix systems (the XDG base directory specification's place for state that
   * should survive a restart but is not worth a backup), {@code ~/Library/Application
   * Support/<application>} on macOS, {@code %LOCALAPPDATA%\<application>} on Windows (local, not
   * roaming: a token belongs to one machine). Nothing is created; herdguard creates the folder,
   * owner-only, when it first writes there.
   *
   * <p>Why a name and not a default folder for everyone: a folder shared by every application
   * that uses herdguard would share one token file and one installation id between them. Why it
   * is a key ({@code herdguard.application}, {@link Builder#withApplicationName}) rather than only
   * this function: so that persistence is on as soon as an application says who it is, and an
   * operator can still move it with {@code herdguard.state-dir}, which wins.
   *
   * @param application the application's name, by the rule of {@code herdguard.application}: 1 to
   *     64 of {@code A-Z a-z 0-9 . _ -}, starting with a letter or digit
   * @return the folder, or empty when the user's home folder is not known (a service account
   *     without one: set {@code herdguard.state-dir})
   * @throws IllegalArgumentException if {@code application} breaks that rule
   * @throws NullPointerException if {@code application} is null
   */
  public static Optional<Path> defaultStateDir(String application) {
    Objects.requireNonNull(application, "application");
    if (!APPLICATION_NAME.matcher(application).matches()) {
      throw new IllegalArgumentException("application (" + application + ") must be " + APPLICATION_RULE);
    }
    return Optional.ofNullable(defaultStateDir(application, System.getProperty("os.name", ""), System::getenv,
        System.getProperty("user.home")));
  }

  /** {@link #defaultStateDir(String)} in a given environment, for tests; null when unknown. */
  static Path defaultStateDir(String application, String osName, Function<String, String> env, String home) {
    String os = osName.toLowerCase(Locale.ROOT);
    try {
      if (os.startsWith("windows")) {
        String local = env.apply("LOCALAPPDATA");
        if (local != null && !local.isBlank()) {
          return Path.of(local, application);
        }
        return home == null || home.isBlank() ? null : Path.of(home, "AppData", "Local", application);
      }
      if (os.startsWith("mac") || os.startsWith("darwin")) {
        return home == null || home.isBlank() ? null : Path.of(home, "Library", "Application Support", application);
      }
      // The XDG specification: a relative path is invalid and must be ignored.
      String xdg = env.apply("XDG_STATE_HOME");
      if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
        return Path.of(xdg, application);
      }
      return home == null || home.isBlank() ? null : Path.of(home, ".local", "state", application);
    } catch (InvalidPathException e) {
      return null; // an environment that names no valid folder: as if unknown
    }
  }

  /**
   * Upper bound of the delay before the first contact after start; zero turns the delay off. Key
   * {@code herdguard.startup.max-delay}; default {@code 60s}; must be {@code >= 0} and {@code <= 365d}.
   * Installation-wide.
   *
   * @return the bound
   */
  public Duration startupMaxDelay() {
    return get(STARTUP_MAX_DELAY);
  }

  /**
   * How the startup delay is drawn. Key {@code herdguard.startup.mode}: {@code random} (default) or
   * {@code stable}, which needs {@link #stateDir()}, where the installation id is kept.
   * Installation-wide.
   *
   * @return the mode
   */
  public StartupJitter.Mode startupMode() {
    return get(STARTUP_MODE);
  }

  /**
   * The backoff made of {@link #backoffStrategy()}, {@link #backoffBase()} and
   * {@link #backoffMax()}.
   *
   * @return the backoff
   */
  public Backoff backoff() {
    return backoff;
  }

  /**
   * Key {@code herdguard.backoff.strategy}: {@code decorrelated-jitter} (default),
   * {@code full-jitter} or {@code exponential}.
   *
   * @return the strategy
   */
  public Backoff.Strategy backoffStrategy() {
    return get(BACKOFF_STRATEGY);
  }

  /**
   * The first retry's scale. Key {@code herdguard.backoff.base}; default {@code 500ms}; must be
   * {@code > 0} and {@code <= 365d}.
   *
   * @return the base
   */
  public Duration backoffBase() {
    return get(BACKOFF_BASE);
  }

  /**
   * Upper bound of one delay. Key {@code herdguard.backoff.max}; default {@code 60s}; must be
   * {@code >= herdguard.backoff.base} and {@code <= 365d}.
   *
   * @return the bound
   */
  public Duration backoffMax() {
    return get(BACKOFF_MAX);
  }

  /**
   * Attempts including the first. Key {@code herdguard.retry.max-attempts}; default {@code 6}; must
   * be {@code >= 1}.
   *
   * @return the number of attempts
   */
  public int retryMaxAttempts() {
    return get(RETRY_MAX_ATTEMPTS);
  }

  /**
   * No new attempt starts after this long. Key {@code herdguard.retry.max-duration}; default
   * {@code 5m}; must be {@code > 0} and {@code <= 365d}.
   *
   * @return the bound
   */
  public Duration retryMaxDuration() {
    return get(RETRY_MAX_DURATION);
  }

  /**
   * The longest server hint ({@code Retry-After}) honoured; a longer one ends the retries. Key
   * {@code herdguard.retry.retry-after.max}; default {@code 10m}; must be {@code > 0} and
   * {@code <= 365d}, RetryAfter's own limit.
   *
   * @return the bound
   */
  public Duration retryAfterMax() {
    return get(RETRY_AFTER_MAX);
  }

  /**
   * A hint {@code h} becomes a wait drawn in {@code [h, h * (1 + spread)]}. Key
   * {@code herdguard.retry.retry-after.spread}; default {@code 0.2}; must be in {@code [0, 1]}.
   *
   * @return the spread
   */
  public double retryAfterSpread() {
    return get(RETRY_AFTER_SPREAD);
  }

  /**
   * Retries allowed per first attempt, per host. Key {@code herdguard.retry.budget.ratio}; default
   * {@code 0.1}; must be in {@code [0, 1000]}, and {@code 0} or {@code >= 0.000001} (budgets count
   * in millionths of a retry).
   *
   * @return the ratio
   */
  public double retryBudgetRatio() {
    return get(RETRY_BUDGET_RATIO);
  }

  /**
   * Retries always allowed per second, per host. Key
   * {@code herdguard.retry.budget.min-per-second}; default {@code 0.05} (one retry every 20 s); must
   * be a finite number {@code >= 0} and {@code <= 1000000}. The floor is per client: a fleet of N clients gets N times it,
   * which is why the default is low (the fleet simulator's slow-server scenario: 1.62 requests per
   * success with a floor of 1, 1.49 with 0.05).
   *
   * @return the floor
   */
  public double retryBudgetMinPerSecond() {
    return get(RETRY_BUDGET_MIN_PER_SECOND);
  }

  /**
   * Percent of failed calls that opens the breaker. Key
   * {@code herdguard.breaker.failure-rate-threshold}; default {@code 50}; must be in
   * {@code (0, 100]} and {@code >= 0.000001} (Resilience4j keeps it as a float).
   *
   * @return the threshold in percent
   */
  public double breakerFailureRateThreshold() {
    return get(BREAKER_FAILURE_RATE_THRESHOLD);
  }

  /**
   * Calls seen before the failure rate counts. Key {@code herdguard.breaker.minimum-calls}; default
   * {@code 20}; must be {@code >= 1} and {@code <= herdguard.breaker.window}.
   *
   * @return the number of calls
   */
  public int breakerMinimumCalls() {
    return get(BREAKER_MINIMUM_CALLS);
  }

  /**
   * Calls in the breaker's sliding window. Key {@code herdguard.breaker.window}; default
   * {@code 50}; must be {@code >= 1} and {@code <= 100000}: Resilience4j allocates the window whole,
   * one object per call.
   *
   * @return the window size
   */
  public int breakerWindow() {
    return get(BREAKER_WINDOW);
  }

  /**
   * Mean wait in the open state. Key {@code herdguard.breaker.open-wait}; default {@code 30s}; must
   * be {@code >= 1ms} (Resilience4j counts it in milliseconds) and {@code <= 365d}.
   *
   * @return the mean wait
   */
  public Duration breakerOpenWait() {
    return get(BREAKER_OPEN_WAIT);
  }

  /**
   * The open wait is drawn in {@code [w * (1 - spread), w * (1 + spread)]}. Key
   * {@code herdguard.breaker.open-wait-spread}; default {@code 0.5}; must be in {@code [0, 1)}, so
   * that the wait stays above zero.
   *
   * @return the spread
   */
  public double breakerOpenWaitSpread() {
    return get(BREAKER_OPEN_WAIT_SPREAD);
  }

  /**
   * Trial calls in the half-open state. Key {@code herdguard.breaker.half-open-calls}; default
   * {@code 3}; must be {@code >= 1} and {@code <= 100000}.
   *
   * @return the number of calls
   */
  public int breakerHalfOpenCalls() {
    return get(BREAKER_HALF_OPEN_CALLS);
  }

  /**
   * Proactive refresh starts at this fraction of the token's life. Key
   * {@code herdguard.token.refresh-from}; default {@code 0.75}; must be in {@code (0, 1)} and
   * {@code < herdguard.token.refresh-until}.
   *
   * @return the fraction
   */
  public double tokenRefreshFrom() {
    return get(TOKEN_REFRESH_FROM);
  }

  /**
   * Proactive refresh happens at a random point before this fraction of the token's life. Key
   * {@code herdguard.token.refresh-until}; default {@code 0.9}; must be in {@code (0, 1)}.
   *
   * @return the fraction
   */
  public double tokenRefreshUntil() {
    return get(TOKEN_REFRESH_UNTIL);
  }

  /**
   * A token with less left than this is treated as expired. Key
   * {@code herdguard.token.min-remaining}; default {@code 30s}; must be {@code >= 0}, {@code <= 365d} and
   * {@code < herdguard.token.default-lifetime}, or a token without an expiry would be expired on
   * arrival.
   *
   * @return the margin
   */
  public Duration tokenMinRemaining() {
    return get(TOKEN_MIN_REMAINING);
  }

  /**
   * Lifetime given to a token that arrives without an expiry. Key
   * {@code herdguard.token.default-lifetime}; default {@code 1h}; must be {@code > 0} and
   * {@code <= 365d}.
   *
   * @return the lifetime
   */
  public Duration tokenDefaultLifetime() {
    return get(TOKEN_DEFAULT_LIFETIME);
  }

  /**
   * Warn when a token has less than this left and its refresh keeps failing. Key
   * {@code herdguard.token.expiry-warning}; default {@code 15m}; must be {@code >= 0} and
   * {@code <= 365d}.
   *
   * @return the warning margin
   */
  public Duration tokenExpiryWarning() {
    return get(TOKEN_EXPIRY_WARNING);
  }

  /**
   * Where the token is kept across restarts. Key {@code herdguard.token.file}; default
   * {@code <state-dir>/token}, none when neither is set.
   *
   * @return the file, or empty
   */
  public Optional<Path> tokenFile() {
    Path explicit = get(TOKEN_FILE);
    if (explicit != null) {
      return Optional.of(explicit);
    }
    return stateDir().map(dir -> dir.resolve("token"));
  }

  /**
   * Period of a {@code PeriodicCheck}. Key {@code herdguard.check.interval}; default {@code 6h};
   * must be {@code >= 1s} (PeriodicCheck's own floor) and {@code <= 365d}.
   *
   * @return the period
   */
  public Duration checkInterval() {
    return get(CHECK_INTERVAL);
  }

  /**
   * Each check period is drawn in {@code [i * (1 - spread), i * (1 + spread)]}. Key
   * {@code herdguard.check.spread}; default {@code 0.2}; must be in {@code [0, 1)}.
   *
   * @return the spread
   */
  public double checkSpread() {
    return get(CHECK_SPREAD);
  }

  /**
   * Whether each host's state (failures in a row, the wait they set, grown timeouts) gates every attempt to it. Off, every call starts afresh: the behaviour before host state, kept for comparison. Key {@code herdguard.host.enabled}; default {@code true}; true or false.
   *
   * @return the value
   */
  public boolean hostEnabled() {
    return get(HOST_ENABLED);
  }

  /**
   * Attempts to a host that must fail in a row, with no success between them, before the host's wait starts. Key {@code herdguard.host.min-failures}; default {@code 2}; in [1, 1000].
   *
   * @return the value
   */
  public int hostMinFailures() {
    return get(HOST_MIN_FAILURES);
  }

  /**
   * How long a streak of failures must have lasted before the host's wait starts, so a busy host that fails now and then is never slowed. Key {@code herdguard.host.min-streak}; default {@code 1s}; in [0, 1d].
   *
   * @return the value
   */
  public Duration hostMinStreak() {
    return get(HOST_MIN_STREAK);
  }

  /**
   * The first wait of a streak, before jitter. Key {@code herdguard.host.base}; default {@code 1s}; in (0, 1d].
   *
   * @return the value
   */
  public Duration hostBase() {
    return get(HOST_BASE);
  }

  /**
   * Each further failure multiplies the wait by this. Key {@code herdguard.host.multiplier}; default {@code 1.5}; in [1, 10].
   *
   * @return the value
   */
  public double hostMultiplier() {
    return get(HOST_MULTIPLIER);
  }

  /**
   * The longest wait, before jitter, that failures of an overloaded host (timeouts, 503s) set. Key {@code herdguard.host.max-wait}; default {@code 5m}; in [host.base, 1d].
   *
   * @return the value
   */
  public Duration hostMaxWait() {
    return get(HOST_MAX_WAIT);
  }

  /**
   * The longest wait, before jitter, that refused connections and unknown hosts set: they cost the server nothing, and a longer wait only delays the return after an outage. Key {@code herdguard.host.down-max-wait}; default {@code 30s}; in (0, host.max-wait].
   *
   * @return the value
   */
  public Duration hostDownMaxWait() {
    return get(HOST_DOWN_MAX_WAIT);
  }

  /**
   * Each wait w is drawn in [w(1-spread), w(1+spread)]. Key {@code herdguard.host.spread}; default {@code 0.5}; in [0, 1).
   *
   * @return the value
   */
  public double hostSpread() {
    return get(HOST_SPREAD);
  }

  /**
   * Each timeout in a streak multiplies the next attempt's timeout by this (patience that grows). Key {@code herdguard.host.timeout-multiplier}; default {@code 2}; in [1, 10].
   *
   * @return the value
   */
  public double hostTimeoutMultiplier() {
    return get(HOST_TIMEOUT_MULTIPLIER);
  }

  /**
   * The longest timeout that patience grows to; an attempt whose usual timeout is longer keeps it. Key {@code herdguard.host.max-timeout}; default {@code 60s}; in (0, 1d].
   *
   * @return the value
   */
  public Duration hostMaxTimeout() {
    return get(HOST_MAX_TIMEOUT);
  }

  /**
   * A user-initiated attempt (HostState.userRetryNow) may go past the host's wait at most once per this long. Key {@code herdguard.host.user-interval}; default {@code 1m}; in [0, 1d].
   *
   * @return the value
   */
  public Duration hostUserInterval() {
    return get(HOST_USER_INTERVAL);
  }

  /** Two configs are equal when every key and every operation override is. */
  @Override
  public boolean equals(Object o) {
    return o instanceof HerdGuardConfig
        && Arrays.equals(((HerdGuardConfig) o).values, values)
        && ((HerdGuardConfig) o).overrides.equals(overrides);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(values) + overrides.hashCode();
  }

  /** Every key and its value, as {@link #toProperties()} writes them, in the key table's order. */
  @Override
  public String toString() {
    return entries().entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(", ", "HerdGuardConfig{", "}"));
  }

  private Map<String, String> entries() {
    Map<String, String> out = new LinkedHashMap<>();
    for (Setting<?> s : SETTINGS) {
      if (values[s.index] != null) {
        out.put(s.key, s.format(values[s.index]));
      }
    }
    overrides.forEach((name, keys) ->
        keys.forEach((key, value) -> out.put(OPERATIONS_PREFIX + name + "." + key, value)));
    return out;
  }

  @SuppressWarnings("unchecked")
  private <T> T get(Setting<T> s) {
    return (T) values[s.index];
  }

  /** Every key in the table without the {@code herdguard.} prefix, in order; for the sources. */
  static List<String> settingNames() {
    return NAMES;
  }

  /** "unknown key x", with the nearest known key when one is close. */
  static String unknownKey(String key) {
    return unknownKey(key, null);
  }

  /** "unknown key x in file", with the nearest known key when one is close. */
  static String unknownKey(String key, String from) {
    return "unknown key " + key + (from == null ? "" : " " + from)
        + suggestKey(key).map(s -> " (did you mean " + s + "?)").orElse("");
  }

  /**
   * The known key nearest to an unknown one, if one is close. A key outside {@code herdguard.}
   * (only a file or {@code Builder.set} can bring one) is matched whole, so {@code backoff.base}
   * suggests {@code herdguard.backoff.base}.
   */
  static Optional<String> suggestKey(String key) {
    if (!key.startsWith(PREFIX)) {
      return Spelling.nearest(key, KEYS, '.');
    }
    String name = key.substring(PREFIX.length());
    Optional<String> suggestion = Spelling.nearest(name, NAMES, '.').map(n -> PREFIX + n);
    int dot = name.indexOf('.');
    if (suggestion.isEmpty() && dot > 0) {
      // herdguard.operation.login...: a typo in "operations" hides an override.
      int d = Spelling.distance(name.substring(0, dot), "operations");
      if (d > 0 && d <= 2) {
        suggestion = Optional.of(OPERATIONS_PREFIX + name.substring(dot + 1));
      }
    }
    return suggestion;
  }

  private static String unknownOperationKey(String label, String from, String operation, String name) {
    String prefix = OPERATIONS_PREFIX + operation + ".";
    return "unknown key " + label + (from == null ? "" : " " + from)
        + Spelling.nearest(name, OPERATION_NAMES, '.').map(s -> " (did you mean " + prefix + s + "?)").orElse("");
  }

  /**
   * Builds a {@link HerdGuardConfig}. Starts from the defaults. Not thread-safe; reusable: a
   * config built from it does not change when the builder does afterwards.
   *
   * <p>Setters are named after the accessors ({@code withBackoffBase} for {@code backoffBase()}).
   * {@link #set(String, String)} parses a property value and calls the same setter, so a value
   * from a file and one from code meet the same rules in {@link #build()}, the only place rules
   * are checked. For every key the last call wins, whether it was {@code set} or a setter; a
   * {@code set} whose value cannot be read is reported by {@code build()} unless a later call for
   * the same key replaces it.
   */
  public static final class Builder {

    private final Object[] values = new Object[SETTINGS.size()];
    /** Per key: the value as the user wrote it, for messages; null when set from code. */
    private final String[] written = new String[SETTINGS.size()];
    /** Per key: the key as the user wrote it (an environment variable's name); null for the key. */
    private final String[] labels = new String[SETTINGS.size()];
    /** Per key: why the last written value could not be read; null when it could. */
    private final String[] unreadable = new String[SETTINGS.size()];
    /**
     * Per key: where the value came from, completing "key (value) ...", such as
     * {@code in /etc/app/herdguard.properties}; null for a default, a value given to
     * {@code fromProperties} or {@code set}, and an environment variable, which its name tells.
     */
    private final String[] where = new String[SETTINGS.size()];
    private final List<String> sourceProblems = new ArrayList<>();
    private final List<String> unknownKeys = new ArrayList<>();
    private final Map<String, Map<String, Written>> operations = new TreeMap<>();
    private Function<String, String> systemProperty = System::getProperty;
    private Function<String, String> environment = System::getenv;

    private Builder() {
      for (Setting<?> s : SETTINGS) {
        values[s.index] = s.defaultValue;
      }
    }

    /** A copy of the values of {@code other}, how they were written included, for an operation. */
    private Builder(Builder other) {
      this.systemProperty = other.systemProperty;
      this.environment = other.environment;
      System.arraycopy(other.values, 0, values, 0, values.length);
      System.arraycopy(other.written, 0, written, 0, written.length);
      System.arraycopy(other.labels, 0, labels, 0, labels.length);
      System.arraycopy(other.unreadable, 0, unreadable, 0, unreadable.length);
      System.arraycopy(other.where, 0, where, 0, where.length);
    }

    /**
     * Sets {@code herdguard.state-dir}, which wins over the folder {@link #withApplicationName}
     * gives.
     *
     * @param stateDir the folder, or null for none
     * @return this builder
     */
    public Builder withStateDir(Path stateDir) {
      return put(STATE_DIR, stateDir);
    }

    /**
     * Sets {@code herdguard.application}: with it, and no {@code herdguard.state-dir}, herdguard
     * keeps its state (the token across restarts, the installation id) in the per-user folder
     * {@link HerdGuardConfig#defaultStateDir(String)} gives, such as {@code ~/.local/state/myapp}.
     * Checked by {@link #build()}: 1 to 64 of {@code A-Z a-z 0-9 . _ -}, starting with a letter or
     * digit.
     *
     * @param application the application's name, or null for none
     * @return this builder
     */
    public Builder withApplicationName(String application) {
      return put(APPLICATION, application);
    }

    /** Where {@link #defaultStateDir()} looks: {@link HerdGuardConfig#load()}'s sources, for tests. */
    Builder withEnvironment(Function<String, String> systemProperties, Function<String, String> env) {
      this.systemProperty = Objects.requireNonNull(systemProperties, "systemProperties");
      this.environment = Objects.requireNonNull(env, "env");
      return this;
    }

    /** The per-user folder for the application, when state-dir is not set and the name is valid. */
    Path defaultStateDir() {
      Object app = values[APPLICATION.index];
      if (values[STATE_DIR.index] != null || !(app instanceof String)
          || !APPLICATION_NAME.matcher((String) app).matches()) {
        return null;
      }
      String os = systemProperty.apply("os.name");
      return HerdGuardConfig.defaultStateDir((String) app, os == null ? "" : os, environment,
          systemProperty.apply("user.home"));
    }

    /**
     * Sets {@code herdguard.startup.max-delay}; {@link Duration#ZERO} turns the delay off.
     *
     * @param maxDelay the bound
     * @return this builder
     * @throws NullPointerException if {@code maxDelay} is null
     */
    public Builder withStartupMaxDelay(Duration maxDelay) {
      return put(STARTUP_MAX_DELAY, Objects.requireNonNull(maxDelay, "maxDelay"));
    }

    /**
     * Sets {@code herdguard.startup.mode}.
     *
     * @param mode the mode
     * @return this builder
     * @throws NullPointerException if {@code mode} is null
     */
    public Builder withStartupMode(StartupJitter.Mode mode) {
      return put(STARTUP_MODE, Objects.requireNonNull(mode, "mode"));
    }

    /**
     * Sets {@code herdguard.backoff.strategy}.
     *
     * @param strategy the strategy
     * @return this builder
     * @throws NullPointerException if {@code strategy} is null
     */
    public Builder withBackoffStrategy(Backoff.Strategy strategy) {
      return put(BACKOFF_STRATEGY, Objects.requireNonNull(strategy, "strategy"));
    }

    /**
     * Sets {@code herdguard.backoff.base}.
     *
     * @param base the first retry's scale
     * @return this builder
     * @throws NullPointerException if {@code base} is null
     */
    public Builder withBackoffBase(Duration base) {
      return put(BACKOFF_BASE, Objects.requireNonNull(base, "base"));
    }

    /**
     * Sets {@code herdguard.backoff.max}.
     *
     * @param max the upper bound of one delay
     * @return this builder
     * @throws NullPointerException if {@code max} is null
     */
    public Builder withBackoffMax(Duration max) {
      return put(BACKOFF_MAX, Objects.requireNonNull(max, "max"));
    }

    /**
     * Sets {@code herdguard.backoff.strategy}, {@code herdguard.backoff.base} and
     * {@code herdguard.backoff.max} from a backoff.
     *
     * @param backoff the backoff
     * @return this builder
     * @throws NullPointerException if {@code backoff} is null
     */
    public Builder withBackoff(Backoff backoff) {
      Objects.requireNonNull(backoff, "backoff");
      return withBackoffStrategy(backoff.strategy()).withBackoffBase(backoff.base()).withBackoffMax(backoff.max());
    }

    /**
     * Sets {@code herdguard.retry.max-attempts}.
     *
     * @param maxAttempts attempts including the first
     * @return this builder
     */
    public Builder withRetryMaxAttempts(int maxAttempts) {
      return put(RETRY_MAX_ATTEMPTS, maxAttempts);
    }

    /**
     * Sets {@code herdguard.retry.max-duration}.
     *
     * @param maxDuration no new attempt starts after this long
     * @return this builder
     * @throws NullPointerException if {@code maxDuration} is null
     */
    public Builder withRetryMaxDuration(Duration maxDuration) {
      return put(RETRY_MAX_DURATION, Objects.requireNonNull(maxDuration, "maxDuration"));
    }

    /**
     * Sets {@code herdguard.retry.retry-after.max}.
     *
     * @param max the longest server hint honoured
     * @return this builder
     * @throws NullPointerException if {@code max} is null
     */
    public Builder withRetryAfterMax(Duration max) {
      return put(RETRY_AFTER_MAX, Objects.requireNonNull(max, "max"));
    }

    /**
     * Sets {@code herdguard.retry.retry-after.spread}.
     *
     * @param spread the spread of a server hint
     * @return this builder
     */
    public Builder withRetryAfterSpread(double spread) {
      return put(RETRY_AFTER_SPREAD, number(spread));
    }

    /**
     * Sets {@code herdguard.retry.budget.ratio}.
     *
     * @param ratio retries allowed per first attempt
     * @return this builder
     */
    public Builder withRetryBudgetRatio(double ratio) {
      return put(RETRY_BUDGET_RATIO, number(ratio));
    }

    /**
     * Sets {@code herdguard.retry.budget.min-per-second}.
     *
     * @param minPerSecond retries always allowed per second
     * @return this builder
     */
    public Builder withRetryBudgetMinPerSecond(double minPerSecond) {
      return put(RETRY_BUDGET_MIN_PER_SECOND, number(minPerSecond));
    }

    /**
     * Sets {@code herdguard.breaker.failure-rate-threshold}.
     *
     * @param percent percent of failed calls that opens the breaker
     * @return this builder
     */
    public Builder withBreakerFailureRateThreshold(double percent) {
      return put(BREAKER_FAILURE_RATE_THRESHOLD, number(percent));
    }

    /**
     * Sets {@code herdguard.breaker.minimum-calls}.
     *
     * @param minimumCalls calls seen before the rate counts
     * @return this builder
     */
    public Builder withBreakerMinimumCalls(int minimumCalls) {
      return put(BREAKER_MINIMUM_CALLS, minimumCalls);
    }

    /**
     * Sets {@code herdguard.breaker.window}.
     *
     * @param window calls in the sliding window
     * @return this builder
     */
    public Builder withBreakerWindow(int window) {
      return put(BREAKER_WINDOW, window);
    }

    /**
     * Sets {@code herdguard.breaker.open-wait}.
     *
     * @param openWait mean wait in the open state
     * @return this builder
     * @throws NullPointerException if {@code openWait} is null
     */
    public Builder withBreakerOpenWait(Duration openWait) {
      return put(BREAKER_OPEN_WAIT, Objects.requireNonNull(openWait, "openWait"));
    }

    /**
     * Sets {@code herdguard.breaker.open-wait-spread}.
     *
     * @param spread the spread of the open wait
     * @return this builder
     */
    public Builder withBreakerOpenWaitSpread(double spread) {
      return put(BREAKER_OPEN_WAIT_SPREAD, number(spread));
    }

    /**
     * Sets {@code herdguard.breaker.half-open-calls}.
     *
     * @param halfOpenCalls trial calls in the half-open state
     * @return this builder
     */
    public Builder withBreakerHalfOpenCalls(int halfOpenCalls) {
      return put(BREAKER_HALF_OPEN_CALLS, halfOpenCalls);
    }

    /**
     * Sets {@code herdguard.token.refresh-from}.
     *
     * @param fraction of the token's life where proactive refresh starts
     * @return this builder
     */
    public Builder withTokenRefreshFrom(double fraction) {
      return put(TOKEN_REFRESH_FROM, number(fraction));
    }

    /**
     * Sets {@code herdguard.token.refresh-until}.
     *
     * @param fraction of the token's life before which proactive refresh happens
     * @return this builder
     */
    public Builder withTokenRefreshUntil(double fraction) {
      return put(TOKEN_REFRESH_UNTIL, number(fraction));
    }

    /**
     * Sets {@code herdguard.token.min-remaining}.
     *
     * @param minRemaining a token with less left is treated as expired
     * @return this builder
     * @throws NullPointerException if {@code minRemaining} is null
     */
    public Builder withTokenMinRemaining(Duration minRemaining) {
      return put(TOKEN_MIN_REMAINING, Objects.requireNonNull(minRemaining, "minRemaining"));
    }

    /**
     * Sets {@code herdguard.token.default-lifetime}.
     *
     * @param defaultLifetime lifetime of a token that arrives without an expiry
     * @return this builder
     * @throws NullPointerException if {@code defaultLifetime} is null
     */
    public Builder withTokenDefaultLifetime(Duration defaultLifetime) {
      return put(TOKEN_DEFAULT_LIFETIME, Objects.requireNonNull(defaultLifetime, "defaultLifetime"));
    }

    /**
     * Sets {@code herdguard.token.expiry-warning}.
     *
     * @param expiryWarning warn when a failing token has less than this left
     * @return this builder
     * @throws NullPointerException if {@code expiryWarning} is null
     */
    public Builder withTokenExpiryWarning(Duration expiryWarning) {
      return put(TOKEN_EXPIRY_WARNING, Objects.requireNonNull(expiryWarning, "expiryWarning"));
    }

    /**
     * Sets {@code herdguard.token.file}.
     *
     * @param tokenFile the file, or null for the default, {@code <state-dir>/token}
     * @return this builder
     */
    public Builder withTokenFile(Path tokenFile) {
      return put(TOKEN_FILE, tokenFile);
    }

    /**
     * Sets {@code herdguard.check.interval}.
     *
     * @param interval period of a periodic check
     * @return this builder
     * @throws NullPointerException if {@code interval} is null
     */
    public Builder withCheckInterval(Duration interval) {
      return put(CHECK_INTERVAL, Objects.requireNonNull(interval, "interval"));
    }

    /**
     * Sets {@code herdguard.check.spread}.
     *
     * @param spread the spread of each check period
     * @return this builder
     */
    public Builder withCheckSpread(double spread) {
      return put(CHECK_SPREAD, number(spread));
    }

    /**
     * Sets {@code herdguard.host.enabled}.
     *
     * @param enabled the value
     * @return this builder
     */
    public Builder withHostEnabled(boolean enabled) {
      return put(HOST_ENABLED, enabled);
    }

    /**
     * Sets {@code herdguard.host.min-failures}.
     *
     * @param minFailures the value
     * @return this builder
     */
    public Builder withHostMinFailures(int minFailures) {
      return put(HOST_MIN_FAILURES, minFailures);
    }

    /**
     * Sets {@code herdguard.host.min-streak}.
     *
     * @param minStreak the value
     * @return this builder
     * @throws NullPointerException if {@code minStreak} is null
     */
    public Builder withHostMinStreak(Duration minStreak) {
      return put(HOST_MIN_STREAK, Objects.requireNonNull(minStreak, "minStreak"));
    }

    /**
     * Sets {@code herdguard.host.base}.
     *
     * @param base the value
     * @return this builder
     * @throws NullPointerException if {@code base} is null
     */
    public Builder withHostBase(Duration base) {
      return put(HOST_BASE, Objects.requireNonNull(base, "base"));
    }

    /**
     * Sets {@code herdguard.host.multiplier}.
     *
     * @param multiplier the value
     * @return this builder
     */
    public Builder withHostMultiplier(double multiplier) {
      return put(HOST_MULTIPLIER, number(multiplier));
    }

    /**
     * Sets {@code herdguard.host.max-wait}.
     *
     * @param maxWait the value
     * @return this builder
     * @throws NullPointerException if {@code maxWait} is null
     */
    public Builder withHostMaxWait(Duration maxWait) {
      return put(HOST_MAX_WAIT, Objects.requireNonNull(maxWait, "maxWait"));
    }

    /**
     * Sets {@code herdguard.host.down-max-wait}.
     *
     * @param downMaxWait the value
     * @return this builder
     * @throws NullPointerException if {@code downMaxWait} is null
     */
    public Builder withHostDownMaxWait(Duration downMaxWait) {
      return put(HOST_DOWN_MAX_WAIT, Objects.requireNonNull(downMaxWait, "downMaxWait"));
    }

    /**
     * Sets {@code herdguard.host.spread}.
     *
     * @param spread the value
     * @return this builder
     */
    public Builder withHostSpread(double spread) {
      return put(HOST_SPREAD, number(spread));
    }

    /**
     * Sets {@code herdguard.host.timeout-multiplier}.
     *
     * @param multiplier the value
     * @return this builder
     */
    public Builder withHostTimeoutMultiplier(double multiplier) {
      return put(HOST_TIMEOUT_MULTIPLIER, number(multiplier));
    }

    /**
     * Sets {@code herdguard.host.max-timeout}.
     *
     * @param maxTimeout the value
     * @return this builder
     * @throws NullPointerException if {@code maxTimeout} is null
     */
    public Builder withHostMaxTimeout(Duration maxTimeout) {
      return put(HOST_MAX_TIMEOUT, Objects.requireNonNull(maxTimeout, "maxTimeout"));
    }

    /**
     * Sets {@code herdguard.host.user-interval}.
     *
     * @param interval the value
     * @return this builder
     * @throws NullPointerException if {@code interval} is null
     */
    public Builder withHostUserInterval(Duration interval) {
      return put(HOST_USER_INTERVAL, Objects.requireNonNull(interval, "interval"));
    }

    /**
     * Replaces the overrides of operation {@code name}; an empty map removes them. Keys are written
     * as after {@code herdguard.} ({@code retry.max-attempts}; a leading {@code herdguard.} is
     * accepted too) and values as in properties ({@code 10}, {@code 250ms}). The name, the keys and
     * the values are checked by {@link #build()}, which names each offender by its full key,
     * {@code herdguard.operations.<name>.<key>}.
     *
     * @param name the operation's name, matching {@code [a-z0-9][a-z0-9_-]*}
     * @param overrides the keys to override and their values
     * @return this builder
     * @throws NullPointerException if {@code name}, {@code overrides} or one of its keys or values
     *     is null
     */
    public Builder withOperation(String name, Map<String, String> overrides) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(overrides, "overrides");
      Map<String, Written> copy = new LinkedHashMap<>();
      overrides.forEach((key, value) -> {
        String k = Objects.requireNonNull(key, "key").startsWith(PREFIX) ? key.substring(PREFIX.length()) : key;
        String text = Objects.requireNonNull(value, "value").strip();
        copy.put(k, new Written(text, OPERATIONS_PREFIX + name + "." + k, FROM_CODE));
      });
      if (copy.isEmpty()) {
        operations.remove(name);
      } else {
        operations.put(name, copy);
      }
      return this;
    }

    /**
     * Sets a key from its property form: parses {@code value} and calls the key's setter, or for
     * {@code herdguard.operations.<name>.<key>} adds that override. The value is trimmed; for
     * {@code herdguard.state-dir} and {@code herdguard.token.file} an empty value means "not set".
     * Nothing is thrown here: an unknown key or a value that cannot be read is reported by
     * {@link #build()} with every other problem.
     *
     * @param key the full key, such as {@code herdguard.backoff.base}
     * @param value the value as written, such as {@code 250ms}
     * @return this builder
     * @throws NullPointerException if {@code key} or {@code value} is null
     */
    public Builder set(String key, String value) {
      return set(key, value, key, null);
    }

    /**
     * {@link #set(String, String)}, naming the key in messages as {@code label} and saying where
     * the value came from with {@code from} ({@code in /etc/app/herdguard.properties}), or nothing
     * when it is null.
     */
    Builder set(String key, String value, String label, String from) {
      Objects.requireNonNull(key, "key");
      String text = Objects.requireNonNull(value, "value").strip();
      if (key.startsWith(OPERATIONS_PREFIX)) {
        String rest = key.substring(OPERATIONS_PREFIX.length());
        int dot = rest.indexOf('.');
        if (dot >= 0 && dot < rest.length() - 1) {
          operations.computeIfAbsent(rest.substring(0, dot), n -> new LinkedHashMap<>())
              .put(rest.substring(dot + 1), new Written(text, label, from));
          return this;
        }
      }
      Setting<?> s = BY_KEY.get(key);
      if (s == null) {
        unknownKeys.add(key.equals(CONFIG_FILE_PROPERTY)
            ? key + " (" + text + ") names a file for HerdGuardConfig.load() and can only be a system property"
            : unknownKey(key, from));
        return this;
      }
      read(s, text, label, from);
      return this;
    }

    /** Records a problem with a source (a missing file, an unknown environment variable). */
    Builder problem(String problem) {
      sourceProblems.add(problem);
      return this;
    }

    /**
     * Checks every rule and builds the config.
     *
     * @return the config
     * @throws HerdGuardConfigException listing every problem, when there is at least one
     */
    public HerdGuardConfig build() {
      // A set: an operation's problem that involves no override is the base's problem again.
      Set<String> problems = new LinkedHashSet<>(sourceProblems);
      problems.addAll(new Checker(this).problems());
      problems.addAll(unknownKeys);
      Map<String, Builder> operationBuilders = new TreeMap<>();
      for (var op : operations.entrySet()) {
        String name = op.getKey();
        if (!OPERATION_NAME.matcher(name).matches()) {
          String label = op.getValue().values().iterator().next().label;
          problems.add("operation name (" + name + ") in " + label + " must match " + OPERATION_NAME.pattern());
          continue;
        }
        Builder ob = new Builder(this);
        for (var o : op.getValue().entrySet()) {
          Setting<?> s = BY_KEY.get(PREFIX + o.getKey());
          Written override = o.getValue();
          if (s == null) {
            problems.add(unknownOperationKey(override.label, override.where, name, o.getKey()));
          } else if (!s.perOperation) {
            problems.add(override.label + " (" + override.value + suffix(override.where) + ")"
                + " cannot be set per operation: "
                + s.key + " is installation-wide");
          } else {
            ob.read(s, override.value, override.label, override.where);
          }
        }
        problems.addAll(new Checker(ob).problems());
        operationBuilders.put(name, ob);
      }
      if (!problems.isEmpty()) {
        throw new HerdGuardConfigException(new ArrayList<>(problems));
      }
      Map<String, HerdGuardConfig> built = new TreeMap<>();
      Map<String, Map<String, String>> canonical = new TreeMap<>();
      operationBuilders.forEach((name, ob) -> {
        built.put(name, new HerdGuardConfig(ob.values.clone(), ob.defaultStateDir(), Map.of(), Map.of()));
        Map<String, String> keys = new LinkedHashMap<>();
        for (Setting<?> s : SETTINGS) {
          if (operations.get(name).containsKey(s.name)) {
            keys.put(s.name, ob.values[s.index] == null ? "" : s.format(ob.values[s.index]));
          }
        }
        canonical.put(name, Collections.unmodifiableMap(keys));
      });
      return new HerdGuardConfig(values.clone(), defaultStateDir(), built, canonical);
    }

    private <T> Builder put(Setting<T> s, T value) {
      values[s.index] = value;
      written[s.index] = null;
      labels[s.index] = null;
      unreadable[s.index] = null;
      where[s.index] = FROM_CODE;
      return this;
    }

    private <T> void read(Setting<T> s, String text, String label, String from) {
      try {
        s.setter.accept(this, s.kind.parser.apply(text));
      } catch (IllegalArgumentException e) {
        // Keep the previous value; the key is reported and left out of every other rule.
        unreadable[s.index] = label + " (" + text + suffix(from) + ") " + e.getMessage();
      }
      written[s.index] = text;
      labels[s.index] = label.equals(s.key) ? null : label;
      where[s.index] = from;
    }

    /**
     * The key, its value and where it came from, as a problem starts:
     * {@code herdguard.backoff.base (abc, in /etc/app/herdguard.properties)}.
     */
    String described(Setting<?> s) {
      return name(s) + " (" + shown(s) + suffix(where[s.index]) + ")";
    }

    private static String suffix(String from) {
      return from == null ? "" : ", " + from;
    }

    /** How the key is named in messages: as the user wrote it. */
    String name(Setting<?> s) {
      return labels[s.index] != null ? labels[s.index] : s.key;
    }

    /** How the value is shown in messages: as the user wrote it, else in its short form. */
    String shown(Setting<?> s) {
      if (written[s.index] != null) {
        return written[s.index];
      }
      return values[s.index] == null ? "none" : s.format(values[s.index]);
    }

    private static Double number(double value) {
      // -0.0 would print as 0 and come back as a different Double: keep one zero.
      return value == 0.0 ? 0.0 : value;
    }
  }

  /** An operation's override as written, the key as written and where it came from, for messages. */
  private static final class Written {
    final String value;
    final String label;
    final String where;

    Written(String value, String label, String where) {
      this.value = value;
      this.label = label;
      this.where = where;
    }
  }

  /**
   * The rules, checked against one builder's values. Each problem is filed under the key it names
   * first, so problems come out in the key table's order; a key already reported is left out of
   * the rules that compare it with another, which would only repeat the complaint.
   */
  private static final class Checker {
    private final Builder b;
    private final List<List<String>> byKey = new ArrayList<>();
    private final boolean[] failed = new boolean[SETTINGS.size()];

    Checker(Builder b) {
      this.b = b;
      for (Setting<?> s : SETTINGS) {
        byKey.add(new ArrayList<>());
        if (b.unreadable[s.index] != null) {
          report(s, b.unreadable[s.index]);
        }
      }
    }

    List<String> problems() {
      atLeast(STARTUP_MAX_DELAY, Duration.ZERO);
      atMostMaxDuration(STARTUP_MAX_DELAY);
      String app = v(APPLICATION);
      rule(APPLICATION, app == null || APPLICATION_NAME.matcher(app).matches(), "must be " + APPLICATION_RULE);
      if (v(STARTUP_MODE) == StartupJitter.Mode.STABLE && v(STATE_DIR) == null && !failed[STATE_DIR.index]
          && b.defaultStateDir() == null && !failed[APPLICATION.index]) {
        rule(STARTUP_MODE, false, "requires " + STATE_DIR.key + " (or " + APPLICATION.key
            + "), where the installation id is kept");
      }
      above(BACKOFF_BASE, Duration.ZERO);
      atMostMaxDuration(BACKOFF_BASE);
      above(BACKOFF_MAX, Duration.ZERO);
      atMostMaxDuration(BACKOFF_MAX);
      compare(BACKOFF_MAX, v(BACKOFF_MAX).compareTo(v(BACKOFF_BASE)) >= 0, ">=", BACKOFF_BASE);
      rule(RETRY_MAX_ATTEMPTS, v(RETRY_MAX_ATTEMPTS) >= 1, "must be >= 1");
      above(RETRY_MAX_DURATION, Duration.ZERO);
      atMostMaxDuration(RETRY_MAX_DURATION);
      above(RETRY_AFTER_MAX, Duration.ZERO);
      atMostMaxDuration(RETRY_AFTER_MAX);
      range(RETRY_AFTER_SPREAD, v(RETRY_AFTER_SPREAD) >= 0 && v(RETRY_AFTER_SPREAD) <= 1, "[0, 1]");
      double ratio = v(RETRY_BUDGET_RATIO);
      range(RETRY_BUDGET_RATIO, ratio >= 0 && ratio <= RetryBudget.MAX_RATIO, "[0, 1000]");
      rule(RETRY_BUDGET_RATIO, ratio == 0 || ratio >= MIN_POSITIVE_RATIO,
          "must be 0 or >= 0.000001: budgets count in millionths of a retry");
      double minPerSecond = v(RETRY_BUDGET_MIN_PER_SECOND);
      rule(RETRY_BUDGET_MIN_PER_SECOND, minPerSecond >= 0 && Double.isFinite(minPerSecond),
          "must be a finite number >= 0");
      rule(RETRY_BUDGET_MIN_PER_SECOND, minPerSecond <= RetryBudget.MAX_MIN_PER_SECOND, "must be <= 1000000");
      double threshold = v(BREAKER_FAILURE_RATE_THRESHOLD);
      range(BREAKER_FAILURE_RATE_THRESHOLD, threshold > 0 && threshold <= 100, "(0, 100]");
      rule(BREAKER_FAILURE_RATE_THRESHOLD, threshold >= MIN_FAILURE_RATE_THRESHOLD,
          "must be >= 0.000001: Resilience4j keeps the threshold as a float");
      rule(BREAKER_MINIMUM_CALLS, v(BREAKER_MINIMUM_CALLS) >= 1, "must be >= 1");
      rule(BREAKER_WINDOW, v(BREAKER_WINDOW) >= 1, "must be >= 1");
      rule(BREAKER_WINDOW, v(BREAKER_WINDOW) <= MAX_BREAKER_CALLS, "must be <= " + MAX_BREAKER_CALLS);
      compare(BREAKER_MINIMUM_CALLS, v(BREAKER_MINIMUM_CALLS) <= v(BREAKER_WINDOW), "<=", BREAKER_WINDOW);
      above(BREAKER_OPEN_WAIT, Duration.ZERO);
      // Resilience4j counts the open wait in whole milliseconds: less would be no wait at all.
      atLeast(BREAKER_OPEN_WAIT, Duration.ofMillis(1));
      atMostMaxDuration(BREAKER_OPEN_WAIT);
      double openWaitSpread = v(BREAKER_OPEN_WAIT_SPREAD);
      range(BREAKER_OPEN_WAIT_SPREAD, openWaitSpread >= 0 && openWaitSpread < 1, "[0, 1)");
      rule(BREAKER_HALF_OPEN_CALLS, v(BREAKER_HALF_OPEN_CALLS) >= 1, "must be >= 1");
      rule(BREAKER_HALF_OPEN_CALLS, v(BREAKER_HALF_OPEN_CALLS) <= MAX_BREAKER_CALLS,
          "must be <= " + MAX_BREAKER_CALLS);
      range(TOKEN_REFRESH_FROM, v(TOKEN_REFRESH_FROM) > 0 && v(TOKEN_REFRESH_FROM) < 1, "(0, 1)");
      range(TOKEN_REFRESH_UNTIL, v(TOKEN_REFRESH_UNTIL) > 0 && v(TOKEN_REFRESH_UNTIL) < 1, "(0, 1)");
      // Strictly: the token cache draws the refresh point in [from, until), which must not be empty.
      compare(TOKEN_REFRESH_FROM, v(TOKEN_REFRESH_FROM) < v(TOKEN_REFRESH_UNTIL), "<", TOKEN_REFRESH_UNTIL);
      atLeast(TOKEN_MIN_REMAINING, Duration.ZERO);
      atMostMaxDuration(TOKEN_MIN_REMAINING);
      above(TOKEN_DEFAULT_LIFETIME, Duration.ZERO);
      atMostMaxDuration(TOKEN_DEFAULT_LIFETIME);
      compare(TOKEN_MIN_REMAINING, v(TOKEN_MIN_REMAINING).compareTo(v(TOKEN_DEFAULT_LIFETIME)) < 0, "<",
          TOKEN_DEFAULT_LIFETIME);
      atLeast(TOKEN_EXPIRY_WARNING, Duration.ZERO);
      atMostMaxDuration(TOKEN_EXPIRY_WARNING);
      above(CHECK_INTERVAL, Duration.ZERO);
      // PeriodicCheck's own floor: a check more often than every second is a loop, not a check.
      atLeast(CHECK_INTERVAL, PeriodicCheck.MIN_INTERVAL);
      atMostMaxDuration(CHECK_INTERVAL);
      range(CHECK_SPREAD, v(CHECK_SPREAD) >= 0 && v(CHECK_SPREAD) < 1, "[0, 1)");
      rule(HOST_MIN_FAILURES, v(HOST_MIN_FAILURES) >= 1 && v(HOST_MIN_FAILURES) <= 1000, "must be in [1, 1000]");
      between(HOST_MIN_STREAK, Duration.ZERO, true, ONE_DAY);
      between(HOST_BASE, Duration.ZERO, false, ONE_DAY);
      range(HOST_MULTIPLIER, v(HOST_MULTIPLIER) >= 1 && v(HOST_MULTIPLIER) <= 10, "[1, 10]");
      between(HOST_MAX_WAIT, Duration.ZERO, false, ONE_DAY);
      compare(HOST_MAX_WAIT, v(HOST_MAX_WAIT).compareTo(v(HOST_BASE)) >= 0, ">=", HOST_BASE);
      between(HOST_DOWN_MAX_WAIT, Duration.ZERO, false, ONE_DAY);
      compare(HOST_DOWN_MAX_WAIT, v(HOST_DOWN_MAX_WAIT).compareTo(v(HOST_MAX_WAIT)) <= 0, "<=", HOST_MAX_WAIT);
      range(HOST_SPREAD, v(HOST_SPREAD) >= 0 && v(HOST_SPREAD) < 1, "[0, 1)");
      range(HOST_TIMEOUT_MULTIPLIER, v(HOST_TIMEOUT_MULTIPLIER) >= 1 && v(HOST_TIMEOUT_MULTIPLIER) <= 10, "[1, 10]");
      between(HOST_MAX_TIMEOUT, Duration.ZERO, false, ONE_DAY);
      between(HOST_USER_INTERVAL, Duration.ZERO, true, ONE_DAY);
      List<String> all = new ArrayList<>();
      byKey.forEach(all::addAll);
      return all;
    }

    private void between(Setting<Duration> s, Duration min, boolean minIncluded, Duration max) {
      boolean ok = (minIncluded ? v(s).compareTo(min) >= 0 : v(s).compareTo(min) > 0) && v(s).compareTo(max) <= 0;
      rule(s, ok, "must be in " + (minIncluded ? "[" : "(") + Durations.format(min) + ", " + Durations.format(max) + "]");
    }

    private void atLeast(Setting<Duration> s, Duration min) {
      rule(s, v(s).compareTo(min) >= 0, "must be >= " + Durations.format(min));
    }

    private void atMostMaxDuration(Setting<Duration> s) {
      rule(s, v(s).compareTo(MAX_DURATION) <= 0, "must be <= " + Durations.format(MAX_DURATION));
    }

    private void above(Setting<Duration> s, Duration min) {
      rule(s, v(s).compareTo(min) > 0, "must be > " + Durations.format(min));
    }

    private void range(Setting<Double> s, boolean ok, String interval) {
      rule(s, ok, "must be in " + interval);
    }

    private void rule(Setting<?> s, boolean ok, String rule) {
      if (!ok && !failed[s.index]) {
        report(s, b.described(s) + " " + rule);
      }
    }

    /** A rule between two keys, checked only when each is fine on its own. */
    private void compare(Setting<?> s, boolean ok, String relation, Setting<?> other) {
      if (!ok && !failed[s.index] && !failed[other.index]) {
        report(s, b.described(s) + " must be " + relation + " " + b.described(other));
      }
    }

    private void report(Setting<?> s, String problem) {
      failed[s.index] = true;
      byKey.get(s.index).add(problem);
    }

    @SuppressWarnings("unchecked")
    private <T> T v(Setting<T> s) {
      return (T) b.values[s.index];
    }
  }

  /**
   * One row of the key table: the key, how its text is read and written, its default, whether an
   * operation may override it, and the builder setter a property value goes through.
   */
  private static final class Setting<T> {
    final int index;
    final String key;
    /** The key without {@code herdguard.}, as under {@code herdguard.operations.<name>.}. */
    final String name;
    final Kind<T> kind;
    final T defaultValue;
    final boolean perOperation;
    final BiConsumer<Builder, T> setter;

    Setting(String name, Kind<T> kind, T defaultValue, boolean perOperation, BiConsumer<Builder, T> setter) {
      this.index = SETTINGS.size();
      this.key = PREFIX + name;
      this.name = name;
      this.kind = kind;
      this.defaultValue = defaultValue;
      this.perOperation = perOperation;
      this.setter = setter;
      SETTINGS.add(this);
    }

    @SuppressWarnings("unchecked")
    String format(Object value) {
      return kind.formatter.apply((T) value);
    }
  }

  /**
   * How a type of value is read from and written to text. A parser's exception message is the
   * rule the text breaks, worded to follow "key (value) ".
   */
  private static final class Kind<T> {
    static final Kind<Duration> DURATION = new Kind<>(Durations::parse, Durations::format);
    static final Kind<Integer> INT = new Kind<>(Kind::parseInt, String::valueOf);
    static final Kind<Boolean> BOOLEAN = new Kind<>(Kind::parseBoolean, String::valueOf);
    static final Kind<Double> DOUBLE = new Kind<>(Kind::parseDouble, Kind::formatDouble);
    static final Kind<Path> PATH = new Kind<>(Kind::parsePath, Path::toString);
    // Checked by the Checker, so that the builder method and a property meet the same rule.
    static final Kind<String> NAME = new Kind<>(text -> text.isEmpty() ? null : text, text -> text);
    static final Kind<Backoff.Strategy> STRATEGY =
        enumKind(Backoff.Strategy.values(), Backoff.Strategy::key);
    static final Kind<StartupJitter.Mode> MODE =
        enumKind(StartupJitter.Mode.values(), StartupJitter.Mode::key);

    private static final Pattern WHOLE = Pattern.compile("[+-]?[0-9]+");
    // Stricter than Double.parseDouble, which also takes "NaN", "1d" and hexadecimal.
    private static final Pattern DECIMAL = Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");

    final Function<String, T> parser;
    final Function<T, String> formatter;

    private Kind(Function<String, T> parser, Function<T, String> formatter) {
      this.parser = parser;
      this.formatter = formatter;
    }

    private static Integer parseInt(String text) {
      if (!WHOLE.matcher(text).matches()) {
        throw new IllegalArgumentException("must be a whole number");
      }
      try {
        return Integer.parseInt(text);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("is too large for a whole number");
      }
    }

    private static Boolean parseBoolean(String text) {
      if (text.equals("true")) {
        return Boolean.TRUE;
      }
      if (text.equals("false")) {
        return Boolean.FALSE;
      }
      throw new IllegalArgumentException("must be true or false");
    }

    private static Double parseDouble(String text) {
      if (!DECIMAL.matcher(text).matches()) {
        throw new IllegalArgumentException("must be a number such as 0.5");
      }
      double d = Double.parseDouble(text);
      if (!Double.isFinite(d)) {
        throw new IllegalArgumentException("is too large for a number");
      }
      return d;
    }

    private static String formatDouble(Double d) {
      // 50.0 reads better as 50; Double.toString is exact for the rest, so values round-trip.
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString(d.longValue()) : Double.toString(d);
    }

    private static Path parsePath(String text) {
      if (text.isEmpty()) {
        return null;
      }
      try {
        return Path.of(text);
      } catch (InvalidPathException e) {
        throw new IllegalArgumentException("must be a valid path: " + e.getReason());
      }
    }

    private static <E> Kind<E> enumKind(E[] constants, Function<E, String> key) {
      String names = Arrays.stream(constants).map(key).collect(Collectors.joining(", "));
      return new Kind<>(text -> {
        for (E e : constants) {
          if (key.apply(e).equals(text)) {
            return e;
          }
        }
        throw new IllegalArgumentException("must be one of " + names);
      }, key);
    }
  }
}

package dev.herdguard.examples.fleet;

import dev.herdguard.Cohort;
import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardConfig;
import dev.herdguard.HostState;
import dev.herdguard.PeriodicCheck;
import dev.herdguard.StartupJitter;
import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import dev.herdguard.TokenStore;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.random.RandomGenerator;

/**
 * Builds the herdguard objects of one simulated client, all from one {@link HerdGuardConfig}, on
 * the run's virtual clock and scheduler and its seeded random source: what production code builds,
 * with only time and randomness injected.
 *
 * <p>Where a client needs the objects {@link HerdGuard} hands out, it gets them from a real
 * {@code HerdGuard} ({@link #guard()}). A token cache and a periodic check are built with their
 * public builders from the same keys {@code HerdGuard} reads, because {@code HerdGuard} keeps its
 * token in a file and its periodic checks' state in a folder, and a simulated client keeps its
 * token in memory ({@link #storedToken}) and its check's phase in the simulation.
 *
 * <p>Not thread-safe: it belongs to one run.
 */
final class GuardFactory {

  private final HerdGuardConfig config;
  private final VirtualScheduler scheduler;
  private final RandomGenerator random;
  private final StartupJitter randomJitter;

  GuardFactory(HerdGuardConfig config, VirtualScheduler scheduler, RandomGenerator random) {
    this.config = forSimulation(config);
    this.scheduler = scheduler;
    this.random = random;
    this.randomJitter = StartupJitter.random(this.config.startupMaxDelay());
  }

  /**
   * The config without its per-installation files: a simulated fleet shares one config, and a
   * state folder or token file in it would be one folder for a million clients.
   */
  static HerdGuardConfig forSimulation(HerdGuardConfig config) {
    if (config.stateDir().isEmpty() && config.tokenFile().isEmpty()) {
      return config;
    }
    Properties p = config.toProperties();
    p.remove("herdguard.state-dir");
    p.remove("herdguard.token.file");
    return HerdGuardConfig.fromProperties(p);
  }

  HerdGuardConfig config() {
    return config;
  }

  /** A client's guard: its own breakers and retry budget, on virtual time. */
  HerdGuard guard() {
    return HerdGuard.builder(config)
        .withClock(scheduler.clock())
        .withRandom(random)
        .withScheduler(scheduler)
        .build();
  }

  /**
   * A client's guard whose host state is kept in {@code hosts} across the process's restarts, as
   * the {@code hosts} file in its state folder keeps it.
   */
  HerdGuard guard(HostState.Store hosts) {
    return HerdGuard.builder(config)
        .withClock(scheduler.clock())
        .withRandom(random)
        .withScheduler(scheduler)
        .withHostStore(hosts)
        .build();
  }

  /**
   * The delay before a client's first contact after start, from {@code herdguard.startup.*}. In
   * {@code stable} mode each client is an installation of its own, with a random id.
   */
  Duration startupDelay() {
    if (config.startupMode() == StartupJitter.Mode.STABLE) {
      Cohort installation = Cohort.of(new UUID(random.nextLong(), random.nextLong()));
      return StartupJitter.stable(config.startupMaxDelay(), installation).delay(random);
    }
    return randomJitter.delay(random);
  }

  /** A token cache configured as {@link HerdGuard#tokenCache} configures one, keeping its token in {@code store}. */
  TokenCache tokenCache(TokenCache.Login login, TokenStore store) {
    return TokenCache.builder(login)
        .withClock(scheduler.clock())
        .withRandom(random)
        .withExecutor(scheduler)
        .withBackoff(config.backoff())
        .withRefreshWindow(config.tokenRefreshFrom(), config.tokenRefreshUntil())
        .withMinRemaining(config.tokenMinRemaining())
        .withDefaultLifetime(config.tokenDefaultLifetime())
        .withExpiryWarning(config.tokenExpiryWarning())
        .withStore(store)
        .build();
  }

  /**
   * A periodic check configured as {@link HerdGuard#periodicCheck} configures one, whose first run
   * comes after {@code firstDelay}.
   */
  PeriodicCheck periodicCheck(String name, Callable<?> task, Duration firstDelay) {
    return PeriodicCheck.builder(name, task)
        .withInterval(config.checkInterval())
        .withSpread(config.checkSpread())
        .withStartupDelay(firstDelay)
        .withClock(scheduler.clock())
        .withRandom(random)
        .withScheduler(scheduler)
        .build();
  }

  /** A store holding one token, as the token file would after a restart; saves are kept in memory. */
  static TokenStore storedToken(Token token) {
    return new MemoryTokenStore(token);
  }

  /**
   * A {@link TokenStore} in memory: what the token file holds, without the file. Thread-safe
   * enough for its one user, a single-threaded simulation.
   */
  private static final class MemoryTokenStore implements TokenStore {
    private Token token;

    MemoryTokenStore(Token token) {
      this.token = token;
    }

    @Override
    public Optional<Token> load() throws IOException {
      return Optional.ofNullable(token);
    }

    @Override
    public void save(Token token) throws IOException {
      this.token = token;
    }

    @Override
    public void clear() throws IOException {
      token = null;
    }

    @Override
    public String toString() {
      return "MemoryTokenStore";
    }
  }
}

package dev.herdguard.micrometer;

import dev.herdguard.GuardedOperation;
import dev.herdguard.HerdGuardListener;
import dev.herdguard.HostState;
import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * herdguard's events as Micrometer meters. It is a {@link HerdGuardListener}: give it to the guard
 * ({@code HerdGuard.builder(config).withListener(metrics)}), and the guard's operations and token
 * caches report through it.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>counts</th></tr>
 *   <tr><td>{@code herdguard.retries}</td><td>counter</td><td>operation, host</td><td>retries decided (each one waits its backoff first)</td></tr>
 *   <tr><td>{@code herdguard.retries.exhausted}</td><td>counter</td><td>operation, host</td><td>calls that gave up: attempts, duration, or a retry the caller refused</td></tr>
 *   <tr><td>{@code herdguard.retry.budget.exhausted}</td><td>counter</td><td>host</td><td>retries the host's budget refused</td></tr>
 *   <tr><td>{@code herdguard.retry.after.too.long}</td><td>counter</td><td>operation, host</td><td>server hints over {@code retry.retry-after.max}</td></tr>
 *   <tr><td>{@code resilience4j.circuitbreaker.state}</td><td>gauge</td><td>name, state</td><td>1 for the breaker's current state, 0 for the others (Resilience4j's own meter)</td></tr>
 *   <tr><td>{@code resilience4j.circuitbreaker.not.permitted.calls}</td><td>counter</td><td>name, kind=not_permitted</td><td>calls an open breaker refused (Resilience4j's name)</td></tr>
 *   <tr><td>{@code herdguard.token.logins}</td><td>counter</td><td>outcome=success|failure</td><td>logins and refreshes</td></tr>
 *   <tr><td>{@code herdguard.token.expiry.warnings}</td><td>counter</td><td></td><td>tokens near expiry whose refresh keeps failing</td></tr>
 *   <tr><td>{@code herdguard.token.store.failures}</td><td>counter</td><td></td><td>token files that could not be read or written</td></tr>
 *   <tr><td>{@code herdguard.token.remaining}</td><td>time gauge</td><td>cache</td><td>time left on the current token, 0 without one ({@link #bindTokenCache})</td></tr>
 * </table>
 *
 * <p><b>Names and cardinality.</b> A guarded operation is named {@code <operation>@<host>} ({@code
 * http@api.example.com}) or just {@code <operation>}; the tags split it, with {@code host=none} for
 * an operation without a host. Tags carry operation names and host names, never URLs, paths or
 * users: their number is that of the backends a client talks to. Breaker meters use Resilience4j's
 * names and tag keys ({@code name} is the breaker's, that is the operation's, name), so one dashboard
 * shows herdguard's breakers beside the application's own.
 *
 * <p><b>Breakers.</b> A breaker's meters appear with its first event (a state change, a refused
 * call), or at once with {@link #bind(GuardedOperation)}. With {@link
 * Builder#withCircuitBreakerRegistry} they are left to Resilience4j instead: {@link #bind} adds the
 * operation's breaker to that registry, where {@code resilience4j-micrometer}'s {@code
 * TaggedCircuitBreakerMetrics} (bound by the application) meters it with the rest, and this class
 * registers no breaker meter of its own, so nothing is counted twice.
 *
 * <p>Thread-safe: events arrive on callers' and schedulers' threads; each costs a map lookup and a
 * counter increment.
 */
public final class HerdGuardMetrics implements HerdGuardListener {

  private static final String NO_HOST = "none";

  private final MeterRegistry registry;
  private final Tags tags;
  private final CircuitBreakerRegistry breakers;
  private final InstantSource clock;
  private final ConcurrentHashMap<String, Counter> retries = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> exhausted = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> budgetRefusals = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Timer> hostWaits = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> hintsTooLong = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, BreakerMeters> breakerMeters = new ConcurrentHashMap<>();
  private final Counter loginSuccesses;
  private final Counter loginFailures;
  private final Counter expiryWarnings;
  private final Counter storeFailures;

  private HerdGuardMetrics(Builder b) {
    this.registry = b.registry;
    this.tags = b.tags;
    this.breakers = b.breakers;
    this.clock = b.clock;
    this.loginSuccesses = Counter.builder("herdguard.token.logins").tags(tags).tag("outcome", "success")
        .description("Logins and token refreshes").register(registry);
    this.loginFailures = Counter.builder("herdguard.token.logins").tags(tags).tag("outcome", "failure")
        .description("Logins and token refreshes").register(registry);
    this.expiryWarnings = Counter.builder("herdguard.token.expiry.warnings").tags(tags)
        .description("Tokens near expiry whose refresh keeps failing").register(registry);
    this.storeFailures = Counter.builder("herdguard.token.store.failures").tags(tags)
        .description("Token files that could not be read or written").register(registry);
  }

  /**
   * Meters in {@code registry}, without common tags, herdguard metering its own breakers.
   *
   * @param registry where the meters go
   * @return the metrics; pass them to {@code HerdGuard.Builder.withListener}
   * @throws NullPointerException if {@code registry} is null
   */
  public static HerdGuardMetrics create(MeterRegistry registry) {
    return builder(registry).build();
  }

  /**
   * A builder for meters in {@code registry}.
   *
   * @param registry where the meters go
   * @return a builder with the defaults of {@link #create}
   * @throws NullPointerException if {@code registry} is null
   */
  public static Builder builder(MeterRegistry registry) {
    return new Builder(registry);
  }

  /**
   * Meters {@code operation}'s breaker now, before its first event; or, with {@link
   * Builder#withCircuitBreakerRegistry}, adds the breaker to that registry under the operation's
   * name. Binding an operation twice does nothing more.
   *
   * @param operation an operation of the guard these metrics listen to, such as {@code
   *     guard.operation("http", "api.example.com")}
   * @return these metrics
   * @throws NullPointerException if {@code operation} is null
   */
  public HerdGuardMetrics bind(GuardedOperation operation) {
    Objects.requireNonNull(operation, "operation");
    CircuitBreaker breaker = operation.circuitBreaker();
    if (breakers != null) {
      addToRegistry(breaker);
    } else {
      breakerMeters(operation.name()).breaker = breaker;
    }
    return this;
  }

  /**
   * Meters the time left on {@code cache}'s current token as {@code herdguard.token.remaining}, tag
   * {@code cache=name}: 0 while it holds no valid token. The gauge keeps a reference to the cache.
   *
   * @param name names the cache in the tag: a constant such as {@code login}, never a user or a URL
   * @param cache the cache
   * @return these metrics
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public HerdGuardMetrics bindTokenCache(String name, TokenCache cache) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(cache, "cache");
    if (name.isBlank()) {
      throw new IllegalArgumentException("token cache name (\"" + name + "\") must not be blank");
    }
    TimeGauge.builder("herdguard.token.remaining", cache, TimeUnit.MILLISECONDS, this::millisLeft)
        .tags(tags).tag("cache", name)
        .description("Time left on the current login token; 0 without one")
        .strongReference(true)
        .register(registry);
    return this;
  }

  private double millisLeft(TokenCache cache) {
    Instant now = clock.instant();
    return cache.peek().flatMap(Token::expiresAt)
        .map(expiry -> (double) Math.max(0, Duration.between(now, expiry).toMillis()))
        .orElse(0.0);
  }

  @Override
  public void onRetry(String operation, int attempt, Duration delay, Throwable cause) {
    operationCounter(retries, "herdguard.retries", "Retries of guarded operations", operation).increment();
  }

  @Override
  public void onRetriesExhausted(String operation, int attempts, Duration elapsed, Throwable lastCause) {
    operationCounter(exhausted, "herdguard.retries.exhausted", "Guarded calls that gave up retrying", operation)
        .increment();
  }

  @Override
  public void onRetryAfterTooLong(String operation, Duration asked) {
    operationCounter(hintsTooLong, "herdguard.retry.after.too.long",
        "Server hints longer than herdguard.retry.retry-after.max", operation).increment();
  }

  @Override
  public void onBudgetExhausted(String host) {
    budgetRefusals.computeIfAbsent(host, h -> Counter.builder("herdguard.retry.budget.exhausted")
        .tags(tags).tag("host", h)
        .description("Retries the host's retry budget refused")
        .register(registry)).increment();
  }

  /**
   * A host's state set a wait after a streak of failures (or a server's hint): {@code
   * herdguard.host.waits}, a timer per host, counts them and records how long each was.
   */
  @Override
  public void onHostWait(String host, int failures, Duration wait) {
    hostWaits.computeIfAbsent(host, h -> Timer.builder("herdguard.host.waits")
        .tags(tags).tag("host", h)
        .description("Waits a host's failures in a row (or its server's hint) set before the next attempt")
        .register(registry)).record(wait);
  }

  /**
   * Binds the time left before the next attempt to {@code host} may start, as the time gauge
   * {@code herdguard.host.wait.remaining} tagged with the host: zero while it is healthy.
   *
   * @param host the host's state, from {@code guard.host(name)}
   * @return this
   */
  public HerdGuardMetrics bindHost(HostState host) {
    Objects.requireNonNull(host, "host");
    TimeGauge.builder("herdguard.host.wait.remaining", host, TimeUnit.MILLISECONDS,
            h -> h.remainingWait().toMillis())
        .tags(tags).tag("host", host.host())
        .description("Time left before the next attempt to the host may start")
        .register(registry);
    return this;
  }

  @Override
  public void onBreakerStateChange(String breaker, CircuitBreaker.State from, CircuitBreaker.State to) {
    if (breakers == null) {
      breakerMeters(breaker).lastSeen = to;
    }
  }

  @Override
  public void onBreakerRejected(String breaker) {
    if (breakers == null) {
      BreakerMeters meters = breakerMeters(breaker);
      if (meters.lastSeen == CircuitBreaker.State.CLOSED && meters.breaker == null) {
        meters.lastSeen = CircuitBreaker.State.OPEN; // a refusal says so, even before its state change was seen
      }
      meters.notPermitted.increment();
    }
  }

  @Override
  public void onLogin(Duration lifetime) {
    loginSuccesses.increment();
  }

  @Override
  public void onLoginFailed(Throwable cause, Duration retryIn) {
    loginFailures.increment();
  }

  @Override
  public void onTokenExpiryWarning(Duration left) {
    expiryWarnings.increment();
  }

  @Override
  public void onTokenStoreFailure(Throwable cause) {
    storeFailures.increment();
  }

  private Counter operationCounter(ConcurrentHashMap<String, Counter> counters, String meter,
      String description, String operation) {
    Counter counter = counters.get(operation);
    if (counter == null) {
      counter = counters.computeIfAbsent(operation, op -> Counter.builder(meter)
          .tags(tags).tags(operationTags(op)).description(description).register(registry));
    }
    return counter;
  }

  /** {@code http@api.example.com} as operation=http, host=api.example.com. */
  static Tags operationTags(String operation) {
    int at = operation.indexOf('@');
    if (at < 0) {
      return Tags.of("operation", operation, "host", NO_HOST);
    }
    return Tags.of("operation", operation.substring(0, at), "host", operation.substring(at + 1));
  }

  private BreakerMeters breakerMeters(String name) {
    BreakerMeters meters = breakerMeters.get(name);
    if (meters == null) {
      meters = breakerMeters.computeIfAbsent(name, n -> new BreakerMeters(n, this));
    }
    return meters;
  }

  /**
   * Adds {@code breaker} under its own name. The registry has no public "add this instance": a
   * placeholder is created, then replaced, which Resilience4j's metrics follow (they re-meter a
   * replaced entry). A name already taken by another breaker is replaced likewise.
   */
  private void addToRegistry(CircuitBreaker breaker) {
    String name = breaker.getName();
    if (breakers.find(name).filter(existing -> existing == breaker).isPresent()) {
      return;
    }
    breakers.circuitBreaker(name, CircuitBreakerConfig.ofDefaults());
    breakers.replace(name, breaker);
  }

  @Override
  public String toString() {
    return "HerdGuardMetrics[" + registry.getClass().getSimpleName() + ", tags=" + tags
        + (breakers != null ? ", breakers in a CircuitBreakerRegistry" : "") + "]";
  }

  /** One breaker's meters: a gauge per state, as Resilience4j registers them, and the refusals. */
  private static final class BreakerMeters {
    /** The live breaker once bound; its state wins over the events'. */
    volatile CircuitBreaker breaker;
    /** The state the last event reported: a breaker starts closed. */
    volatile CircuitBreaker.State lastSeen = CircuitBreaker.State.CLOSED;
    final Counter notPermitted;

    BreakerMeters(String name, HerdGuardMetrics metrics) {
      for (CircuitBreaker.State state : CircuitBreaker.State.values()) {
        Gauge.builder("resilience4j.circuitbreaker.state", this, m -> m.state() == state ? 1 : 0)
            .tags(metrics.tags).tag("name", name).tag("state", state.name().toLowerCase(Locale.ROOT))
            .description("The states of the circuit breaker")
            .register(metrics.registry);
      }
      this.notPermitted = Counter.builder("resilience4j.circuitbreaker.not.permitted.calls")
          .tags(metrics.tags).tag("name", name).tag("kind", "not_permitted")
          .description("Total number of not permitted calls")
          .register(metrics.registry);
    }

    CircuitBreaker.State state() {
      CircuitBreaker b = breaker;
      return b != null ? b.getState() : lastSeen;
    }
  }

  /**
   * Builds {@link HerdGuardMetrics}. Not thread-safe; the last call of a setter wins.
   */
  public static final class Builder {
    private final MeterRegistry registry;
    private Tags tags = Tags.empty();
    private CircuitBreakerRegistry breakers;
    private InstantSource clock = InstantSource.system();

    private Builder(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Tags added to every meter, such as {@code application=desktop}. Default: none.
     *
     * @param tags the common tags
     * @return this builder
     * @throws NullPointerException if {@code tags} is null
     */
    public Builder withTags(Iterable<Tag> tags) {
      this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
      return this;
    }

    /**
     * Leaves the breakers to Resilience4j's meters: {@link HerdGuardMetrics#bind} adds each bound
     * operation's breaker to {@code registry}, and no breaker meter of herdguard's is registered.
     * For applications that already bind {@code TaggedCircuitBreakerMetrics} to that registry.
     * Default: none, herdguard meters its breakers itself.
     *
     * @param registry the application's circuit breaker registry
     * @return this builder
     * @throws NullPointerException if {@code registry} is null
     */
    public Builder withCircuitBreakerRegistry(CircuitBreakerRegistry registry) {
      this.breakers = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * The clock a token's expiry is compared with: the token cache's, the system clock by default.
     *
     * @return this builder
     * @throws NullPointerException if {@code clock} is null
     */
    public Builder withClock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The metrics; the counters that do not depend on an operation are registered now, at 0.
     *
     * @return new metrics
     */
    public HerdGuardMetrics build() {
      return new HerdGuardMetrics(this);
    }
  }
}

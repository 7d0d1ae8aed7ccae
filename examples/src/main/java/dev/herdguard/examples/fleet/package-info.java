/**
 * The fleet simulator: a whole fleet's restart (or slowdown, or mass expiry, or bad push) played on
 * virtual time against a server that can collapse, with a naive policy beside herdguard's real
 * objects.
 *
 * <p>Each herdguard client calls what production code calls: {@code HerdGuard} (breaker, backoff,
 * retry budget, server hints, through {@code operation(name).callAsync}), {@code StartupJitter},
 * {@code TokenCache} over an in-memory {@code TokenStore}, {@code PeriodicCheck} and
 * {@code Cohort}, all built with the run's {@link dev.herdguard.examples.fleet.VirtualScheduler}
 * as clock and scheduler and one seeded random source. Nothing of herdguard is re-implemented;
 * what is modelled is the world around it: when machines reboot, the server
 * ({@link dev.herdguard.examples.fleet.SimServer}), and the naive baseline.
 *
 * <p>Entry point: {@link dev.herdguard.examples.fleet.FleetSimulator}, run by {@code bin/demo}.
 */
package dev.herdguard.examples.fleet;

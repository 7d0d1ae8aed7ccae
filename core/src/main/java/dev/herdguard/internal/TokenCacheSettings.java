package dev.herdguard.internal;

import dev.herdguard.Backoff;
import dev.herdguard.HerdGuardListener;
import dev.herdguard.TokenCache;
import dev.herdguard.TokenStore;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * A {@link TokenCache.Builder}'s checked settings, handed to {@link DefaultTokenCache}. Not part of
 * the public API.
 *
 * @param ticker the monotonic clock the failure backoff is measured on
 * @param executor null when the cache is to create (and own) its executor
 */
public record TokenCacheSettings(
    TokenCache.Login login,
    InstantSource clock,
    LongSupplier ticker,
    RandomGenerator random,
    ScheduledExecutorService executor,
    TokenStore store,
    Backoff backoff,
    double refreshFrom,
    double refreshUntil,
    Duration minRemaining,
    Duration defaultLifetime,
    Duration expiryWarning,
    Duration maxWait,
    HerdGuardListener listener) {}

package dev.herdguard;

import java.util.concurrent.Callable;

/**
 * A piece of guarded work that returns a value and may throw the checked exception {@code X}, such
 * as {@code () -> authClient.login()} declared {@code throws IOException}: what
 * {@link GuardedOperation#call(CheckedCallable)} runs.
 *
 * <p>Why a type of its own rather than {@link Callable}: {@code Callable.call()} throws
 * {@code Exception}, so a method taking a {@code Callable} has to throw {@code Exception} too, and
 * every caller needs a catch-all. With {@code X} a type parameter the compiler infers it from the
 * lambda, and the guarded call throws exactly what the lambda throws ({@code IOException} for a
 * login over HTTP, nothing checked for a lambda that throws nothing). Failsafe takes a
 * {@code CheckedSupplier} instead and wraps every checked exception in one unchecked
 * {@code FailsafeException}, which callers then unwrap; Resilience4j has a {@code CheckedSupplier}
 * whose {@code get()} throws {@code Throwable}, so its decorated calls throw {@code Throwable}.
 * herdguard keeps the caller's own exception, unwrapped, and its own type in the signature.
 *
 * <p>It extends {@link Callable}, so it goes wherever a {@code Callable} does, and a lambda given to
 * an API with both overloads picks this one (the more specific type).
 *
 * @param <T> the result type
 * @param <X> the checked exception the work may throw; inferred as {@link RuntimeException} when it
 *     throws none
 */
@FunctionalInterface
public interface CheckedCallable<T, X extends Exception> extends Callable<T> {

  /**
   * Does the work.
   *
   * @return the result
   * @throws X when the work fails
   */
  @Override
  T call() throws X;
}

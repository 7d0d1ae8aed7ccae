package dev.herdguard;

/**
 * A piece of work that returns nothing and may throw the checked exception {@code X}, such as
 * {@code updater::checkNow} declared {@code void checkNow() throws IOException}: what
 * {@link GuardedOperation#run(CheckedRunnable)} and
 * {@link HerdGuard#periodicCheck(String, CheckedRunnable)} run. It exists because a {@code void}
 * method is neither a {@link java.util.concurrent.Callable} nor, when it throws a checked
 * exception, a {@link Runnable}; see {@link CheckedCallable} for why the exception is a type
 * parameter.
 *
 * @param <X> the checked exception the work may throw; inferred as {@link RuntimeException} when it
 *     throws none
 */
@FunctionalInterface
public interface CheckedRunnable<X extends Exception> {

  /**
   * Does the work.
   *
   * @throws X when the work fails
   */
  void run() throws X;
}

package dev.herdguard;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records the token events a cache sends. Thread-safe. */
final class RecordingListener implements HerdGuardListener {

  final List<Duration> logins = new CopyOnWriteArrayList<>();
  final List<Duration> failures = new CopyOnWriteArrayList<>();
  final List<Throwable> failureCauses = new CopyOnWriteArrayList<>();
  final List<Duration> expiryWarnings = new CopyOnWriteArrayList<>();
  final List<Throwable> storeFailures = new CopyOnWriteArrayList<>();

  @Override
  public void onLogin(Duration lifetime) {
    logins.add(lifetime);
  }

  @Override
  public void onLoginFailed(Throwable cause, Duration retryIn) {
    failureCauses.add(cause);
    failures.add(retryIn);
  }

  @Override
  public void onTokenExpiryWarning(Duration left) {
    expiryWarnings.add(left);
  }

  @Override
  public void onTokenStoreFailure(Throwable cause) {
    storeFailures.add(cause);
  }
}

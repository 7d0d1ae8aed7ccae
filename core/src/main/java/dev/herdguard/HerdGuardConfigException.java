package dev.herdguard;

import java.util.List;

/**
 * A herdguard configuration that breaks one or more rules. It lists every problem at once, each
 * naming the key as it was written (a property key, or the environment variable it came from), the
 * value as it was written, where it came from (a file's path, the classpath resource, a {@code -D}
 * system property, {@code set in code}), and the rule it breaks, such as
 * {@code herdguard.backoff.max (50ms, in /etc/app/herdguard.properties) must be >=
 * herdguard.backoff.base (100ms, from a -D system property)}; so a fleet operator fixes a file in
 * one pass instead of one restart per mistake. Every limit that a part of herdguard enforces is a
 * rule here, so a config that builds works everywhere.
 *
 * <p>Thrown by {@link HerdGuardConfig.Builder#build()}, and so by {@link HerdGuardConfig#load()} and
 * {@link HerdGuardConfig#fromProperties}. Immutable and thread-safe.
 */
public final class HerdGuardConfigException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  HerdGuardConfigException(List<String> problems) {
    super(message(problems));
    this.problems = List.copyOf(problems);
  }

  /**
   * Every problem found, one sentence each, in a stable order: problems with the sources first,
   * then the keys in the order of the key table, then unknown keys, then per-operation overrides.
   *
   * @return an unmodifiable, non-empty list
   */
  public List<String> problems() {
    return problems;
  }

  private static String message(List<String> problems) {
    var sb = new StringBuilder("invalid herdguard configuration (")
        .append(problems.size())
        .append(problems.size() == 1 ? " problem):" : " problems):");
    for (String p : problems) {
      sb.append("\n  - ").append(p);
    }
    return sb.toString();
  }
}

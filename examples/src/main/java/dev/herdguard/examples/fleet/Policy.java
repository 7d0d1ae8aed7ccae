package dev.herdguard.examples.fleet;

/** The two ways a simulated fleet behaves, side by side in every scenario. */
public enum Policy {
  /**
   * What apps did: log in at every start, retry after a short fixed interval, keep no token, take
   * an update as soon as it is offered.
   */
  NAIVE("naive"),
  /** herdguard's real objects with its defaults, or the properties the user gives. */
  HERDGUARD("herdguard");

  private final String label;

  Policy(String label) {
    this.label = label;
  }

  /** The name shown in tables and charts. */
  public String label() {
    return label;
  }
}

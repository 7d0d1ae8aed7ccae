package dev.herdguard;

/**
 * How long a client waits after start before its first contact with the server.
 * (Being written: only the mode is here yet.)
 */
public final class StartupJitter {

  /** How the delay is drawn; names as in the {@code herdguard.startup.mode} key. */
  public enum Mode {
    /** {@code random}: a fresh uniform draw in [0, max] at every start. */
    RANDOM("random"),
    /** {@code stable}: one offset per installation, the same at every start. */
    STABLE("stable");

    private final String key;

    Mode(String key) {
      this.key = key;
    }

    /** The name used in configuration. */
    public String key() {
      return key;
    }

    /**
     * The mode with the given configuration name.
     *
     * @throws IllegalArgumentException if no mode has that name
     */
    public static Mode fromKey(String key) {
      for (Mode m : values()) {
        if (m.key.equals(key)) {
          return m;
        }
      }
      throw new IllegalArgumentException("startup mode (" + key + ") must be one of random, stable");
    }
  }

  private StartupJitter() {}
}

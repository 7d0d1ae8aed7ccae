package dev.herdguard.examples;

import dev.herdguard.examples.fleet.FleetSimulator;
import dev.herdguard.examples.loopback.LoopbackDemo;
import java.util.Arrays;
import java.util.List;

/**
 * herdguard's main job, run by {@code bin/demo}: the fleet simulator. With no arguments it plays
 * {@code patch-tuesday} (the Skype incident of 2007), naive against herdguard, with tokens kept
 * across the restart and without, prints the table and where the chart is; {@code bin/demo
 * <scenario> [--flags]} plays another scenario, {@code --help} lists them, and {@code bin/demo
 * loopback [--flags]} runs the loopback demo: the same story over real sockets.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) throws Exception {
    quietLogs();
    if (args.length > 0 && args[0].equals("loopback")) {
      LoopbackDemo.main(Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    int status = FleetSimulator.run(List.of(args), System.out, System.err);
    if (status != 0) {
      System.exit(status);
    }
  }

  /**
   * A simulated fleet of a million clients would log a million lines of herdguard's warnings
   * (retry budget exhausted, breaker opened): keep herdguard's logger to errors unless the user
   * chose a level. Must run before the first logger is created.
   */
  static void quietLogs() {
    if (System.getProperty("org.slf4j.simpleLogger.log.dev.herdguard") == null) {
      System.setProperty("org.slf4j.simpleLogger.log.dev.herdguard", "error");
    }
  }
}

package dev.herdguard.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.Backoff;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MainTest {

  @Test
  void naiveBackoffBringsTheWholeFleetBackInOneSecondAndJitterSpreadsIt() {
    Duration base = Duration.ofMillis(500);
    Duration max = Duration.ofSeconds(60);
    int naive = Main.busiestSecond(Backoff.exponential(base, max), 10_000, 5);
    int jittered = Main.busiestSecond(Backoff.decorrelatedJitter(base, max), 10_000, 5);
    assertEquals(10_000, naive, "every client retries in lock-step");
    assertTrue(jittered < naive / 4, "decorrelated jitter's busiest second: " + jittered);
  }

  @Test
  void printsOneRowPerStrategy() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Main.run(1_000, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);
    for (Backoff.Strategy s : Backoff.Strategy.values()) {
      assertTrue(out.contains(s.key()), out);
    }
  }
}

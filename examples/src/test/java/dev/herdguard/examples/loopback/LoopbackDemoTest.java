package dev.herdguard.examples.loopback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.examples.loopback.LoopbackDemo.Options;
import dev.herdguard.examples.loopback.LoopbackDemo.Report;
import dev.herdguard.examples.loopback.LoopbackDemo.Row;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole demo, small, on a random loopback port: 300 clients restart within a second against a
 * server of 50 logins/s whose queue holds 2 seconds of work. The burst is three times what the
 * queue holds, so half the naive fleet is turned away at once, and turned away again when it comes
 * back a second later, however fast the machine is. It gets 8 seconds (more would only cost CPU).
 * Then herdguard, cold and warm over the token files the cold run wrote, with its startup delay
 * scaled to 12 s, twice the 6 s the fleet's logins need at capacity: a margin that keeps the story
 * true on a machine so busy that the server's worker and the clients' timers run late. herdguard's
 * runs end when every client is online; their 30 s limit is only a backstop. About 25 seconds.
 *
 * <p>Asserts the story, never a duration: a busy machine changes how long each run takes, not who
 * wins.
 */
class LoopbackDemoTest {

  private static final String[] FLEET = {
      "--clients", "300", "--capacity", "50", "--window", "1s", "--queue", "2s", "--timeout", "2s"};

  @Test
  void herdguardLogsTheFleetInWithOneRequestEachAndARestartSendsNone(@TempDir Path tokens) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    Report naiveRun = LoopbackDemo.run(Options.parse(with("--limit", "8s", "--runs", "naive")), out);
    Report guarded = LoopbackDemo.run(Options.parse(with("--limit", "30s", "--runs", "cold,warm",
        "--time-scale", "5", "--dir", tokens.toString())), out);

    String printed = bytes.toString(StandardCharsets.UTF_8);
    System.out.print(printed); // kept in the surefire report, for whoever reads a failure
    Row naive = naiveRun.row("naive", "none").orElseThrow();
    Row cold = guarded.row("herdguard", "cold").orElseThrow();
    Row warm = guarded.row("herdguard", "warm").orElseThrow();

    assertEquals(300, cold.online(), "every herdguard client online after a cold start\n" + printed);
    assertEquals(300, warm.online(), "every herdguard client online after a warm restart\n" + printed);
    assertEquals(300, cold.logins(), printed);
    assertTrue(cold.requestsPerLogin() < 1.2, "herdguard cold: about one request per login\n" + printed);
    assertTrue(naive.requestsPerLogin() >= 1.5 * cold.requestsPerLogin(),
        "herdguard cold sends clearly fewer requests per login than naive\n" + printed);
    assertTrue(cold.wasted() < naive.wasted(), printed);
    assertTrue(warm.requests() <= 3 && warm.logins() <= 3,
        "a warm restart sends at most 1% of the fleet in logins\n" + printed);
    assertTrue(cold.online99Millis() >= 0 && warm.online99Millis() >= 0, printed);
    assertFalse(printed.contains("WARNING"), "the shared scheduler never held logins back\n" + printed);

    for (int i = 0; i < 300; i++) {
      assertTrue(Files.isRegularFile(tokens.resolve("client-" + i).resolve("token")), "token file of client " + i);
    }
    assertTrue(printed.contains("req/login"), printed);
    assertTrue(printed.lines().anyMatch(l -> l.startsWith("naive      none")), printed);
    assertTrue(printed.lines().anyMatch(l -> l.startsWith("herdguard  cold")), printed);
    assertTrue(printed.lines().anyMatch(l -> l.startsWith("herdguard  warm")), printed);
  }

  private static String[] with(String... more) {
    String[] all = new String[FLEET.length + more.length];
    System.arraycopy(FLEET, 0, all, 0, FLEET.length);
    System.arraycopy(more, 0, all, FLEET.length, more.length);
    return all;
  }
}

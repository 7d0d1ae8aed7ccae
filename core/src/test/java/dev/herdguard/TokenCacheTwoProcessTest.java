package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two JVMs on one token file: the test's and a second {@code java} process running {@link
 * TokenFileChild}. They coordinate over the child's stdin and stdout, never by sleeping; timeouts
 * are generous because a second JVM starts slowly on a busy machine.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TokenCacheTwoProcessTest {

  @TempDir
  Path dir;

  private final List<Process> children = new ArrayList<>();

  @AfterEach
  void killChildren() throws InterruptedException {
    for (Process p : children) {
      p.destroyForcibly();
      p.waitFor(60, TimeUnit.SECONDS);
    }
  }

  private final class Child {
    final Process process;
    final BufferedReader out;
    final Writer in;
    final Path err;

    Child(String mode) throws IOException {
      String java = ProcessHandle.current().info().command()
          .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      // Surefire may put the real class path in a manifest-only jar; both forms work with -cp.
      String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
      err = dir.resolve("child-" + children.size() + ".err");
      ProcessBuilder pb = new ProcessBuilder(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", classPath,
          TokenFileChild.class.getName(), tokenFile().toString(), counter().toString(), mode);
      pb.redirectError(err.toFile());
      process = pb.start();
      children.add(process);
      out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      in = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    void expect(String line) throws IOException {
      String got = out.readLine();
      assertEquals(line, got, "child said; its stderr: " + stderr());
    }

    void send(String line) throws IOException {
      in.write(line + "\n");
      in.flush();
    }

    String stderr() {
      try {
        return Files.exists(err) ? Files.readString(err) : "";
      } catch (IOException e) {
        return e.toString();
      }
    }
  }

  private Path tokenFile() {
    return dir.resolve("state").resolve("token");
  }

  private Path counter() {
    return dir.resolve("logins");
  }

  private List<String> logins() throws IOException {
    return Files.exists(counter()) ? Files.readAllLines(counter()) : List.of();
  }

  private TokenCache parentCache(TokenCache.Login login) {
    return TokenCache.builder(login).withFile(tokenFile()).withMaxWait(Duration.ofSeconds(120)).build();
  }

  private void countParentLogin() throws IOException {
    Files.writeString(counter(), "parent\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  @Test
  void processThatWaitedForTheLockReadsTheTokenTheOtherWrote() throws Exception {
    Child child = new Child("normal");
    child.expect("ready"); // its cache is built and holds no token
    try (TokenCache cache = parentCache(previous -> {
      countParentLogin();
      // Holding the file lock: release the child and let it reach its own login attempt.
      child.send("go");
      child.expect("getting");
      return Token.of("from-parent", Instant.now().plus(Duration.ofHours(1)));
    })) {
      assertEquals("from-parent", cache.get().value());
      child.expect("token from-parent");
      assertTrue(child.process.waitFor(120, TimeUnit.SECONDS));
      assertEquals(0, child.process.exitValue(), child.stderr());
    }
    assertEquals(List.of("parent"), logins());
  }

  @Test
  void twoProcessesReleasedTogetherLogInOnceBetweenThem() throws Exception {
    Child child = new Child("normal");
    child.expect("ready");
    try (TokenCache cache = parentCache(previous -> {
      countParentLogin();
      return Token.of("from-parent", Instant.now().plus(Duration.ofHours(1)));
    })) {
      child.send("go");
      String mine = cache.get().value();
      child.expect("getting");
      child.expect("token " + mine);
      assertTrue(child.process.waitFor(120, TimeUnit.SECONDS));
      assertEquals(0, child.process.exitValue(), child.stderr());
    }
    assertEquals(1, logins().size(), "logins: " + logins());
  }

  @Test
  void lockOfAProcessKilledInTheMiddleOfItsLoginDiesWithIt() throws Exception {
    Child child = new Child("hang");
    child.expect("ready");
    child.send("go");
    child.expect("getting");
    child.expect("in-login"); // the child holds the file lock now, and never lets go
    try (TokenCache cache = parentCache(previous -> {
      countParentLogin();
      return Token.of("from-parent", Instant.now().plus(Duration.ofHours(1)));
    })) {
      CompletableFuture<Token> waiting = cache.getAsync();
      assertFalse(waiting.isDone());
      child.process.destroyForcibly();
      assertTrue(child.process.waitFor(120, TimeUnit.SECONDS));
      assertEquals("from-parent", waiting.get(120, TimeUnit.SECONDS).value());
    }
    assertEquals(List.of("child", "parent"), logins());
    assertTrue(Files.exists(tokenFile().resolveSibling("token.lock")), "the lock file stays, and blocks no one");
  }
}

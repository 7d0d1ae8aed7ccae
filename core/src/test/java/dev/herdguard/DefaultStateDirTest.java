package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.testing.FakeClock;
import dev.herdguard.testing.FixedRandom;
import dev.herdguard.testing.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 2: keeping the token across restarts is on as soon as the application says its
 * name, in the per-user folder the platform's conventions give, and a cache without a file says
 * so. Every environment here is fake: nothing is written under the real home folder.
 */
class DefaultStateDirTest {

  @TempDir
  Path home;

  private static Map<String, String> env(String... kv) {
    Map<String, String> m = new java.util.HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void linuxFollowsXdgStateHomeThenDotLocalState() {
    assertEquals(Path.of("/home/ann/.local/state/myapp"),
        HerdGuardConfig.defaultStateDir("myapp", "Linux", env()::get, "/home/ann"));
    assertEquals(Path.of("/var/state/ann/myapp"),
        HerdGuardConfig.defaultStateDir("myapp", "Linux", env("XDG_STATE_HOME", "/var/state/ann")::get, "/home/ann"));
    // The XDG specification: a relative path is invalid and is ignored.
    assertEquals(Path.of("/home/ann/.local/state/myapp"),
        HerdGuardConfig.defaultStateDir("myapp", "Linux", env("XDG_STATE_HOME", "state")::get, "/home/ann"));
    assertEquals(Path.of("/home/ann/.local/state/myapp"),
        HerdGuardConfig.defaultStateDir("myapp", "FreeBSD", env()::get, "/home/ann"));
  }

  @Test
  void macOsUsesApplicationSupport() {
    assertEquals(Path.of("/Users/ann/Library/Application Support/myapp"),
        HerdGuardConfig.defaultStateDir("myapp", "Mac OS X", env("XDG_STATE_HOME", "/x")::get, "/Users/ann"));
  }

  @Test
  void windowsUsesLocalAppData() {
    assertEquals(Path.of("C:\\Users\\ann\\AppData\\Local", "myapp"),
        HerdGuardConfig.defaultStateDir("myapp", "Windows 11", env("LOCALAPPDATA", "C:\\Users\\ann\\AppData\\Local")::get, "C:\\Users\\ann"));
    assertEquals(Path.of("C:\\Users\\ann", "AppData", "Local", "myapp"),
        HerdGuardConfig.defaultStateDir("myapp", "Windows 11", env()::get, "C:\\Users\\ann"));
  }

  @Test
  void noHomeNoFolder() {
    assertNull(HerdGuardConfig.defaultStateDir("myapp", "Linux", env()::get, null));
    assertNull(HerdGuardConfig.defaultStateDir("myapp", "Mac OS X", env()::get, ""));
  }

  @Test
  void theApplicationNameIsCheckedWithTheOtherKeys() {
    HerdGuardConfigException e = assertThrows(HerdGuardConfigException.class,
        () -> HerdGuardConfig.builder().withApplicationName("../etc").build());
    assertEquals(List.of("herdguard.application (../etc, set in code) must be 1 to 64 of A-Z a-z 0-9 . _ -, "
        + "starting with a letter or digit"), e.problems());
    assertEquals("application (my app) must be 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit",
        assertThrows(IllegalArgumentException.class, () -> HerdGuardConfig.defaultStateDir("my app")).getMessage());
    assertEquals(List.of("herdguard.application (.hidden, from a -D system property) must be 1 to 64 of A-Z a-z 0-9 . _ -, "
            + "starting with a letter or digit"),
        assertThrows(HerdGuardConfigException.class, () -> HerdGuardConfig.load(null,
            props("herdguard.application", ".hidden"), Map.of())).problems());
  }

  @Test
  void theStateDirDefaultsFromTheApplicationAndAnExplicitOneWins() {
    Properties linux = props("herdguard.application", "myapp", "os.name", "Linux", "user.home", home.toString());
    HerdGuardConfig config = HerdGuardConfig.load(null, linux, Map.of());
    assertEquals(Optional.of("myapp"), config.applicationName());
    assertEquals(Optional.of(home.resolve(".local/state/myapp")), config.stateDir());
    assertEquals(Optional.of(home.resolve(".local/state/myapp/token")), config.tokenFile());
    // Set by the environment, as an operator would.
    assertEquals(Optional.of(home.resolve("xdg/myapp")), HerdGuardConfig.load(null,
        props("os.name", "Linux", "user.home", home.toString()),
        Map.of("HERDGUARD_APPLICATION", "myapp", "XDG_STATE_HOME", home.resolve("xdg").toString())).stateDir());

    Properties both = props("herdguard.application", "myapp", "herdguard.state-dir", home.resolve("here").toString(),
        "os.name", "Linux", "user.home", home.toString());
    assertEquals(Optional.of(home.resolve("here")), HerdGuardConfig.load(null, both, Map.of()).stateDir());
    // The folder is not a key's value: the config's properties hold the name only.
    assertEquals("myapp", config.toProperties().getProperty("herdguard.application"));
    assertNull(config.toProperties().getProperty("herdguard.state-dir"));
    // Without a name, nothing changes: no folder.
    assertEquals(Optional.empty(), HerdGuardConfig.load(null, props("user.home", home.toString()), Map.of()).stateDir());
  }

  @Test
  void stableStartupIsAcceptedWithAnApplicationName() {
    HerdGuardConfig config = HerdGuardConfig.load(null, props("herdguard.application", "myapp",
        "herdguard.startup.mode", "stable", "os.name", "Linux", "user.home", home.toString()), Map.of());
    assertEquals(StartupJitter.Mode.STABLE, config.startupMode());
  }

  @Test
  void aRestartedApplicationWithANameSendsNoLogin() throws Exception {
    Properties linux = props("herdguard.application", "myapp", "herdguard.startup.max-delay", "0",
        "os.name", "Linux", "user.home", home.toString());
    FakeClock clock = new FakeClock(Instant.parse("2026-12-01T08:00:00Z"));
    AtomicInteger logins = new AtomicInteger();
    for (int start = 0; start < 2; start++) {
      try (HerdGuard guard = HerdGuard.builder(HerdGuardConfig.load(null, linux, Map.of()))
              .withClock(clock).withRandom(new FixedRandom(0.5)).build();
          TokenCache tokens = guard.tokenCache(previous -> {
            logins.incrementAndGet();
            return Token.of("secret-" + logins.get(), clock.instant().plus(Duration.ofHours(1)));
          })) {
        assertEquals("secret-1", tokens.get().value());
      }
    }
    assertEquals(1, logins.get());
    assertTrue(Files.isRegularFile(home.resolve(".local/state/myapp/token")));
  }

  @Test
  void aCacheWithoutAFileWarnsOnceAndNamesTheKeys() throws Exception {
    try (HerdGuard guard = HerdGuard.create(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO).build());
        LogCapture logs = new LogCapture()) {
      try (TokenCache first = guard.tokenCache(previous -> Token.of("a", Instant.now().plusSeconds(3600)))) {
        first.get();
        first.get();
      }
      List<String> lines = logs.lines("Token cache without a file");
      assertEquals(1, lines.size(), logs.text());
      assertTrue(lines.get(0).contains("WARN"), lines.get(0));
      assertTrue(lines.get(0).contains("every start logs in again"), lines.get(0));
      assertTrue(lines.get(0).contains("Set herdguard.application"), lines.get(0));
      assertTrue(lines.get(0).contains("herdguard.state-dir or herdguard.token.file"), lines.get(0));
    }
  }

  @Test
  void aCacheWithAFileDoesNotWarn() throws Exception {
    try (HerdGuard guard = HerdGuard.create(HerdGuardConfig.builder().withStartupMaxDelay(Duration.ZERO)
            .withStateDir(home).build());
        LogCapture logs = new LogCapture();
        TokenCache tokens = guard.tokenCache(previous -> Token.of("a", Instant.now().plusSeconds(3600)))) {
      tokens.get();
      assertEquals(List.of(), logs.lines("Token cache without a file"));
    }
  }

  private static Properties props(String... kv) {
    Properties p = new Properties();
    for (int i = 0; i < kv.length; i += 2) {
      p.setProperty(kv[i], kv[i + 1]);
    }
    return p;
  }
}

package dev.herdguard.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeepTokenAcrossRestartsTest {

  @TempDir
  Path stateDir;

  @Test
  void aRestartWithAValidStoredTokenSendsNoLogin() throws Exception {
    KeepTokenAcrossRestarts.LoginServer server = new KeepTokenAcrossRestarts.LoginServer();
    String first = KeepTokenAcrossRestarts.start(stateDir, server);
    String second = KeepTokenAcrossRestarts.start(stateDir, server);
    assertEquals(first, second, "the second start uses the stored token");
    assertEquals(1, server.logins());
    assertTrue(Files.exists(stateDir.resolve("token")));
  }
}

package dev.herdguard.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.herdguard.HerdGuardConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeepTokenAcrossRestartsTest {

  @TempDir
  Path stateDir;

  @Test
  void aRestartWithAValidStoredTokenSendsNoLogin() throws Exception {
    HerdGuardConfig config = HerdGuardConfig.builder().withStateDir(stateDir).build();
    KeepTokenAcrossRestarts.AuthClient server = new KeepTokenAcrossRestarts.AuthClient();
    String first = KeepTokenAcrossRestarts.start(config, server);
    String second = KeepTokenAcrossRestarts.start(config, server);
    assertEquals(first, second, "the second start uses the stored token");
    assertEquals(1, server.logins());
    assertTrue(Files.exists(stateDir.resolve("token")));
  }

  @Test
  void aRefusedTokenIsDroppedAndTheNextLoginIsARefreshGrant() throws Exception {
    HerdGuardConfig config = HerdGuardConfig.builder().withStateDir(stateDir).build();
    KeepTokenAcrossRestarts.AuthClient server = new KeepTokenAcrossRestarts.AuthClient();
    String first = KeepTokenAcrossRestarts.start(config, server);
    server.revoke(first);
    assertEquals("token-refresh-1-r1", KeepTokenAcrossRestarts.start(config, server),
        "the refused token is dropped, and the next one comes from a refresh grant with its refresh token");
    assertEquals(1, server.logins());
    assertEquals(1, server.refreshes());
  }

  @Test
  void theApplicationsNameGivesItsPerUserFolder() {
    // Only resolves the folder: nothing is written under the real home folder.
    assertEquals(HerdGuardConfig.defaultStateDir("myapp"), KeepTokenAcrossRestarts.config().stateDir());
  }
}

package dev.herdguard.okhttp;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

/**
 * The suite runs twice, on OkHttp 5 (okhttp-adapter) and on OkHttp 4.12 (okhttp-adapter-okhttp4),
 * against the same adapter classes, compiled against OkHttp 5. This checks that each run loads the
 * OkHttp it claims to, so a dependency slip cannot turn the 4.12 run into a second 5.x run.
 */
class OkHttpLineTest {

  @Test
  void okHttpOnTheClasspathIsTheExpectedLine() {
    String expected = System.getProperty("herdguard.test.okhttp-version");
    assertNotNull(expected, "the build sets herdguard.test.okhttp-version");
    String jar = OkHttpClient.class.getProtectionDomain().getCodeSource().getLocation().getPath();
    assertTrue(jar.endsWith("-" + expected + ".jar"), "OkHttp loaded from " + jar + ", expected " + expected);
  }
}

package dev.herdguard.okhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.herdguard.HerdGuard;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;

/**
 * OkHttp is an optional dependency of the adapter: an application without one gets a message that
 * says what to add, not a {@code NoClassDefFoundError}.
 */
class OkHttpPresenceTest {

  @Test
  void withoutOkHttpTheEntryPointSaysWhatToAdd() throws Exception {
    // The adapter, core and core's dependencies, and nothing of OkHttp, Okio or Kotlin.
    URL[] withoutOkHttp = {
        location(HerdGuardOkHttp.class),
        location(HerdGuard.class),
        location(CircuitBreaker.class),
        location(io.github.resilience4j.core.EventConsumer.class),
        location(org.slf4j.LoggerFactory.class),
    };
    try (URLClassLoader loader = new URLClassLoader(withoutOkHttp, ClassLoader.getPlatformClassLoader())) {
      assertThrows(ClassNotFoundException.class, () -> loader.loadClass("okhttp3.OkHttpClient"));
      Class<?> configType = loader.loadClass("dev.herdguard.HerdGuardConfig");
      Object config = configType.getMethod("defaults").invoke(null);
      Class<?> guardType = loader.loadClass("dev.herdguard.HerdGuard");
      try (AutoCloseable guard = (AutoCloseable) guardType.getMethod("create", configType).invoke(null, config)) {
        Class<?> entry = loader.loadClass(HerdGuardOkHttp.class.getName());
        // A method handle links this one method, as compiled code does; reflection's getMethod would
        // resolve every signature of the class, OkHttp's types among them.
        MethodHandle with = MethodHandles.publicLookup().findStatic(entry, "with", MethodType.methodType(entry, guardType));
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> with.invoke(guard));
        assertEquals(OkHttpPresence.MISSING, missing.getMessage());
      }
    }
  }

  @Test
  void withOkHttpTheCheckPasses() {
    OkHttpPresence.require();
  }

  private static URL location(Class<?> type) {
    return type.getProtectionDomain().getCodeSource().getLocation();
  }
}

package dev.herdguard.okhttp;

/**
 * Checks that the application brought an OkHttp. herdguard-okhttp declares OkHttp as an optional
 * dependency, so that an application gets the adapter on <em>its</em> OkHttp (4.12 or 5.x), never a
 * second copy beside it; an application that has none would otherwise meet a bare {@code
 * NoClassDefFoundError: okhttp3/Interceptor}. This class names no OkHttp type, so it loads without
 * one; {@link HerdGuardOkHttp} asks it before touching any.
 */
final class OkHttpPresence {

  static final String MISSING = "herdguard-okhttp runs on the application's own OkHttp, and none is on"
      + " the classpath: add com.squareup.okhttp3:okhttp-jvm 5.x (Maven; Gradle takes"
      + " com.squareup.okhttp3:okhttp) or com.squareup.okhttp3:okhttp 4.12, or use herdguard-httpclient"
      + " with the JDK's HttpClient instead";

  private static volatile boolean present;

  private OkHttpPresence() {}

  /**
   * Returns if OkHttp can be loaded by the adapter's class loader.
   *
   * @throws IllegalStateException saying what to add, if it cannot
   */
  static void require() {
    if (present) {
      return;
    }
    try {
      Class.forName("okhttp3.Interceptor", false, OkHttpPresence.class.getClassLoader());
      Class.forName("okhttp3.OkHttpClient", false, OkHttpPresence.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new IllegalStateException(MISSING, e);
    }
    present = true;
  }
}

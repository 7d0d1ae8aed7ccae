package dev.herdguard.internal;

/**
 * The rule a token value must meet to be usable as a credential: it must fit in an HTTP header
 * value as every HTTP client sends one. Not part of the public API; {@code TokenCache} documents it.
 *
 * <p>Why in core, though core tokens are generic: a value that breaks the rule cannot be sent by
 * OkHttp (which throws {@code IllegalArgumentException} from {@code Request.Builder.header}), nor by
 * {@code java.net.http} (the same), nor in gRPC metadata or a line of any text protocol. Checked
 * where the cache takes a token in, it makes such a value a failed login, with the cache's failure
 * backoff and nothing stored, instead of a token that every call then fails on and that the cache
 * keeps serving. The rule is the intersection of what those clients accept: tab and the visible
 * US-ASCII characters and space (0x20 to 0x7E), not starting or ending with a space or tab (which a
 * header would lose).
 */
public final class TokenValues {

  private TokenValues() {}

  /**
   * Why {@code value} cannot be sent, or null when it can. The reason names the position and the
   * kind of character, never the value, nor a character that could be part of the secret.
   */
  public static String unsendable(String value) {
    int n = value.length();
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c >= 0x20 && c < 0x7f || c == '\t') {
        continue;
      }
      String kind = c == '\n' || c == '\r'
          ? "a line break (U+" + hex(c) + ")"
          : c < 0x20 || c == 0x7f ? "a control character (U+" + hex(c) + ")" : "a character outside US-ASCII";
      return "the token value holds " + kind + " at index " + i + " of " + n
          + ", which an HTTP header cannot carry (only tab and the visible US-ASCII characters and space)";
    }
    if (n > 0 && isSpaceOrTab(value.charAt(0)) || n > 1 && isSpaceOrTab(value.charAt(n - 1))) {
      return "the token value starts or ends with a space or tab, which an HTTP header would lose";
    }
    return null;
  }

  private static boolean isSpaceOrTab(char c) {
    return c == ' ' || c == '\t';
  }

  private static String hex(char c) {
    return String.format("%04X", (int) c);
  }
}

package dev.herdguard.internal;

import dev.herdguard.Token;

/**
 * Keeps token values out of log lines and exception messages. Not part of the public API.
 *
 * <p>herdguard never formats a value itself; this is the second line of defence for text it did
 * not write, such as a login function's exception message that might quote the token it sent.
 */
public final class Secrets {

  /** Shorter secrets are not masked: masking "ab" everywhere would garble the text and hide nothing. */
  static final int MIN_MASKED_LENGTH = 4;

  private Secrets() {}

  /** {@code text} with every occurrence of the tokens' values and attribute values replaced by ***. */
  public static String scrub(String text, Token... tokens) {
    if (text == null) {
      return null;
    }
    String out = text;
    for (Token t : tokens) {
      if (t == null) {
        continue;
      }
      out = mask(out, t.value());
      for (String v : t.attributes().values()) {
        out = mask(out, v);
      }
    }
    return out;
  }

  /** "Type: message" for a throwable, scrubbed; what herdguard logs instead of a login's stack trace. */
  public static String describe(Throwable e, Token... tokens) {
    String message = e.getMessage();
    return e.getClass().getName() + (message == null ? "" : ": " + scrub(message, tokens));
  }

  private static String mask(String text, String secret) {
    if (secret == null || secret.length() < MIN_MASKED_LENGTH) {
      return text;
    }
    return text.replace(secret, "***");
  }
}

package dev.herdguard.internal;

import dev.herdguard.Token;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * The token file's format, version 1. Not part of the public API.
 *
 * <pre>
 * herdguard-token v1
 * issued-at=2026-11-10T08:00:00Z
 * expires-at=2026-11-10T09:00:00Z
 * value=&lt;base64url of the UTF-8 value&gt;
 * attribute=&lt;base64url name&gt;:&lt;base64url value&gt;
 * crc32=&lt;8 hex digits&gt;
 * </pre>
 *
 * <p>ASCII lines ending in {@code \n}; {@code issued-at} and {@code expires-at} are optional,
 * {@code attribute} repeats. Values are base64 so that no escaping rule can go wrong. The last line
 * is the CRC-32 of every byte before it: a file cut short anywhere fails the check (the CRC guards
 * against truncation and damage, not against an attacker, who would need the owner's rights to the
 * file anyway). Decoding is strict (unknown or repeated keys, a foreign version, a missing line are
 * errors), and an error names the line and the rule, never the file's content.
 */
public final class TokenFileFormat {

  static final String MAGIC = "herdguard-token v";
  static final int VERSION = 1;

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64_DECODER = Base64.getUrlDecoder();

  private TokenFileFormat() {}

  /** Why a file cannot be read as a token. The message never quotes the file. */
  public static final class BadTokenFileException extends Exception {
    private static final long serialVersionUID = 1L;

    BadTokenFileException(String reason) {
      super(reason);
    }
  }

  /** The file's bytes for {@code token}. */
  public static byte[] encode(Token token) {
    StringBuilder sb = new StringBuilder(256);
    sb.append(MAGIC).append(VERSION).append('\n');
    token.issuedAt().ifPresent(i -> sb.append("issued-at=").append(i).append('\n'));
    token.expiresAt().ifPresent(e -> sb.append("expires-at=").append(e).append('\n'));
    sb.append("value=").append(b64(token.value())).append('\n');
    token.attributes().forEach((k, v) ->
        sb.append("attribute=").append(b64(k)).append(':').append(b64(v)).append('\n'));
    byte[] body = sb.toString().getBytes(StandardCharsets.US_ASCII);
    String crcLine = "crc32=" + String.format("%08x", crc(body, body.length)) + "\n";
    byte[] out = new byte[body.length + crcLine.length()];
    System.arraycopy(body, 0, out, 0, body.length);
    System.arraycopy(crcLine.getBytes(StandardCharsets.US_ASCII), 0, out, body.length, crcLine.length());
    return out;
  }

  /**
   * The token in {@code bytes}.
   *
   * @throws BadTokenFileException naming what is wrong: empty, truncated, foreign, corrupt
   */
  public static Token decode(byte[] bytes) throws BadTokenFileException {
    if (bytes.length == 0) {
      throw new BadTokenFileException("empty");
    }
    // ISO-8859-1 maps each byte to one char, so char offsets are byte offsets for the CRC.
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    int firstEnd = text.indexOf('\n');
    String header = firstEnd < 0 ? text : text.substring(0, firstEnd);
    if (!header.startsWith(MAGIC)) {
      throw new BadTokenFileException(MAGIC.startsWith(header)
          ? "truncated within the header line"
          : "not a herdguard token file (the first line is not \"" + MAGIC + VERSION + "\")");
    }
    String version = header.substring(MAGIC.length());
    if (!version.equals(Integer.toString(VERSION))) {
      throw new BadTokenFileException("format version ("
          + (version.matches("[0-9]{1,9}") ? version : "unreadable")
          + ") is not " + VERSION + ", the version this herdguard reads");
    }
    if (text.charAt(text.length() - 1) != '\n') {
      throw new BadTokenFileException("truncated (the last line is incomplete)");
    }
    int crcStart = text.lastIndexOf('\n', text.length() - 2) + 1;
    String crcLine = text.substring(crcStart, text.length() - 1);
    if (crcStart == 0 || !crcLine.startsWith("crc32=")) {
      throw new BadTokenFileException("truncated (no crc32 line at the end)");
    }
    long expected;
    try {
      String hex = crcLine.substring("crc32=".length());
      if (hex.length() != 8) {
        throw new NumberFormatException();
      }
      expected = Long.parseLong(hex, 16);
    } catch (NumberFormatException e) {
      throw new BadTokenFileException("corrupt (the crc32 line is not 8 hex digits)");
    }
    if (crc(bytes, crcStart) != expected) {
      throw new BadTokenFileException("corrupt or truncated (crc32 mismatch)");
    }
    return fields(text.substring(firstEnd + 1, crcStart));
  }

  private static Token fields(String body) throws BadTokenFileException {
    Instant issuedAt = null;
    Instant expiresAt = null;
    String value = null;
    Map<String, String> attributes = new LinkedHashMap<>();
    Set<String> seen = new HashSet<>();
    // The body ends with the newline before the crc32 line.
    String[] lines = body.isEmpty() ? new String[0] : body.substring(0, body.length() - 1).split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      // Line numbers as an editor shows them: the header is line 1.
      int lineNo = i + 2;
      String line = lines[i];
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new BadTokenFileException("line " + lineNo + " is not key=value");
      }
      String key = line.substring(0, eq);
      String v = line.substring(eq + 1);
      if (!key.equals("attribute") && !seen.add(key)) {
        throw new BadTokenFileException("line " + lineNo + " repeats a key");
      }
      switch (key) {
        case "issued-at":
          issuedAt = instant(v, lineNo, key);
          break;
        case "expires-at":
          expiresAt = instant(v, lineNo, key);
          break;
        case "value":
          value = unb64(v, lineNo, key);
          break;
        case "attribute": {
          int colon = v.indexOf(':');
          if (colon < 0) {
            throw new BadTokenFileException("line " + lineNo + ": attribute is not name:value");
          }
          String name = unb64(v.substring(0, colon), lineNo, "attribute name");
          if (attributes.put(name, unb64(v.substring(colon + 1), lineNo, "attribute value")) != null) {
            throw new BadTokenFileException("line " + lineNo + " repeats an attribute");
          }
          break;
        }
        default:
          throw new BadTokenFileException("line " + lineNo + " has an unknown key");
      }
    }
    if (value == null) {
      throw new BadTokenFileException("no value line");
    }
    String unsendable = TokenValues.unsendable(value);
    if (unsendable != null) {
      throw new BadTokenFileException("invalid token (" + unsendable + ")");
    }
    try {
      Token t = expiresAt == null ? Token.withoutExpiry(value) : Token.of(value, expiresAt);
      if (issuedAt != null) {
        t = t.withIssuedAt(issuedAt);
      }
      for (Map.Entry<String, String> a : attributes.entrySet()) {
        t = t.withAttribute(a.getKey(), a.getValue());
      }
      return t;
    } catch (IllegalArgumentException e) {
      // Token's messages name instants and rules, never the value.
      throw new BadTokenFileException("invalid token (" + e.getMessage() + ")");
    }
  }

  private static Instant instant(String v, int lineNo, String key) throws BadTokenFileException {
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      throw new BadTokenFileException("line " + lineNo + ": " + key + " is not an ISO-8601 instant");
    }
  }

  private static String unb64(String v, int lineNo, String what) throws BadTokenFileException {
    try {
      return new String(B64_DECODER.decode(v), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new BadTokenFileException("line " + lineNo + ": " + what + " is not base64url");
    }
  }

  private static String b64(String s) {
    return B64.encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static long crc(byte[] bytes, int length) {
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, length);
    return crc.getValue();
  }
}

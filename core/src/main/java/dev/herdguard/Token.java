package dev.herdguard;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A login token: its secret value, when it was issued and when it expires, and string attributes
 * such as a refresh token that a later login may use.
 *
 * <p>A {@code Token} is immutable and thread-safe. Its value is a secret: {@link #toString()}
 * shows neither the value nor the attributes' values (attributes often hold a refresh token), only
 * the attributes' names. herdguard never logs a value and never puts one into an exception message.
 *
 * <p>A token may arrive without an expiry ({@link #withoutExpiry}); a {@link TokenCache} then gives
 * it {@code herdguard.token.default-lifetime} and fills in {@link #issuedAt()} and {@link
 * #expiresAt()}, so the tokens a cache hands out always carry both.
 */
public final class Token {

  private final String value;
  private final Instant issuedAt;
  private final Instant expiresAt;
  private final Map<String, String> attributes;

  private Token(String value, Instant issuedAt, Instant expiresAt, Map<String, String> attributes) {
    Objects.requireNonNull(value, "value");
    if (value.isEmpty()) {
      throw new IllegalArgumentException("token value must not be empty");
    }
    if (issuedAt != null && expiresAt != null && !issuedAt.isBefore(expiresAt)) {
      throw new IllegalArgumentException(
          "token issuedAt (" + issuedAt + ") must be before its expiresAt (" + expiresAt + ")");
    }
    this.value = value;
    this.issuedAt = issuedAt;
    this.expiresAt = expiresAt;
    this.attributes = attributes;
  }

  /**
   * A token with the given value that expires at {@code expiresAt}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code value} is empty
   */
  public static Token of(String value, Instant expiresAt) {
    return new Token(value, null, Objects.requireNonNull(expiresAt, "expiresAt"), Map.of());
  }

  /**
   * A token whose server did not say when it expires. A {@link TokenCache} treats it as valid for
   * {@code herdguard.token.default-lifetime} from the moment it arrives.
   *
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is empty
   */
  public static Token withoutExpiry(String value) {
    return new Token(value, null, null, Map.of());
  }

  /** The secret value, such as the string that goes after {@code Bearer}. */
  public String value() {
    return value;
  }

  /** When the token was issued, if known. Tokens handed out by a {@link TokenCache} have it. */
  public Optional<Instant> issuedAt() {
    return Optional.ofNullable(issuedAt);
  }

  /** When the token expires, if known. Tokens handed out by a {@link TokenCache} have it. */
  public Optional<Instant> expiresAt() {
    return Optional.ofNullable(expiresAt);
  }

  /** The attributes, by name, in name order; unmodifiable. */
  public Map<String, String> attributes() {
    return attributes;
  }

  /** The attribute with the given name, if present. */
  public Optional<String> attribute(String name) {
    return Optional.ofNullable(attributes.get(name));
  }

  /**
   * This token with one more attribute, or with the attribute's value replaced.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is empty
   */
  public Token withAttribute(String name, String value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("token attribute name must not be empty");
    }
    TreeMap<String, String> copy = new TreeMap<>(attributes);
    copy.put(name, value);
    return new Token(this.value, issuedAt, expiresAt, Collections.unmodifiableMap(copy));
  }

  /**
   * This token with the given issue instant. A cache uses it, with {@link #expiresAt()}, to measure
   * the token's lifetime; when absent, the lifetime counts from the moment the cache receives it.
   *
   * @throws NullPointerException if {@code issuedAt} is null
   * @throws IllegalArgumentException if {@code issuedAt} is not before {@link #expiresAt()}
   */
  public Token withIssuedAt(Instant issuedAt) {
    return new Token(value, Objects.requireNonNull(issuedAt, "issuedAt"), expiresAt, attributes);
  }

  /**
   * This token with the given expiry.
   *
   * @throws NullPointerException if {@code expiresAt} is null
   * @throws IllegalArgumentException if {@link #issuedAt()} is not before {@code expiresAt}
   */
  public Token withExpiresAt(Instant expiresAt) {
    return new Token(value, issuedAt, Objects.requireNonNull(expiresAt, "expiresAt"), attributes);
  }

  /** Equal when value, instants and attributes are all equal. */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Token)) {
      return false;
    }
    Token t = (Token) o;
    return value.equals(t.value)
        && Objects.equals(issuedAt, t.issuedAt)
        && Objects.equals(expiresAt, t.expiresAt)
        && attributes.equals(t.attributes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(value, issuedAt, expiresAt, attributes);
  }

  /** Shows the instants and the attributes' names; never the value nor an attribute's value. */
  @Override
  public String toString() {
    return "Token[value=***, issuedAt=" + (issuedAt == null ? "unknown" : issuedAt)
        + ", expiresAt=" + (expiresAt == null ? "unknown" : expiresAt)
        + ", attributes=" + attributes.keySet() + "]";
  }
}

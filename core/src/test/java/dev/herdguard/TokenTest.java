package dev.herdguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TokenTest {

  private static final Instant EXPIRY = Instant.parse("2026-11-10T09:00:00Z");

  @Test
  void toStringShowsInstantsAndAttributeNamesButNoSecret() {
    Token t = Token.of("eyJhbGciOi.secret-value", EXPIRY)
        .withIssuedAt(EXPIRY.minusSeconds(3600))
        .withAttribute("refresh_token", "secret-refresh");
    assertEquals("Token[value=***, issuedAt=2026-11-10T08:00:00Z, expiresAt=2026-11-10T09:00:00Z, "
        + "attributes=[refresh_token]]", t.toString());
    assertEquals("Token[value=***, issuedAt=unknown, expiresAt=unknown, attributes=[]]",
        Token.withoutExpiry("secret-value").toString());
  }

  @Test
  void attributesAreImmutableAndInNameOrder() {
    Token t = Token.withoutExpiry("v").withAttribute("z", "1").withAttribute("a", "2").withAttribute("z", "3");
    assertEquals(List.of("a", "z"), List.copyOf(t.attributes().keySet()));
    assertEquals(Optional.of("3"), t.attribute("z"));
    assertEquals(Optional.empty(), t.attribute("missing"));
    assertThrows(UnsupportedOperationException.class, () -> t.attributes().put("b", "4"));
    assertThrows(UnsupportedOperationException.class, () -> Token.withoutExpiry("v").attributes().put("b", "4"));
  }

  @Test
  void equalityCoversValueInstantsAndAttributes() {
    Token a = Token.of("v", EXPIRY).withAttribute("k", "1");
    assertEquals(a, Token.of("v", EXPIRY).withAttribute("k", "1"));
    assertEquals(a.hashCode(), Token.of("v", EXPIRY).withAttribute("k", "1").hashCode());
    assertNotEquals(a, Token.of("w", EXPIRY).withAttribute("k", "1"));
    assertNotEquals(a, Token.of("v", EXPIRY.plusSeconds(1)).withAttribute("k", "1"));
    assertNotEquals(a, Token.of("v", EXPIRY).withAttribute("k", "2"));
    assertNotEquals(a, a.withIssuedAt(EXPIRY.minusSeconds(1)));
    assertEquals(Token.of("v", EXPIRY), Token.withoutExpiry("v").withExpiresAt(EXPIRY));
  }

  @Test
  void invalidTokensAreRejectedWithoutTheirValue() {
    assertEquals("token value must not be empty",
        assertThrows(IllegalArgumentException.class, () -> Token.withoutExpiry("")).getMessage());
    assertEquals("value", assertThrows(NullPointerException.class, () -> Token.of(null, EXPIRY)).getMessage());
    assertEquals("expiresAt", assertThrows(NullPointerException.class, () -> Token.of("v", null)).getMessage());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Token.of("secret-value", EXPIRY).withIssuedAt(EXPIRY));
    assertEquals("token issuedAt (2026-11-10T09:00:00Z) must be before its expiresAt (2026-11-10T09:00:00Z)", e.getMessage());
    assertFalse(e.getMessage().contains("secret-value"));
    assertEquals("token attribute name must not be empty",
        assertThrows(IllegalArgumentException.class, () -> Token.withoutExpiry("v").withAttribute("", "x")).getMessage());
    assertEquals(Map.of(), Token.withoutExpiry("v").attributes());
  }
}

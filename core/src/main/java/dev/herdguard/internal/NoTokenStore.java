package dev.herdguard.internal;

import dev.herdguard.Token;
import dev.herdguard.TokenStore;
import java.util.Optional;

/** {@link TokenStore#none()}: keeps nothing. Not part of the public API. */
public enum NoTokenStore implements TokenStore {
  INSTANCE;

  @Override
  public Optional<Token> load() {
    return Optional.empty();
  }

  @Override
  public void save(Token token) {}

  @Override
  public void clear() {}

  @Override
  public String toString() {
    return "TokenStore.none()";
  }
}

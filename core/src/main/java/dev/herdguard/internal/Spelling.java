package dev.herdguard.internal;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds the name a user most likely meant, for "did you mean ...?" in error messages. Not part
 * of the public API. Stateless and thread-safe.
 *
 * <p>A suggestion that is wrong costs more than none, so the bar is strict: the candidate must be
 * within a small edit distance (a typo, a swapped pair of letters, {@code _} for {@code -}), or be
 * the only candidate that ends with the whole word as its last parts ({@code max-attempts} for
 * {@code retry.max-attempts}).
 */
public final class Spelling {

  private Spelling() {}

  /**
   * The candidate closest to {@code word}, if one is close enough.
   *
   * <p>Distance is the optimal-string-alignment (restricted Damerau-Levenshtein) distance,
   * ignoring case; a candidate qualifies within {@code min(3, max(1, word.length() / 4))} edits.
   * Ties go to the earlier candidate. When none qualifies, a candidate that ends with
   * {@code separator + word} is suggested if it is the only one.
   *
   * @param word what the user wrote
   * @param candidates the names that exist, in order of preference
   * @param separator the character between the parts of a name, {@code '.'} or {@code '_'}
   * @return the suggestion, or empty
   */
  public static Optional<String> nearest(String word, Collection<String> candidates, char separator) {
    String w = word.toLowerCase(Locale.ROOT);
    int limit = Math.min(3, Math.max(1, w.length() / 4));
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = distance(w, c.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    if (best != null && bestDistance <= limit) {
      return Optional.of(best);
    }
    String tail = separator + w;
    String only = null;
    for (String c : candidates) {
      if (c.toLowerCase(Locale.ROOT).endsWith(tail)) {
        if (only != null) {
          return Optional.empty();
        }
        only = c;
      }
    }
    return Optional.ofNullable(only);
  }

  /**
   * The optimal string alignment distance: how many insertions, deletions, substitutions and swaps
   * of adjacent characters turn {@code a} into {@code b}. Case counts.
   *
   * @param a one string
   * @param b the other
   * @return the distance, 0 when they are equal
   */
  public static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          v = Math.min(v, d[i - 2][j - 2] + 1);
        }
        d[i][j] = v;
      }
    }
    return d[a.length()][b.length()];
  }
}

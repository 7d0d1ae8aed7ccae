package dev.herdguard;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;

/**
 * The second process of {@link TokenCacheTwoProcessTest}: a token cache on the shared file whose
 * login appends a line to a counter file. It talks to the test over stdin and stdout:
 * prints {@code ready} once its cache is built, waits for a line on stdin, prints {@code getting},
 * gets a token and prints {@code token <value>}.
 *
 * <p>Arguments: token file, counter file, mode. Mode {@code hang}: the login prints {@code in-login}
 * and then blocks on stdin forever, holding the file lock, so that the test can kill it there.
 */
public final class TokenFileChild {

  private TokenFileChild() {}

  public static void main(String[] args) throws Exception {
    Path tokenFile = Path.of(args[0]);
    Path counter = Path.of(args[1]);
    boolean hang = args.length > 2 && args[2].equals("hang");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    TokenCache.Login login = previous -> {
      Files.writeString(counter, "child\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      if (hang) {
        System.out.println("in-login");
        System.out.flush();
        in.readLine(); // until killed
      }
      return Token.of("from-child", Instant.now().plus(Duration.ofHours(1)));
    };
    try (TokenCache cache = TokenCache.builder(login).withFile(tokenFile).build()) {
      System.out.println("ready");
      System.out.flush();
      in.readLine();
      System.out.println("getting");
      System.out.flush();
      Token token = cache.get(Duration.ofSeconds(120));
      System.out.println("token " + token.value());
      System.out.flush();
    }
  }
}

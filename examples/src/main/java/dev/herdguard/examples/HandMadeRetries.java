package dev.herdguard.examples;

import dev.herdguard.Backoff;
import dev.herdguard.BackoffSequence;
import dev.herdguard.RetryAfter;
import dev.herdguard.RetryBudget;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Recipe: herdguard's parts in a retry loop of your own, over the JDK's {@code HttpClient}: a
 * {@link Backoff} for the waits, {@link RetryAfter} for a server's hint, a {@link RetryBudget} so
 * that retries stay a fraction of first tries. A guarded operation ({@code guard.operation(...)})
 * does all of this for you; this is for code that cannot go through one.
 *
 * <p>Run: {@code java -cp examples/target/herdguard-examples.jar dev.herdguard.examples.HandMadeRetries <url>}
 */
public final class HandMadeRetries {

  private final HttpClient http;
  private final InstantSource clock = InstantSource.system();
  /** What the last decision was, for the test: "retry in …" or "give up: …". */
  final List<String> decisions = new ArrayList<>();

  HandMadeRetries(HttpClient http) {
    this.http = http;
  }

  public static void main(String[] args) throws IOException, InterruptedException {
    HandMadeRetries client = new HandMadeRetries(HttpClient.newHttpClient());
    HttpResponse<String> response = client.fetch(HttpRequest.newBuilder(URI.create(args[0])).build());
    System.out.println(response.statusCode() + " " + response.body() + " " + client.decisions);
  }

  /** A backoff for this client's retries: one sequence per call. */
  static Duration firstRetryDelay() {
    Backoff backoff = Backoff.decorrelatedJitter(Duration.ofMillis(500), Duration.ofSeconds(60));
    BackoffSequence retries = backoff.sequence(ThreadLocalRandom.current());
    Duration wait = retries.nextDelay();                    // before the first retry
    return wait;
  }

  /** One client's life: a budget for its host, and a call retried within it. */
  HttpResponse<String> fetch(HttpRequest request) throws IOException, InterruptedException {
    BackoffSequence retries = Backoff.decorrelatedJitter(Duration.ofMillis(1), Duration.ofMillis(5))
        .sequence(ThreadLocalRandom.current());
    RetryBudget budget = RetryBudget.ofDefaults(InstantSource.system()); // one per client
    RetryBudget.Host login = budget.forHost("login.example.com");       // keep it

    login.recordFirstAttempt();
    HttpResponse<String> response = send(request);
    while (isRetryable(response) && login.tryAcquireRetry()) {           // refused: fail now
      sleep(retries.nextDelay());
      response = send(request);
    }
    return response;
  }

  /** Decides what to do after a busy answer: wait the server's hint, spread, or the backoff. */
  void onBusy(HttpResponse<String> response, BackoffSequence retries) {
    RetryAfter retryAfter = RetryAfter.ofDefaults();          // max 10m, spread 0.2
    RetryAfter.Decision d = retryAfter.decide(
        response.headers().firstValue("Retry-After").orElse(null), clock.instant(), ThreadLocalRandom.current());
    if (d instanceof RetryAfter.Decision.Wait w) {
      retryIn(w.delay());                                     // between hint and 1.2 × hint
    } else if (d instanceof RetryAfter.Decision.GiveUp g) {
      giveUp("server asked for " + g.hint());
    } else {                                                  // NoHint: use the backoff
      retryIn(retries.nextDelay());
    }
  }

  private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static boolean isRetryable(HttpResponse<String> response) {
    int code = response.statusCode();
    return code == 429 || code == 502 || code == 503 || code == 504;
  }

  private static void sleep(Duration delay) throws InterruptedException {
    Thread.sleep(delay.toMillis());
  }

  private void retryIn(Duration delay) {
    decisions.add("retry in " + delay);
  }

  private void giveUp(String why) {
    decisions.add("give up: " + why);
  }
}

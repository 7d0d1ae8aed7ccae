package dev.herdguard.httpclient;

import dev.herdguard.GuardedOperation;
import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardException;
import dev.herdguard.RetryAfter;
import dev.herdguard.Token;
import dev.herdguard.TokenCache;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A {@link HttpClient} that runs each {@code send} and {@code sendAsync} as a herdguard {@link
 * GuardedOperation}: a circuit breaker per host, retries with the configured backoff, the host's
 * retry budget, and the server's {@code Retry-After}, capped and spread. The JDK's client has no
 * interceptors, so this one wraps a client and is one: pass it wherever an {@code HttpClient} goes.
 * It is the JDK-client twin of {@code herdguard-okhttp}'s interceptors and behaves as they do.
 *
 * <pre>{@code
 * HttpClient client = HerdGuardHttpClient.create(HttpClient.newHttpClient(), guard);
 * HttpResponse<String> r = client.send(request, BodyHandlers.ofString());
 * }</pre>
 *
 * <p><b>What is retried.</b> An {@link IOException} from the exchange (a refused or dropped
 * connection, an {@link HttpTimeoutException}), and a response whose status is one of the {@link
 * Builder#withRetryStatusCodes retry status codes} (408, 429, 502, 503, 504 by default), but only
 * for a request that is safe to repeat: GET, HEAD, OPTIONS, PUT, DELETE (idempotent in RFC 9110),
 * or one that {@link Builder#withSafeToRepeat} accepts. Any other request is sent once: it still
 * passes the breaker, and its failure still counts there. A request whose {@link
 * HttpRequest.BodyPublisher} can be subscribed only once must not be declared safe to repeat.
 *
 * <p><b>What the caller sees.</b> The first response that is not retried, as the wrapped client
 * returns it. When the retries end on a status (attempts, {@code retry.max-duration}, the budget,
 * a {@code Retry-After} longer than {@code retry.retry-after.max}, the deadline, or a request not
 * safe to repeat), the last response itself: the caller sees the 503, as without herdguard. The
 * body of a response with a retry status is read into memory rather than into the caller's {@link
 * HttpResponse.BodyHandler}, so that a discarded one costs nothing more, and is handed to that
 * handler only if the caller gets it. When the retries end on an {@code IOException}, that
 * exception, as it was thrown. When the host's breaker is open, a {@link BreakerOpenException}
 * naming the host, and no request at all.
 *
 * <p><b>{@code Retry-After}.</b> Both forms are read: delay-seconds, and an HTTP-date, which is
 * measured from the response's own {@code Date} header when it has one, so a client whose clock is
 * off still waits what the server meant (from {@link Builder#withClock the clock} otherwise).
 *
 * <p><b>Deadline.</b> A request's {@link HttpRequest#timeout() timeout} bounds the whole call,
 * retries and waits included, as OkHttp's call timeout does: each attempt is sent with the time that
 * is left as its timeout, and a retry that could only start after the deadline is not made (the
 * call ends at once with what the last attempt got). Without a timeout, the retry limits alone
 * bound the call.
 *
 * <p><b>Cancel.</b> {@code send} waits out a backoff on the calling thread; interrupting it ends
 * the wait at once with an {@link InterruptedException} and no further request. {@code sendAsync}
 * never blocks a thread: backoffs are scheduled on the guard's scheduler, and cancelling the
 * returned future cancels the pending retry, or the exchange in flight. A cancel is not a failure
 * of the server: the breaker does not count it.
 *
 * <p><b>Tokens.</b> With {@link Builder#withTokens}, each request without an {@code Authorization}
 * header of its own is sent with {@code Authorization: Bearer <token>} from the cache (a hit is one
 * volatile read; {@code sendAsync} waits for a login without blocking). A 401 on that token
 * invalidates exactly that token (a late 401 on a token already replaced leaves the new one alone),
 * waits for the cache's one login (single flight, however many calls were refused), and sends the
 * request once more with the new token, within the same attempt; a 401 on that one is the caller's.
 * When no token can be had, the call fails with an {@link IOException} whose cause is the cache's
 * exception, and no request is sent. The login itself must use a client without tokens (the
 * wrapped one, say), or it waits for itself.
 *
 * <p><b>Startup gate.</b> Unless {@link Builder#withStartupGate turned off}, calls are held until
 * the guard's {@linkplain HerdGuard#startupDelay() startup delay} has passed (bounded by the
 * request's timeout), so a fleet that restarts together spreads its first contact.
 *
 * <p><b>The JDK client's own retries.</b> Below this client, the JDK follows redirects as the
 * wrapped client's {@link HttpClient.Redirect} policy says, answers challenges if the wrapped client
 * has an {@link Authenticator} (leave it out when herdguard carries the tokens), and, within one
 * attempt, silently resends a GET or HEAD once when its connection closes before any response, and
 * retries a refused connect once (nothing was sent). The system property {@code
 * jdk.httpclient.enableAllMethodRetry} extends the first to every method: leave it unset, so that
 * every resend of a POST is herdguard's decision; {@code jdk.httpclient.disableRetryConnect=true}
 * turns the second off. {@link #newWebSocketBuilder()} is the wrapped client's, unguarded. HTTP/2
 * push promises of every attempt are delivered.
 *
 * <p><b>Timeouts and the breaker.</b> The JDK client has no read timeout apart from the request's:
 * an {@link HttpTimeoutException} is the only sign of a server that hangs, so it counts as a failure
 * of the host (OkHttp's call timeout, a cancel, does not; its read timeout does).
 *
 * <p><b>Lifecycle.</b> This client owns nothing: on Java 21, where {@code HttpClient} is {@code
 * AutoCloseable}, close (or shut down) the wrapped client, not this one, whose inherited {@code
 * close} does not reach it.
 *
 * <p>Immutable and thread-safe; one instance serves every call, and should be shared. Breakers and
 * budgets belong to the {@link HerdGuard}: every client guarded with the same guard shares them per
 * host name, and keeps them for the guard's life, so guard calls to a known set of backends, not to
 * hosts without number.
 */
public final class HerdGuardHttpClient extends HttpClient {

  /** The operation name used unless {@link Builder#withOperationName} says otherwise. */
  public static final String DEFAULT_OPERATION_NAME = "http";

  /** The statuses retried unless {@link Builder#withRetryStatusCodes} says otherwise. */
  public static final Set<Integer> DEFAULT_RETRY_STATUS_CODES =
      Collections.unmodifiableSet(new TreeSet<>(Set.of(408, 429, 502, 503, 504)));

  private static final int MIN_RETRY_STATUS = 400;
  private static final int MAX_RETRY_STATUS = 599;
  private static final int UNAUTHORIZED = 401;
  private static final String AUTHORIZATION = "Authorization";
  private static final String BEARER = "Bearer ";
  /** The JDK rejects a zero timeout; an attempt with less than this left is not worth sending. */
  private static final long MIN_ATTEMPT_TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final HttpClient delegate;
  private final HerdGuard guard;
  private final String operationName;
  /** Indexed by status code: a lookup on every response, without boxing. */
  private final boolean[] retryStatus;
  private final TokenCache tokens;
  private final boolean startupGate;
  private final Predicate<? super HttpRequest> safeToRepeat;
  private final InstantSource clock;
  private final Sleeper sleeper;
  /** An upper bound of each attempt's timeout, 0 for none: the slot for the per-host state's timeouts. */
  private final long attemptTimeoutNanos;
  /** The guard's operations by host, so a call finds its own without building a key. */
  private final ConcurrentHashMap<String, GuardedOperation> operations = new ConcurrentHashMap<>();
  /** Set once the startup delay has passed: from then on the gate costs one volatile read. */
  private volatile boolean started;

  private HerdGuardHttpClient(Builder b) {
    this.delegate = b.delegate;
    this.guard = b.guard;
    this.operationName = b.operationName;
    this.retryStatus = b.retryStatus.clone();
    this.tokens = b.tokens;
    this.startupGate = b.startupGate;
    this.safeToRepeat = b.safeToRepeat;
    this.clock = b.clock;
    this.sleeper = b.sleeper;
    this.attemptTimeoutNanos = b.attemptTimeout == null ? 0 : b.attemptTimeout.toNanos();
    this.started = !b.startupGate || guard.startupAsync().isDone();
  }

  /**
   * {@code client} guarded with the defaults: operation {@code http}, statuses 408, 429, 502, 503,
   * 504, the startup gate, no tokens.
   *
   * @param client the client that sends the requests; configure it as usual (an executor, a proxy,
   *     TLS), but give it no {@link Authenticator} if herdguard is to carry tokens
   * @param guard gives the breakers, budgets and retry settings ({@code herdguard.operations.http.*}
   *     over the global keys) and the startup delay
   * @return the guarded client
   * @throws NullPointerException if an argument is null
   */
  public static HerdGuardHttpClient create(HttpClient client, HerdGuard guard) {
    return builder(client, guard).build();
  }

  /**
   * A builder for a client that sends through {@code client}, guarded by {@code guard}.
   *
   * @param client the client that sends the requests
   * @param guard gives the breakers, budgets, retry settings and startup delay
   * @return a builder with the defaults of {@link #create}
   * @throws NullPointerException if an argument is null
   */
  public static Builder builder(HttpClient client, HerdGuard guard) {
    return new Builder(client, guard);
  }

  /** The wrapped client, which sends each attempt: use it for calls herdguard must not guard (a login). */
  public HttpClient delegate() {
    return delegate;
  }

  /**
   * The statuses this client retries.
   *
   * @return an unmodifiable set, in ascending order
   */
  public Set<Integer> retryStatusCodes() {
    TreeSet<Integer> codes = new TreeSet<>();
    for (int code = MIN_RETRY_STATUS; code <= MAX_RETRY_STATUS; code++) {
      if (retryStatus[code]) {
        codes.add(code);
      }
    }
    return Collections.unmodifiableSet(codes);
  }

  /**
   * Sends {@code request} under the breaker of its host, retrying as the class comment says.
   *
   * @throws BreakerOpenException if the host's breaker is open; no request was sent
   * @throws HttpTimeoutException if the request's timeout passed (during an attempt, or the startup delay)
   * @throws IOException the last attempt's failure when the retries end on one, or no login token
   * @throws InterruptedException if the thread is interrupted while it waits or sends
   * @throws IllegalArgumentException if the request's URI has no host
   * @throws NullPointerException if an argument is null
   */
  @Override
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    Call<T> call = new Call<>(request, handler, null);
    if (!started) {
      call.awaitStartup();
    }
    if (call.wantsToken) {
      call.token = call.blockingToken();
    }
    call.checkDeadline(); // spent waiting for the start or the token: the server was not asked, nor blamed
    HttpResponse<?> response;
    try {
      response = call.operation.call(call::sendOnce, call);
    } catch (HerdGuardException stop) {
      response = call.handOver(stop);
    } catch (IOException | InterruptedException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      // sendOnce throws nothing else; kept so that a surprise is not lost.
      throw new IOException(describe(request) + ": " + e, e);
    }
    if (!Buffered.isBuffered(response)) {
      return cast(response);
    }
    try {
      return Buffered.replay(response, handler).get();
    } catch (ExecutionException e) {
      throw asIoException(e.getCause(), request);
    }
  }

  /**
   * Sends {@code request} asynchronously under the breaker of its host, retrying as the class
   * comment says. No thread blocks: the startup delay, the token and the backoffs are waited for by
   * futures and the guard's scheduler. Cancelling the returned future stops the call.
   *
   * @return the response, or the failure that ended the call: a {@link BreakerOpenException}, an
   *     {@link HttpTimeoutException}, the last attempt's {@link IOException}
   * @throws IllegalArgumentException if the request's URI has no host
   * @throws NullPointerException if an argument is null
   */
  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
      HttpResponse.BodyHandler<T> handler) {
    return new AsyncCall<>(new Call<>(request, handler, null)).start();
  }

  /**
   * As {@link #sendAsync(HttpRequest, HttpResponse.BodyHandler)}; {@code pushPromiseHandler}
   * receives the push promises of every attempt.
   */
  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
      HttpResponse.BodyHandler<T> handler, HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
    return new AsyncCall<>(new Call<>(request, handler, pushPromiseHandler)).start();
  }

  /**
   * The operation of {@code host} as the URI spells it: the map is keyed by that spelling, so a call
   * does not lower-case its host, and every spelling of one host finds the guard's one operation.
   */
  private GuardedOperation operation(String host) {
    GuardedOperation operation = operations.get(host);
    if (operation == null) {
      operation = operations.computeIfAbsent(host, h -> guard.operation(operationName, h.toLowerCase(Locale.ROOT)));
    }
    return operation;
  }

  private boolean isRetryStatus(int code) {
    return code >= MIN_RETRY_STATUS && code <= MAX_RETRY_STATUS && retryStatus[code];
  }

  /** A response whose body is the caller's type: the handler made it, only the static type differs. */
  @SuppressWarnings("unchecked")
  private static <T> HttpResponse<T> cast(HttpResponse<?> response) {
    return (HttpResponse<T>) response;
  }

  /**
   * One call: its request, what it decided up front, and its say over its retries. The blocking
   * form is confined to the calling thread; the async form's fields are read by whichever thread
   * completes an attempt, one after the other.
   */
  private final class Call<T> implements GuardedOperation.RetryControl {
    final HttpRequest request;
    final HttpResponse.BodyHandler<T> handler;
    final HttpResponse.PushPromiseHandler<Object> push;
    final String host;
    final GuardedOperation operation;
    final boolean repeatable;
    final boolean wantsToken;
    final boolean hasDeadline;
    final long deadlineNanos;
    /** The token the next attempt sends; replaced when a 401 brings a fresh one. */
    volatile Token token;
    /** The first attempt may go out as the caller built it; later ones carry the time left. */
    volatile boolean first = true;

    @SuppressWarnings("unchecked")
    Call(HttpRequest request, HttpResponse.BodyHandler<T> handler, HttpResponse.PushPromiseHandler<T> push) {
      this.request = Objects.requireNonNull(request, "request");
      this.handler = Objects.requireNonNull(handler, "handler");
      // Pushed responses get the caller's handlers; only the static type of the main one differs.
      this.push = (HttpResponse.PushPromiseHandler<Object>) (HttpResponse.PushPromiseHandler<?>) push;
      String uriHost = host(request);
      this.operation = operation(uriHost);
      this.host = uriHost;
      this.repeatable = isSafeToRepeat(request);
      this.wantsToken = tokens != null && request.headers().firstValue(AUTHORIZATION).isEmpty();
      Optional<Duration> timeout = request.timeout();
      long deadline = Long.MAX_VALUE;
      if (timeout.isPresent()) {
        deadline = System.nanoTime() + saturatedNanos(timeout.get());
      }
      this.hasDeadline = deadline != Long.MAX_VALUE;
      this.deadlineNanos = deadline;
    }

    /** One attempt, blocking: the exchange, and a second one with a fresh token after a 401. */
    HttpResponse<?> sendOnce() throws IOException, InterruptedException {
      Token sent = token;
      HttpResponse<Object> response = delegate.send(attemptRequest(sent), bodyHandler(sent != null));
      if (response.statusCode() == UNAUTHORIZED && sent != null && Buffered.isBuffered(response)) {
        tokens.invalidate(sent); // by value: a no-op if another call already replaced it
        Token fresh = blockingToken();
        if (!fresh.value().equals(sent.value())) {
          token = fresh;
          response = delegate.send(attemptRequest(fresh), bodyHandler(false));
        }
      }
      return checkStatus(response);
    }

    /** One attempt, async: the same steps as {@link #sendOnce}, each a future. */
    CompletableFuture<HttpResponse<?>> sendOnceAsync(AsyncCall<T> async) {
      Token sent = token;
      HttpRequest attempt;
      try {
        attempt = attemptRequest(sent);
      } catch (HttpTimeoutException e) {
        return CompletableFuture.failedFuture(e);
      }
      CompletableFuture<HttpResponse<Object>> exchange = async.track(
          delegate.sendAsync(attempt, bodyHandler(sent != null), push));
      return exchange.thenCompose(response -> {
        if (response.statusCode() != UNAUTHORIZED || sent == null || !Buffered.isBuffered(response)) {
          return checkStatusAsync(response);
        }
        tokens.invalidate(sent);
        return tokens.getAsync()
            .handle((fresh, failure) -> {
              if (failure != null) {
                throw new CompletionException(noToken(unwrap(failure)));
              }
              return fresh;
            })
            .thenCompose(fresh -> {
              if (fresh.value().equals(sent.value())) {
                return checkStatusAsync(response);
              }
              token = fresh;
              HttpRequest again;
              try {
                again = attemptRequest(fresh);
              } catch (HttpTimeoutException e) {
                return CompletableFuture.failedFuture(e);
              }
              return async.track(delegate.sendAsync(again, bodyHandler(false), push))
                  .thenCompose(this::checkStatusAsync);
            });
      });
    }

    /** The response, or a {@link BusyResponse} for core to retry when its status says so. */
    HttpResponse<?> checkStatus(HttpResponse<?> response) throws BusyResponse {
      int code = response.statusCode();
      if (isRetryStatus(code)) {
        throw new BusyResponse(response, "HTTP " + code + " from " + describe(request), retryAfter(response));
      }
      return response;
    }

    CompletableFuture<HttpResponse<?>> checkStatusAsync(HttpResponse<?> response) {
      try {
        return CompletableFuture.completedFuture(checkStatus(response));
      } catch (BusyResponse busy) {
        return CompletableFuture.failedFuture(busy);
      }
    }

    /**
     * Reads the body into memory when herdguard may discard the response: a retry status, or a 401
     * on a token from the cache, which this call answers itself.
     */
    @SuppressWarnings("unchecked")
    HttpResponse.BodyHandler<Object> bodyHandler(boolean mayAnswer401) {
      return info -> {
        int code = info.statusCode();
        if (isRetryStatus(code) || (mayAnswer401 && code == UNAUTHORIZED)) {
          return Buffered.subscriber();
        }
        // The caller's own subscriber: its body is a T, typed as Object here and cast back on return.
        return (HttpResponse.BodySubscriber<Object>) (HttpResponse.BodySubscriber<?>) handler.apply(info);
      };
    }

    /**
     * The request as this attempt sends it: with the token, and with the time left before the
     * deadline (or the per-attempt bound, if smaller) as its timeout. The first attempt without a
     * token is the caller's request itself, not a copy.
     */
    HttpRequest attemptRequest(Token t) throws HttpTimeoutException {
      long timeout = attemptTimeoutNanos > 0 ? attemptTimeoutNanos : Long.MAX_VALUE;
      boolean ownTimeoutFits = first && attemptTimeoutNanos == 0;
      first = false;
      if (hasDeadline) {
        long left = deadlineNanos - System.nanoTime();
        if (left < MIN_ATTEMPT_TIMEOUT_NANOS) {
          throw new HttpTimeoutException("request timed out: " + describe(request));
        }
        timeout = Math.min(timeout, left);
      }
      boolean setTimeout = timeout != Long.MAX_VALUE && !ownTimeoutFits;
      if (t == null && !setTimeout) {
        return request;
      }
      HttpRequest.Builder copy = HttpRequest.newBuilder(request, (name, value) -> true);
      if (t != null) {
        copy.setHeader(AUTHORIZATION, BEARER + t.value());
      }
      if (setTimeout) {
        copy.timeout(Duration.ofNanos(timeout));
      }
      return copy.build();
    }

    @Override
    public Optional<String> refuseRetry(long delayNanos) {
      if (!repeatable) {
        return Optional.of(describe(request)
            + " is not safe to repeat (declare it with HerdGuardHttpClient.Builder.withSafeToRepeat if it is)");
      }
      if (hasDeadline && delayNanos > deadlineNanos - System.nanoTime() - MIN_ATTEMPT_TIMEOUT_NANOS) {
        return Optional.of("the next attempt, in " + TimeUnit.NANOSECONDS.toMillis(delayNanos)
            + "ms, would start after the request's timeout");
      }
      return Optional.empty();
    }

    @Override
    public void await(long delayNanos) throws InterruptedException {
      sleeper.sleep(delayNanos);
    }

    /** What the caller gets when herdguard stopped the call: a response to hand over, or a throw. */
    HttpResponse<?> handOver(HerdGuardException stop) throws IOException {
      if (stop.reason() == HerdGuardException.Reason.BREAKER_OPEN) {
        throw new BreakerOpenException(host, describe(request), stop);
      }
      Throwable last = stop.getCause();
      if (last instanceof BusyResponse) {
        return ((BusyResponse) last).response();
      }
      if (last instanceof IOException) {
        throw (IOException) last;
      }
      throw new IOException(stop.getMessage(), stop);
    }

    /** Fails before the first attempt when the deadline has already passed, so the breaker never sees it. */
    void checkDeadline() throws HttpTimeoutException {
      if (hasDeadline && deadlineNanos - System.nanoTime() < MIN_ATTEMPT_TIMEOUT_NANOS) {
        throw new HttpTimeoutException("request timed out before it was sent: " + describe(request));
      }
    }

    /** Holds a blocking call until the startup delay has passed, or its deadline. */
    void awaitStartup() throws InterruptedException, HttpTimeoutException {
      CompletableFuture<Void> ready = guard.startupAsync();
      try {
        if (hasDeadline) {
          ready.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } else {
          ready.get();
        }
      } catch (TimeoutException e) {
        throw new HttpTimeoutException("request timed out waiting for the startup delay: " + describe(request));
      } catch (ExecutionException e) {
        // Only a guard that was closed fails it: the delay has no meaning any more.
      } finally {
        ready.cancel(false);
      }
      started = true;
    }

    CompletableFuture<Void> startupAsync() {
      CompletableFuture<Void> ready = guard.startupAsync();
      if (hasDeadline && !ready.isDone()) {
        ready.orTimeout(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
      return ready;
    }

    Token blockingToken() throws IOException, InterruptedException {
      try {
        return tokens.get();
      } catch (RuntimeException e) {
        throw noToken(e);
      }
    }

    /** The message holds no token: the cache's messages never do. */
    IOException noToken(Throwable e) {
      if (e instanceof IOException) {
        return (IOException) e;
      }
      return new IOException("no login token for " + describe(request) + ": " + e.getMessage(), e);
    }

    private Duration retryAfter(HttpResponse<?> response) {
      HttpHeaders headers = response.headers();
      Optional<String> header = headers.firstValue("Retry-After");
      if (header.isEmpty()) {
        return null;
      }
      Instant now = headers.firstValue("Date").flatMap(HerdGuardHttpClient::httpDate).orElseGet(clock::instant);
      return RetryAfter.parse(header.get(), now).orElse(null);
    }
  }

  /**
   * One {@code sendAsync}: startup, token, then the guarded attempts, each step a future. Cancelling
   * {@link #result} cancels the step that runs.
   */
  private final class AsyncCall<T> {
    final Call<T> call;
    final CompletableFuture<HttpResponse<T>> result = new CompletableFuture<>();
    /** The step that runs now: the startup wait, the token, or the guarded call. */
    volatile CompletableFuture<?> current;
    /** The exchange in flight, cancelled with the call: a stage derived from it would not pass a cancel on. */
    volatile CompletableFuture<?> exchange;

    AsyncCall(Call<T> call) {
      this.call = call;
    }

    CompletableFuture<HttpResponse<T>> start() {
      result.whenComplete((value, failure) -> {
        if (result.isCancelled()) {
          cancel(current);
          cancel(exchange);
        }
      });
      if (started) {
        afterStartup();
      } else {
        CompletableFuture<Void> ready = step(call.startupAsync());
        ready.whenComplete((nothing, failure) -> {
          Throwable f = unwrap(failure);
          if (f instanceof TimeoutException) {
            result.completeExceptionally(new HttpTimeoutException(
                "request timed out waiting for the startup delay: " + describe(call.request)));
            return;
          }
          // A failure other than the deadline is a closed guard: the delay has no meaning any more.
          started = true;
          afterStartup();
        });
      }
      return result;
    }

    private void afterStartup() {
      if (result.isDone()) {
        return;
      }
      if (!call.wantsToken) {
        guarded();
        return;
      }
      step(tokens.getAsync()).whenComplete((token, failure) -> {
        if (failure != null) {
          result.completeExceptionally(call.noToken(unwrap(failure)));
        } else {
          call.token = token;
          guarded();
        }
      });
    }

    private void guarded() {
      if (result.isDone()) {
        return;
      }
      try {
        call.checkDeadline();
      } catch (HttpTimeoutException e) {
        result.completeExceptionally(e);
        return;
      }
      step(call.operation.<HttpResponse<?>>callAsync(() -> call.sendOnceAsync(this), call))
          .whenComplete(this::settle);
    }

    private void settle(HttpResponse<?> response, Throwable failure) {
      if (failure == null) {
        deliver(response);
        return;
      }
      Throwable f = unwrap(failure);
      if (f instanceof HerdGuardException) {
        try {
          deliver(call.handOver((HerdGuardException) f));
        } catch (IOException e) {
          result.completeExceptionally(e);
        }
        return;
      }
      result.completeExceptionally(f);
    }

    private void deliver(HttpResponse<?> response) {
      if (!Buffered.isBuffered(response)) {
        result.complete(cast(response));
        return;
      }
      Buffered.replay(response, call.handler).whenComplete((replayed, failure) -> {
        if (failure != null) {
          result.completeExceptionally(asIoException(unwrap(failure), call.request));
        } else {
          result.complete(replayed);
        }
      });
    }

    /** Makes {@code future} the step a cancel reaches, and cancels it if the cancel came first. */
    private <V> CompletableFuture<V> step(CompletableFuture<V> future) {
      current = future;
      if (result.isCancelled()) {
        future.cancel(true);
      }
      return future;
    }

    <V> CompletableFuture<V> track(CompletableFuture<V> sent) {
      exchange = sent;
      if (result.isCancelled()) {
        sent.cancel(true);
      }
      return sent;
    }

    private void cancel(CompletableFuture<?> future) {
      if (future != null) {
        future.cancel(true);
      }
    }
  }

  private boolean isSafeToRepeat(HttpRequest request) {
    switch (request.method()) {
      case "GET":
      case "HEAD":
      case "OPTIONS":
      case "PUT":
      case "DELETE":
        return true;
      default:
        return safeToRepeat.test(request);
    }
  }

  private static String host(HttpRequest request) {
    String host = request.uri().getHost();
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("request URI " + describe(request.uri())
          + " has no host: herdguard keeps a breaker per host");
    }
    return host;
  }

  /** {@code GET https://api.example.com:443/v1/updates}: no query, no user info, which may hold secrets. */
  static String describe(HttpRequest request) {
    return request.method() + " " + describe(request.uri());
  }

  private static String describe(URI uri) {
    StringBuilder s = new StringBuilder();
    s.append(uri.getScheme()).append("://").append(uri.getHost());
    if (uri.getPort() >= 0) {
      s.append(':').append(uri.getPort());
    }
    if (uri.getRawPath() != null) {
      s.append(uri.getRawPath());
    }
    return s.toString();
  }

  private static Optional<Instant> httpDate(String value) {
    try {
      return Optional.of(ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 2;
    }
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable f = failure;
    while ((f instanceof CompletionException || f instanceof ExecutionException) && f.getCause() != null) {
      f = f.getCause();
    }
    return f;
  }

  private static IOException asIoException(Throwable failure, HttpRequest request) {
    if (failure instanceof IOException) {
      return (IOException) failure;
    }
    if (failure instanceof CancellationException) {
      return new IOException("canceled: " + describe(request), failure);
    }
    return new IOException(describe(request) + ": " + failure, failure);
  }

  @Override
  public Optional<CookieHandler> cookieHandler() {
    return delegate.cookieHandler();
  }

  @Override
  public Optional<Duration> connectTimeout() {
    return delegate.connectTimeout();
  }

  @Override
  public Redirect followRedirects() {
    return delegate.followRedirects();
  }

  @Override
  public Optional<ProxySelector> proxy() {
    return delegate.proxy();
  }

  @Override
  public SSLContext sslContext() {
    return delegate.sslContext();
  }

  @Override
  public SSLParameters sslParameters() {
    return delegate.sslParameters();
  }

  @Override
  public Optional<Authenticator> authenticator() {
    return delegate.authenticator();
  }

  @Override
  public Version version() {
    return delegate.version();
  }

  @Override
  public Optional<Executor> executor() {
    return delegate.executor();
  }

  /** The wrapped client's: WebSockets are not guarded. */
  @Override
  public WebSocket.Builder newWebSocketBuilder() {
    return delegate.newWebSocketBuilder();
  }

  @Override
  public String toString() {
    return "HerdGuardHttpClient[operation=" + operationName + ", retryStatusCodes=" + retryStatusCodes()
        + ", tokens=" + (tokens != null) + ", startupGate=" + startupGate + "]";
  }

  /**
   * Builds a {@link HerdGuardHttpClient}. Not thread-safe; the last call of a setter wins.
   */
  public static final class Builder {
    private final HttpClient delegate;
    private final HerdGuard guard;
    private String operationName = DEFAULT_OPERATION_NAME;
    private final boolean[] retryStatus = new boolean[MAX_RETRY_STATUS + 1];
    private TokenCache tokens;
    private boolean startupGate = true;
    private Predicate<? super HttpRequest> safeToRepeat = request -> false;
    private InstantSource clock = InstantSource.system();
    private Sleeper sleeper = Sleeper.SYSTEM;
    private Duration attemptTimeout;

    private Builder(HttpClient delegate, HerdGuard guard) {
      this.delegate = Objects.requireNonNull(delegate, "client");
      this.guard = Objects.requireNonNull(guard, "guard");
      if (delegate instanceof HerdGuardHttpClient) {
        throw new IllegalArgumentException("client is already a HerdGuardHttpClient: guarding it twice"
            + " would retry each retry; wrap its delegate() instead");
      }
      for (int code : DEFAULT_RETRY_STATUS_CODES) {
        retryStatus[code] = true;
      }
    }

    /**
     * The name of the guarded operation: calls to host {@code h} run as {@code
     * guard.operation(name, h)}, configured by {@code herdguard.operations.<name>.*} over the global
     * keys. Default {@code http}.
     *
     * @param name lower-case letters, digits, {@code -} and {@code _}, starting with a letter or digit
     * @return this builder
     * @throws IllegalArgumentException if {@code name} breaks that rule
     * @throws NullPointerException if {@code name} is null
     */
    public Builder withOperationName(String name) {
      guard.config().forOperation(Objects.requireNonNull(name, "name")); // checks the name now, not on the first call
      this.operationName = name;
      return this;
    }

    /**
     * The response statuses that are retried, replacing the set before. Default 408, 429, 502, 503,
     * 504. None at all leaves only {@code IOException}s retried.
     *
     * @param codes statuses in [400, 599]
     * @return this builder
     * @throws IllegalArgumentException naming every code outside [400, 599]
     */
    public Builder withRetryStatusCodes(int... codes) {
      Objects.requireNonNull(codes, "codes");
      TreeSet<Integer> bad = new TreeSet<>();
      for (int code : codes) {
        if (code < MIN_RETRY_STATUS || code > MAX_RETRY_STATUS) {
          bad.add(code);
        }
      }
      if (!bad.isEmpty()) {
        throw new IllegalArgumentException("retry status codes " + bad + " must be in ["
            + MIN_RETRY_STATUS + ", " + MAX_RETRY_STATUS + "]: only an error status can be retried");
      }
      Arrays.fill(retryStatus, false);
      for (int code : codes) {
        retryStatus[code] = true;
      }
      return this;
    }

    /**
     * Sends the tokens of {@code cache} and refreshes them on a 401, as the class comment says.
     * Default: no tokens.
     *
     * @param cache the token cache; its login must not use this client
     * @return this builder
     * @throws NullPointerException if {@code cache} is null
     */
    public Builder withTokens(TokenCache cache) {
      this.tokens = Objects.requireNonNull(cache, "cache");
      return this;
    }

    /**
     * Whether calls wait for the guard's startup delay. Default true. Turn it off on a client whose
     * calls are user-initiated, and spread the first automatic contact instead.
     *
     * @return this builder
     */
    public Builder withStartupGate(boolean enabled) {
      this.startupGate = enabled;
      return this;
    }

    /**
     * Declares more requests safe to repeat than the idempotent methods (GET, HEAD, OPTIONS, PUT,
     * DELETE, always retried): a request that {@code predicate} accepts is retried whatever its
     * method, such as a login POST the server deduplicates. The predicate runs once per call, on the
     * caller's thread; it must be quick and thread-safe. Default: none.
     *
     * @param predicate accepts the requests that may be sent more than once
     * @return this builder
     * @throws NullPointerException if {@code predicate} is null
     */
    public Builder withSafeToRepeat(Predicate<? super HttpRequest> predicate) {
      this.safeToRepeat = Objects.requireNonNull(predicate, "predicate");
      return this;
    }

    /**
     * The clock an HTTP-date {@code Retry-After} is measured against when the response has no
     * {@code Date} header. Default: the system clock.
     *
     * @return this builder
     * @throws NullPointerException if {@code clock} is null
     */
    public Builder withClock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** How blocking backoffs are waited; tests record them instead. */
    Builder withSleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /**
     * An upper bound of each attempt's timeout, below the request's own. Package-private until the
     * per-host state's timeouts land in core's configuration, which will set it.
     */
    Builder withAttemptTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("attempt timeout (" + timeout + ") must be > 0");
      }
      this.attemptTimeout = timeout;
      return this;
    }

    /**
     * The client.
     *
     * @return a new guarded client
     */
    public HerdGuardHttpClient build() {
      return new HerdGuardHttpClient(this);
    }
  }
}

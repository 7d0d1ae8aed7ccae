package dev.herdguard.okhttp;

import dev.herdguard.GuardedOperation;
import dev.herdguard.HerdGuard;
import dev.herdguard.HerdGuardException;
import dev.herdguard.HostState;
import dev.herdguard.RetryAfter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Timeout;

/**
 * An OkHttp application interceptor that runs each call as a herdguard {@link GuardedOperation}:
 * a circuit breaker per host, retries with the configured backoff, the host's retry budget, and
 * the server's {@code Retry-After}, capped and spread. Install it with {@link
 * okhttp3.OkHttpClient.Builder#addInterceptor}, never as a network interceptor (those must call
 * {@code proceed} exactly once), or let {@link HerdGuardOkHttp} install it.
 *
 * <p><b>What is retried.</b> An {@link IOException} from the exchange (a refused or dropped
 * connection, a timeout), and a response whose status is one of {@link
 * Builder#withRetryStatusCodes retry status codes} (408, 429, 502, 503, 504 by default), but only
 * for a request that is {@linkplain RetryableRequests#isSafeToRepeat safe to repeat}: GET, HEAD,
 * OPTIONS, PUT, DELETE, or one tagged with {@link RetryableRequests#TAG}, and never one with a
 * one-shot body. Any other request is sent once: it still passes the breaker, and its failure
 * still counts there. A connection that drops after the response headers have arrived fails while
 * the caller reads the body, after this interceptor has returned: it is not retried, since making
 * it retryable would mean buffering every body.
 *
 * <p><b>What the caller sees.</b> The first response that is not retried, as OkHttp would return
 * it. When the retries end on a status (attempts, {@code retry.max-duration}, the budget, a
 * {@code Retry-After} longer than {@code retry.retry-after.max}, or a request not safe to repeat),
 * the last response itself, unclosed: the caller sees the 503, as without herdguard. When they end
 * on an {@code IOException}, that exception, as it was thrown. When the host's breaker is open, a
 * {@link BreakerOpenException} naming the host, and no request at all. Every response discarded
 * for a retry is closed before the wait, so its connection goes back to the pool.
 *
 * <p><b>{@code Retry-After}.</b> Both forms are read: delay-seconds, and an HTTP-date, which is
 * measured from the response's own {@code Date} header when it has one, so a client whose clock is
 * off still waits what the server meant (from {@link Builder#withClock the clock} otherwise).
 *
 * <p><b>Cancel and call timeout.</b> The backoff is waited on the calling thread (a dispatcher
 * thread for {@code enqueue}). {@link Call#cancel()} ends the wait within about 10 ms, with no
 * further request, and the call fails as OkHttp fails a canceled call; a cancel is not a failure
 * of the server, so the breaker does not count it. A retry that could only start after the call's
 * timeout ({@link okhttp3.OkHttpClient.Builder#callTimeout}, counted from when this interceptor is
 * entered) is not made: the call ends at once with what the last attempt got, rather than with a
 * timeout after a wait that could not finish.
 *
 * <p><b>OkHttp's own retries.</b> Below application interceptors, OkHttp follows redirects,
 * answers authentication challenges, resends a 503 carrying {@code Retry-After: 0} (a 408 too),
 * and, with {@code retryOnConnectionFailure} (on by default), silently resends a request whose
 * connection failed, a POST included. {@link HerdGuardOkHttp#install} turns the last off and adds
 * {@link #networkInterceptor()}, which stops the 503 and 408 resends, so that every resend is
 * herdguard's decision; installing this interceptor by hand, do both yourself.
 *
 * <p>Immutable and thread-safe; one instance serves every call of a client, and may serve several
 * clients. Breakers and budgets belong to the {@link HerdGuard}: every client guarded with the same
 * guard shares them per host name, and keeps them for the guard's life, so guard calls to a known
 * set of backends, not to hosts without number.
 */
public final class HerdGuardInterceptor implements Interceptor {

  /** The operation name used unless {@link Builder#withOperationName} says otherwise. */
  public static final String DEFAULT_OPERATION_NAME = "http";

  /** The statuses retried unless {@link Builder#withRetryStatusCodes} says otherwise. */
  public static final Set<Integer> DEFAULT_RETRY_STATUS_CODES =
      Collections.unmodifiableSet(new TreeSet<>(Set.of(408, 429, 502, 503, 504)));

  private static final int MIN_RETRY_STATUS = 400;
  private static final int MAX_RETRY_STATUS = 599;

  private final HerdGuard guard;
  private final String operationName;
  /** Indexed by status code: a lookup on every response, without boxing. */
  private final boolean[] retryStatus;
  private final InstantSource clock;
  private final CallSleeper sleeper;
  /** The guard's operations by host, so a call finds its own without building a key. */
  private final ConcurrentHashMap<String, GuardedOperation> operations = new ConcurrentHashMap<>();

  private HerdGuardInterceptor(Builder b) {
    this.guard = b.guard;
    this.operationName = b.operationName;
    this.retryStatus = b.retryStatus.clone();
    this.clock = b.clock;
    this.sleeper = b.sleeper;
  }

  /**
   * An interceptor with the defaults: operation {@code http}, statuses 408, 429, 502, 503, 504.
   *
   * @param guard gives the breakers, budgets and retry settings ({@code herdguard.operations.http.*}
   *     over the global keys)
   * @return the interceptor
   * @throws NullPointerException if {@code guard} is null
   */
  public static HerdGuardInterceptor create(HerdGuard guard) {
    return builder(guard).build();
  }

  /**
   * A builder for an interceptor that guards calls with {@code guard}.
   *
   * @param guard gives the breakers, budgets and retry settings
   * @return a builder with the defaults
   * @throws NullPointerException if {@code guard} is null
   */
  public static Builder builder(HerdGuard guard) {
    return new Builder(guard);
  }

  /**
   * The network interceptor that goes with this one: it keeps OkHttp's own follow-up from resending
   * a 503 or 408 below herdguard, and from throwing on their {@code Retry-After}. {@link
   * HerdGuardOkHttp#install} adds it; add it with {@link
   * okhttp3.OkHttpClient.Builder#addNetworkInterceptor} when installing this interceptor by hand.
   *
   * <p>OkHttp resends, by itself, a 503 whose {@code Retry-After} is {@code 0} (any method, a POST
   * too) and, with {@code retryOnConnectionFailure}, a 408 without a {@code Retry-After} or with
   * {@code 0}; it reads that header with {@code Integer.valueOf}, which throws {@code
   * NumberFormatException} on a longer number. The network interceptor hides those responses'
   * {@code Retry-After} from OkHttp's follow-up, and this interceptor puts the server's values back
   * before it, or the caller, reads them. Without it, such a 503 or 408 is resent by OkHttp, and a
   * header OkHttp cannot read ends the attempt with a {@link java.net.ProtocolException} instead of
   * the {@code NumberFormatException}.
   *
   * @return a stateless interceptor, shared by every client
   */
  public static Interceptor networkInterceptor() {
    return FollowUpShield.INSTANCE;
  }

  /**
   * The statuses this interceptor retries.
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
   * Runs the call under the breaker of its host, retrying as the class comment says.
   *
   * @throws BreakerOpenException if the host's breaker is open; no request was sent
   * @throws IOException the last attempt's failure when the retries end on one, or OkHttp's
   *     failure of a canceled call
   * @throws InterruptedIOException if the thread is interrupted while it waits to retry
   */
  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    String host = request.url().host();
    GuardedOperation operation = operations.get(host);
    if (operation == null) {
      operation = operations.computeIfAbsent(host, h -> guard.operation(operationName, h));
    }
    GuardedCall call = new GuardedCall(chain, request, operation.host());
    try {
      return operation.call(call, call);
    } catch (HerdGuardException stop) {
      return call.outcome(stop, host);
    } catch (CallCanceled canceled) {
      throw canceled.asThrownByOkHttp();
    } catch (InterruptedException interrupted) {
      if (chain.call().isCanceled()) {
        throw new IOException("Canceled");
      }
      Thread.currentThread().interrupt();
      InterruptedIOException e = new InterruptedIOException(
          "interrupted while waiting to retry " + describe(request));
      e.initCause(interrupted);
      throw e;
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      // GuardedCall throws nothing else; kept so that a surprise is not lost.
      throw new IOException(describe(request) + ": " + e, e);
    }
  }

  @Override
  public String toString() {
    return "HerdGuardInterceptor[operation=" + operationName + ", retryStatusCodes=" + retryStatusCodes() + "]";
  }

  /**
   * One call: the attempt that the operation runs, and the call's say over its retries. Confined to
   * the calling thread.
   */
  private final class GuardedCall implements Callable<Response>, GuardedOperation.RetryControl {
    private final Chain chain;
    private final HostState host;
    private final Call httpCall;
    private final Request request;
    private final boolean repeatable;
    private final boolean hasDeadline;
    private final long deadlineNanos;
    /** The last response with a retry status, open until a retry is decided or it is returned. */
    private Response busy;

    GuardedCall(Chain chain, Request request, HostState host) {
      this.chain = chain;
      this.host = host;
      this.httpCall = chain.call();
      this.request = request;
      this.repeatable = RetryableRequests.isSafeToRepeat(request);
      // The call timeout started a moment earlier, when the call did: close enough for "no retry
      // would start after it", and OkHttp's own timeout still ends the call at the real deadline.
      Timeout timeout = httpCall.timeout();
      long now = System.nanoTime();
      long deadline = Long.MAX_VALUE;
      if (timeout.timeoutNanos() > 0) {
        deadline = now + timeout.timeoutNanos();
      }
      if (timeout.hasDeadline()) {
        deadline = Math.min(deadline, timeout.deadlineNanoTime());
      }
      this.hasDeadline = deadline != Long.MAX_VALUE;
      this.deadlineNanos = deadline;
    }

    @Override
    public Response call() throws IOException {
      if (httpCall.isCanceled()) {
        throw new CallCanceled(null);
      }
      Response response;
      try {
        response = patient(chain).proceed(request);
      } catch (IOException e) {
        if (httpCall.isCanceled()) {
          throw new CallCanceled(e);
        }
        throw e;
      } catch (NumberFormatException e) {
        // OkHttp's follow-up reads a 503's or 408's Retry-After with Integer.valueOf; without the
        // network interceptor, a number of more than ten digits throws out of the call.
        throw new java.net.ProtocolException(describe(request) + ": OkHttp could not read a header of the"
            + " response (" + e.getClass().getSimpleName() + "); add HerdGuardInterceptor.networkInterceptor()");
      }
      int code = response.code();
      if (FollowUpShield.shields(code)) {
        response = FollowUpShield.restore(response);
      }
      if (code >= MIN_RETRY_STATUS && code <= MAX_RETRY_STATUS && retryStatus[code]) {
        busy = response;
        throw new BusyResponseException(response,
            "HTTP " + code + " from " + describe(request), retryAfter(response));
      }
      // A hint on any other answer (a 500, even a 200) still asks the whole host to wait.
      if (response.header("Retry-After") != null) {
        Duration hint = retryAfter(response);
        if (hint != null) {
          host.obeyHint(hint);
        }
      }
      return response;
    }

    /**
     * The chain with this attempt's read and write timeouts: longer after the host's requests timed
     * out or were turned away, so that an answer from a deep queue is waited for instead of being
     * abandoned and asked for again. The connect timeout stays: a refused or unreachable server
     * costs nothing, and says nothing of its queue.
     */
    private Chain patient(Chain chain) {
      int read = chain.readTimeoutMillis();
      int write = chain.writeTimeoutMillis();
      int longerRead = longer(read);
      int longerWrite = longer(write);
      Chain c = chain;
      if (longerRead != read) {
        c = c.withReadTimeout(longerRead, TimeUnit.MILLISECONDS);
      }
      if (longerWrite != write) {
        c = c.withWriteTimeout(longerWrite, TimeUnit.MILLISECONDS);
      }
      return c;
    }

    private int longer(int millis) {
      if (millis <= 0) {
        return millis; // no timeout at all: nothing to grow
      }
      long grown = host.attemptTimeout(Duration.ofMillis(millis)).toMillis();
      return (int) Math.min(Integer.MAX_VALUE, grown);
    }

    @Override
    public Optional<String> refuseRetry(long delayNanos) {
      if (!repeatable) {
        return Optional.of(describe(request)
            + " is not safe to repeat (tag it with RetryableRequests.TAG if it is)");
      }
      if (hasDeadline && delayNanos > deadlineNanos - System.nanoTime()) {
        return Optional.of("the next attempt, in " + TimeUnit.NANOSECONDS.toMillis(delayNanos)
            + "ms, would start after the call's timeout");
      }
      return Optional.empty();
    }

    @Override
    public Optional<String> refuseWait(long delayNanos) {
      if (hasDeadline && delayNanos > deadlineNanos - System.nanoTime()) {
        return Optional.of("the host's wait ends after the call's timeout");
      }
      return Optional.empty();
    }

    @Override
    public void await(long delayNanos) throws InterruptedException {
      Response discarded = busy;
      busy = null;
      if (discarded != null) {
        // Before the wait, not after: the connection goes back to the pool instead of idling here.
        closeQuietly(discarded);
      }
      sleeper.sleep(httpCall, delayNanos);
    }

    /** What the caller gets when herdguard stopped the call. */
    Response outcome(HerdGuardException stop, String host) throws IOException {
      if (stop.reason() == HerdGuardException.Reason.BREAKER_OPEN) {
        throw new BreakerOpenException(host, describe(request), stop);
      }
      Throwable last = stop.getCause();
      if (last instanceof BusyResponseException) {
        // The last response was never discarded: it is still open, and now the caller's to close.
        busy = null;
        return ((BusyResponseException) last).response();
      }
      if (last instanceof IOException) {
        throw (IOException) last;
      }
      throw new IOException(stop.getMessage(), stop);
    }

    private Duration retryAfter(Response response) {
      String header = response.header("Retry-After");
      if (header == null) {
        return null;
      }
      Date date = response.headers().getDate("Date");
      Instant now = date != null ? date.toInstant() : clock.instant();
      return RetryAfter.parse(header, now).orElse(null);
    }
  }

  /**
   * The call was canceled (or timed out, which cancels it) while herdguard ran it. An
   * {@link InterruptedIOException} so that core treats it as a cancellation, not a failure of the
   * server; unwrapped before it leaves the interceptor.
   */
  private static final class CallCanceled extends InterruptedIOException {
    private static final long serialVersionUID = 1L;

    CallCanceled(IOException thrownByOkHttp) {
      super("Canceled");
      initCause(thrownByOkHttp);
    }

    /** What OkHttp itself threw, or what it throws for a canceled call. */
    IOException asThrownByOkHttp() {
      return getCause() instanceof IOException ? (IOException) getCause() : new IOException("Canceled");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  /** {@code GET https://api.example.com/v1/updates}: no query, no user info, which may hold secrets. */
  static String describe(Request request) {
    HttpUrl url = request.url();
    return request.method() + " " + url.scheme() + "://" + url.host() + ":" + url.port() + url.encodedPath();
  }

  static void closeQuietly(Response response) {
    ResponseBody body = response.body();
    if (body == null) {
      return; // OkHttp 4 has body-less responses; closing one would throw.
    }
    try {
      body.close();
    } catch (RuntimeException ignored) {
      // Closing is best effort: the response is discarded either way.
    }
  }

  /**
   * Builds a {@link HerdGuardInterceptor}. Not thread-safe; the last call of a setter wins.
   */
  public static final class Builder {
    private final HerdGuard guard;
    private String operationName = DEFAULT_OPERATION_NAME;
    private final boolean[] retryStatus = new boolean[MAX_RETRY_STATUS + 1];
    private InstantSource clock = InstantSource.system();
    private CallSleeper sleeper = CallSleeper.POLLING;

    private Builder(HerdGuard guard) {
      this.guard = Objects.requireNonNull(guard, "guard");
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

    /** How backoffs are waited; tests record them instead. */
    Builder withSleeper(CallSleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /**
     * The interceptor.
     *
     * @return a new interceptor
     */
    public HerdGuardInterceptor build() {
      return new HerdGuardInterceptor(this);
    }
  }
}

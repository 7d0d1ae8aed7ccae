package dev.herdguard.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PacingServerTest {

  @Test
  void admitsWhatItServesInTimeAndHandsTheRestSlotsAtItsCapacity() {
    AtomicLong now = new AtomicLong(0);
    PacingServer.Pacer pacer = new PacingServer.Pacer(100, 5, now::get);
    // 10,000 requests in the same instant: 500 fit in 5 s of queue, the rest get slots.
    int admitted = 0;
    long[] returnsPerSecond = new long[200];
    for (int i = 0; i < 10_000; i++) {
      long retryAfter = pacer.admitOrRetryAfterSeconds();
      if (retryAfter == 0) {
        admitted++;
      } else {
        returnsPerSecond[(int) retryAfter]++;
      }
    }
    assertEquals(500, admitted, "5 s of work at 100/s");
    // The slots start when the queue has room again and hand out 100 a second, no more.
    assertEquals(0, returnsPerSecond[0]);
    for (int s = 1; s < returnsPerSecond.length; s++) {
      assertTrue(returnsPerSecond[s] <= 100, "second " + s + ": " + returnsPerSecond[s]);
    }
    long total = 0;
    for (long n : returnsPerSecond) {
      total += n;
    }
    assertEquals(9_500, total);
    // 9,500 returns at 100 a second take 95 s: the last slot is 95 s away.
    assertEquals(95, lastNonEmpty(returnsPerSecond));
  }

  @Test
  void anIdleServerAdmitsEveryRequest() {
    AtomicLong now = new AtomicLong(0);
    PacingServer.Pacer pacer = new PacingServer.Pacer(10, 1, now::get);
    for (int i = 0; i < 100; i++) {
      assertEquals(0, pacer.admitOrRetryAfterSeconds());
      now.addAndGet(200_000_000L); // 5 a second against a capacity of 10
    }
  }

  @Test
  void badSettingsAreRefusedWithTheirName() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new PacingServer.Pacer(0, 5, System::nanoTime))
        .getMessage().contains("capacityPerSecond (0.0)"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new PacingServer.Pacer(10, 0, System::nanoTime))
        .getMessage().contains("clientTimeoutSeconds (0)"));
  }

  private static int lastNonEmpty(long[] counts) {
    int last = -1;
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] > 0) {
        last = i;
      }
    }
    return last;
  }
}

package dev.herdguard.examples.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SimServerTest {

  private static SimServer server(double capacity, int queue, Traffic traffic) {
    return new SimServer(SimServer.Settings.steady(capacity, queue, 0.5, Duration.ofSeconds(5), Duration.ofSeconds(30)),
        traffic);
  }

  @Test
  void servesInArrivalOrderAtCapacity() {
    Traffic t = new Traffic(60, 0.5);
    SimServer s = server(10, 100, t);
    assertEquals(100, s.send(0));
    assertEquals(SimServer.OK, s.outcome());
    assertEquals(200, s.send(0));
    assertEquals(1_100, s.send(1_000), "an idle server starts at once");
  }

  @Test
  void aFullQueueAnswers503AtOnceAndTheRejectionCostsWork() {
    Traffic t = new Traffic(60, 0.5);
    SimServer s = server(10, 2, t);
    s.send(0);
    s.send(0);
    assertEquals(0, s.send(0));
    assertEquals(SimServer.BUSY, s.outcome());
    assertEquals(Duration.ofSeconds(30), s.retryAfter());
    // The 503 cost half a request's work, served ahead of the next request.
    assertEquals(350, s.send(200));
    assertEquals(0.5 / (3 + 0.5), t.wastedShare(), 1e-9);
  }

  @Test
  void aRequestServedAfterItsClientGaveUpIsWasted() {
    Traffic t = new Traffic(60, 0);
    SimServer s = server(1, 100, t);
    for (int i = 0; i < 5; i++) {
      s.send(0);
      assertEquals(SimServer.OK, s.outcome(), "served within the 5 s timeout");
    }
    assertEquals(5_000, s.send(0), "the client hears nothing until its timeout");
    assertEquals(SimServer.TIMEOUT, s.outcome());
    assertEquals(5, t.totalUseful());
    assertEquals(1, t.totalLate(), "served at 6 s, a second after its client left");
  }

  @Test
  void aSlowdownStretchesServiceAndRecovers() {
    Traffic t = new Traffic(60, 0);
    SimServer s = new SimServer(new SimServer.Settings(10, 1000, 0, Duration.ofSeconds(60), null,
        Duration.ofSeconds(1), Duration.ofSeconds(2), 0.5), t);
    assertEquals(10.0, s.workDoneBy(1), 1e-9);
    assertEquals(20.0, s.workDoneBy(3), 1e-9);
    assertEquals(30.0, s.workDoneBy(4), 1e-9);
    assertEquals(2.0, s.timeOfWork(15), 1e-9);
    assertEquals(3.5, s.timeOfWork(25), 1e-9);
    assertEquals(5.0, t.capacity(1));
    assertEquals(10.0, t.capacity(3));
  }
}

package io.dpstream.stream;

import io.dpstream.config.DpstreamConfig;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gate: one Kafka Streams instance of the gate topology. {@link #close()} leaves the
 * consumer group, so that a restarted or scaled-in instance gets its partitions in about a second
 * instead of after the session timeout.
 */
public final class GateRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GateRunner.class);

  private final KafkaStreams streams;
  private final CountDownLatch stopped = new CountDownLatch(1);

  private GateRunner(KafkaStreams streams) {
    this.streams = streams;
  }

  /**
   * Starts {@code topology} with the gate's streams settings ({@link GateStreamsConfig}). An
   * unexpected exception stops the instance (Kafka Streams' default), so a bug cannot loop.
   */
  public static GateRunner start(DpstreamConfig config, Topology topology) {
    return start(config, topology, null);
  }

  /**
   * As {@link #start(DpstreamConfig, Topology)}, with {@code onError} deciding what an unexpected
   * exception does (e.g. replace the failed thread, whose tasks then resume from their last commit).
   */
  public static GateRunner start(
      DpstreamConfig config, Topology topology, StreamsUncaughtExceptionHandler onError) {
    KafkaStreams streams = new KafkaStreams(topology, GateStreamsConfig.properties(config));
    if (onError != null) streams.setUncaughtExceptionHandler(onError);
    GateRunner runner = new GateRunner(streams);
    streams.setStateListener(
        (now, before) -> {
          log.info("gate {} -> {}", before, now);
          if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) runner.stopped.countDown();
        });
    streams.start();
    return runner;
  }

  /** Waits until the instance is RUNNING (tasks assigned and restored) or the timeout passes. */
  public boolean awaitRunning(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (streams.state() == KafkaStreams.State.RUNNING) return true;
      if (!streams.state().isRunningOrRebalancing()) return false;
      Thread.sleep(20);
    }
    return false;
  }

  /** Blocks until the instance stops (closed or failed). */
  public void awaitStopped() throws InterruptedException {
    stopped.await();
  }

  public boolean awaitStopped(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  /** Commits, closes, and leaves the consumer group (waits up to 30 s). */
  @Override
  public void close() {
    streams.close(
        CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
            .withTimeout(Duration.ofSeconds(30)));
    stopped.countDown();
  }
}

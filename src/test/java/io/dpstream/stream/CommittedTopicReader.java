package io.dpstream.stream;

import io.dpstream.bench.CommittedTopic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/** Reads everything committed to one topic, from the beginning, accumulating across polls. */
final class CommittedTopicReader implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();

  CommittedTopicReader(String bootstrapServers, String topic) {
    consumer = CommittedTopic.fromBeginning(bootstrapServers, topic, Duration.ofSeconds(30));
  }

  /** Polls once (up to {@code wait}) and returns everything read so far. */
  List<ConsumerRecord<byte[], byte[]>> poll(Duration wait) {
    for (var r : consumer.poll(wait)) records.add(r);
    return records;
  }

  /** Polls until a poll of {@code quiet} brings nothing new; returns everything read. */
  List<ConsumerRecord<byte[], byte[]>> drain(Duration quiet) {
    int before = -1;
    while (records.size() != before) {
      before = records.size();
      poll(quiet);
    }
    return records;
  }

  /**
   * Polls until this reader has reached the last stable offset of every partition (everything
   * committed so far), however slow the fetches; returns everything read.
   *
   * @throws AssertionError if that takes longer than {@code timeout}
   */
  List<ConsumerRecord<byte[], byte[]>> readToEnd(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    var parts = consumer.assignment();
    var ends = consumer.endOffsets(parts); // read_committed: the last stable offsets
    while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
      if (System.nanoTime() > deadline) throw new AssertionError("committed records not read within " + timeout);
      poll(Duration.ofMillis(100));
    }
    return records;
  }

  @Override
  public void close() {
    consumer.close();
  }
}

package io.dpstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.CapturedLogs;
import io.dpstream.avro.StepMarker;
import io.dpstream.config.DpstreamConfig;
import io.dpstream.kafka.EmbeddedKafkaBroker;
import io.dpstream.kafka.TopicProvisioner;
import io.dpstream.kafka.Topics;
import io.dpstream.privacy.BudgetPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sample of the fuzzer's payloads through a real broker and the running gate (Kafka Streams,
 * exactly once): each record has exactly one outcome (counted in the committed step markers), each
 * dead letter on the committed DLQ carries a reason its payload allows, the gate is still running,
 * and no stack trace was logged.
 */
class GateBadInputIntegrationTest {
  private static final int RECORDS = 3_000;
  @TempDir Path tmp;

  @Test
  void fuzzedRecordsOnARealBrokerEachGetOneOutcomeAndTheGateKeepsRunning() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary();
        CapturedLogs logs = CapturedLogs.start()) {
      Map<String, String> s = new HashMap<>();
      s.put("kafka.bootstrapServers", broker.bootstrapServers());
      s.put("topics.partitions", "2");
      s.put("topics.ledgerPartitions", "2");
      s.put("gate.stepPeriod", "250ms");
      s.put("gate.commitInterval", "50ms");
      s.put("gate.featureCount", String.valueOf(GateFuzzTest.FEATURES));
      s.put("gate.labelClasses", String.valueOf(GateFuzzTest.CLASSES));
      s.put("gate.maxRecordBytes", String.valueOf(GateFuzzTest.MAX_RECORD_BYTES));
      s.put("gate.stateDir", tmp.toString());
      DpstreamConfig config = DpstreamConfig.of(s);
      TopicProvisioner.ensureTopics(config);
      BudgetPolicy policy = BudgetPolicy.withStepCap(config.privacy().policy(), 1_000);

      TrainingRecordFuzzer fuzzer = new TrainingRecordFuzzer(7L, GateFuzzTest.FEATURES, GateFuzzTest.CLASSES,
          GateFuzzTest.MAX_RECORD_BYTES, GateFuzzTest.MAX_USER_ID_BYTES, System.currentTimeMillis(), 300);
      Map<String, TrainingRecordFuzzer.Payload> byPosition = new HashMap<>();
      try (CommittedTopicReader steps = new CommittedTopicReader(broker.bootstrapServers(), Topics.STEP_CONTRIBUTIONS);
          CommittedTopicReader dlq = new CommittedTopicReader(broker.bootstrapServers(), Topics.TRAINING_RECORDS_DLQ);
          GateRunner gate = GateRunner.start(config,
              GateTopology.buildTopology(config, policy, new CountingGateObserver(), SecureRandom::new))) {
        assertTrue(gate.awaitRunning(Duration.ofSeconds(60)), "gate running");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (var producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
          List<Future<RecordMetadata>> sent = new ArrayList<>();
          List<TrainingRecordFuzzer.Payload> payloads = new ArrayList<>();
          for (int i = 0; i < RECORDS; i++) {
            TrainingRecordFuzzer.Payload payload = fuzzer.next();
            payloads.add(payload);
            sent.add(producer.send(new ProducerRecord<>(Topics.TRAINING_RECORDS, payload.key(), payload.value())));
          }
          for (int i = 0; i < RECORDS; i++) {
            RecordMetadata m = sent.get(i).get();
            byPosition.put(m.partition() + "/" + m.offset(), payloads.get(i));
          }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        Map<Integer, StepMarker> latest = new HashMap<>();
        while (LatestMarkers.outcomes(latest) < RECORDS) {
          assertTrue(System.nanoTime() < deadline, "outcomes counted: " + LatestMarkers.outcomes(latest));
          latest = LatestMarkers.of(steps.poll(Duration.ofMillis(200)));
        }
        assertEquals(RECORDS, LatestMarkers.outcomes(latest), "exactly one outcome each");
        long deadLettered = latest.values().stream().mapToLong(StepMarker::getRecordsDeadLettered).sum();
        var dead = dlq.drain(Duration.ofSeconds(2));
        assertEquals(deadLettered, dead.size());
        Map<String, Integer> reasons = new java.util.TreeMap<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (var d : dead) {
          String position = header(d, DeadLetterHeaders.SOURCE_PARTITION) + "/" + header(d, DeadLetterHeaders.SOURCE_OFFSET);
          assertTrue(seen.add(position), position + " dead-lettered twice");
          TrainingRecordFuzzer.Payload payload = byPosition.get(position);
          String reason = header(d, DeadLetterHeaders.REASON);
          assertTrue(payload.allowedReasons().contains(reason), payload.kind() + " got " + reason);
          reasons.merge(reason, 1, Integer::sum);
        }
        assertEquals(KafkaStreams.State.RUNNING, gate.state());
        System.out.printf("gate bad input on a broker: %d records, %d dead letters %s%n", RECORDS, dead.size(), reasons);
      }
      // The in-process broker's own loggers (kafka.*) are left out: in a deployment they log in
      // another process, and under heavy machine load they report transactions the broker timed
      // out (which the gate survives: the outcome counts above are exact).
      assertEquals(List.of(), logs.withThrowable().stream().filter(e -> !e.getLoggerName().startsWith("kafka."))
          .map(CapturedLogs::describe).toList(), "stack traces logged");
    }
  }

  private static String header(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r, String name) {
    var h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}

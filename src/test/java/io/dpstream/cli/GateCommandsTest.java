package io.dpstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpstream.avro.BudgetAlert;
import io.dpstream.avro.BudgetAlertKind;
import io.dpstream.config.DpstreamConfig;
import io.dpstream.kafka.EmbeddedKafkaBroker;
import io.dpstream.kafka.TopicProvisioner;
import io.dpstream.kafka.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class GateCommandsTest {
  @TempDir Path tmp;

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cl = DpstreamCommand.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"gate", "broker", "alerts", "bench"})
  void everyCommandHasHelp(String command) {
    Run r = run(command, "--help");
    assertEquals(0, r.exit());
    assertTrue(r.out().contains("Usage: dpstream " + command), r.out());
  }

  @Test
  void benchGateHasHelp() {
    Run r = run("bench", "gate", "--help");
    assertEquals(0, r.exit());
    assertTrue(r.out().contains("--records"));
  }

  @Test
  void aBadSettingIsOneLineNamingItWithExitCode2() {
    Run r = run("gate", "--set", "gate.stepPeriod=soon");
    assertEquals(2, r.exit());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().contains("gate.stepPeriod"), r.err());
  }

  @Test
  void anUnknownSettingInTheFileIsNamed() throws Exception {
    Path f = tmp.resolve("c.yaml");
    Files.writeString(f, "privacy:\n  epsilonCapp: 3\n");
    Run r = run("gate", "--config", f.toString());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("privacy.epsilonCapp"), r.err());
  }

  @Test
  void theGateNeedsAFeatureCount() {
    Run r = run("gate");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("gate.featureCount"), r.err());
  }

  @Test
  void alertsWithoutABrokerIsABadArgument() {
    Run r = run("alerts");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("--bootstrap-servers"), r.err());
  }

  @Test
  void topicsAreCreatedWithCompactionAndAlertsArePrintedAsJson() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      DpstreamConfig config =
          DpstreamConfig.of(Map.of("kafka.bootstrapServers", bs, "topics.partitions", "3", "topics.ledgerPartitions", "2"));
      TopicProvisioner.ensureTopics(config);
      assertEquals(List.of(), TopicProvisioner.ensureTopics(config), "idempotent");
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", bs))) {
        Map<String, TopicDescription> d = admin.describeTopics(Topics.ALL).allTopicNames().get();
        assertEquals(3, d.get(Topics.TRAINING_RECORDS).partitions().size());
        assertEquals(3, d.get(Topics.STEP_CONTRIBUTIONS).partitions().size());
        assertEquals(2, d.get(Topics.PRIVACY_LEDGER).partitions().size());
        for (String t : Topics.ALL) {
          var res = new ConfigResource(ConfigResource.Type.TOPIC, t);
          String policy = admin.describeConfigs(List.of(res)).all().get().get(res).get("cleanup.policy").value();
          assertEquals(Topics.COMPACTED.contains(t) ? "compact" : "delete", policy, t);
        }
      }
      Properties p = new Properties();
      p.put("bootstrap.servers", bs);
      try (var producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
        for (BudgetAlertKind kind : BudgetAlertKind.values()) {
          BudgetAlert a = new BudgetAlert("alice", kind, 7.5, 8.0, 42L, Instant.ofEpochMilli(1_000));
          var buf = a.toByteBuffer();
          byte[] bytes = new byte[buf.remaining()];
          buf.get(bytes);
          producer.send(new ProducerRecord<>(Topics.BUDGET_ALERTS, "alice".getBytes(StandardCharsets.UTF_8), bytes)).get();
        }
      }
      Run r = run("alerts", "--bootstrap-servers", bs, "--from-beginning", "--json", "--max", "2",
          "--metrics-port", "0", "--metrics-bind", "127.0.0.1");
      assertEquals(0, r.exit(), r.err());
      List<String> lines = r.out().lines().toList();
      assertEquals(2, lines.size(), r.out());
      ObjectMapper json = new ObjectMapper();
      JsonNode first = json.readTree(lines.get(0));
      assertEquals("alice", first.get("userId").asText());
      assertEquals("WARNING", first.get("kind").asText());
      assertEquals(7.5, first.get("epsilon").asDouble());
      assertEquals(42, first.get("step").asLong());
      assertEquals("EXHAUSTED", json.readTree(lines.get(1)).get("kind").asText());
      Run text = run("alerts", "--bootstrap-servers", bs, "--from-beginning", "--max", "1",
          "--metrics-port", "0", "--metrics-bind", "127.0.0.1");
      assertTrue(text.out().contains("WARNING") && text.out().contains("user=alice"), text.out());
      DpstreamConfig five = DpstreamConfig.of(Map.of("kafka.bootstrapServers", bs, "topics.partitions", "5"));
      var e = org.junit.jupiter.api.Assertions.assertThrows(
          IllegalArgumentException.class, () -> TopicProvisioner.ensureTopics(five));
      assertTrue(e.getMessage().contains("topics.partitions=3"), e.getMessage());
    }
  }
}

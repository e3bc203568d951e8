package io.dpstream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.dpstream.CapturedLogs;
import io.dpstream.avro.StepMarker;
import io.dpstream.avro.StepMessage;
import io.dpstream.avro.TrainingRecord;
import io.dpstream.config.DpstreamConfig;
import io.dpstream.stream.GateMessages;
import io.dpstream.stream.Pipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gate over TLS with SASL/SCRAM-SHA-512, configured only through the configuration file's
 * {@code kafka} section, against a broker whose certificate and SCRAM user the test creates:
 * records flow, a wrong password is refused, and no secret reaches the log.
 */
class SaslSslIntegrationTest {
  private static final String USER = "dpstream-gate";
  @TempDir static Path tmp;
  private static TestCertificates certs;
  private static EmbeddedKafkaBroker broker;
  private static final String PASSWORD = "scram-" + java.util.UUID.randomUUID();

  @BeforeAll
  static void startBroker() throws Exception {
    certs = TestCertificates.generate(tmp);
    broker = certs.startSaslSslBroker(USER, PASSWORD);
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) broker.close();
  }

  /** The configuration file a deployment would write (README, "Security"). */
  private static Path configFile(String password) throws Exception {
    Path f = Files.createTempFile(tmp, "dpstream-", ".yaml");
    Files.writeString(f, certs.kafkaYaml(broker, USER, password) + String.join("\n",
        "gate:",
        "  featureCount: 4",
        "  labelClasses: 3",
        "  stepPeriod: 500ms",
        "  stateDir: " + tmp.resolve("state-" + System.nanoTime()),
        "topics:",
        "  partitions: 2",
        ""));
    return f;
  }

  @Test
  void theGateRunsOverSaslSslAndNoSecretIsLogged() throws Exception {
    DpstreamConfig config = DpstreamConfig.load(configFile(PASSWORD), Map.of(), Map.of());
    assertEquals("SASL_SSL", config.kafka().properties().get("security.protocol"));
    int valid = 40;
    int invalid = 6;
    try (CapturedLogs logs = CapturedLogs.start(Map.of("org.apache.kafka", Level.INFO, "io.dpstream", Level.INFO))) {
      try (Pipeline pipeline = Pipeline.builder(config).trainer(false).start();
          TrainingRecordProducer producer = new TrainingRecordProducer(
              config.kafka().bootstrapServers(), Topics.TRAINING_RECORDS, config.kafka().properties());
          KafkaConsumer<byte[], byte[]> steps = consumer(config, Topics.STEP_CONTRIBUTIONS)) {
        List<TrainingRecord> records = new java.util.ArrayList<>();
        for (int i = 0; i < valid + invalid; i++) {
          int features = i < valid ? 4 : 5; // the last ones have a wrong feature count
          records.add(TrainingRecord.newBuilder()
              .setUserId("user-" + (i % 7)).setEventTime(Instant.now())
              .setFeatures(java.util.Collections.nCopies(features, 0.5f)).setLabel(i % 3).build());
        }
        assertEquals(valid + invalid, producer.sendAll(records.iterator()));
        // Every record's outcome arrives, over SASL_SSL, in the partitions' latest markers.
        Map<Integer, StepMarker> latest = new HashMap<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (outcomes(latest) < valid + invalid) {
          assertTrue(System.nanoTime() < deadline, "outcomes seen: " + outcomes(latest));
          for (var r : steps.poll(Duration.ofMillis(200))) {
            StepMessage m = GateMessages.stepMessage(r.value());
            if (m.getBody() instanceof StepMarker marker) latest.put(m.getGatePartition(), marker);
          }
        }
        assertEquals(valid, latest.values().stream().mapToLong(StepMarker::getRecordsAdmitted).sum());
        assertEquals(invalid, latest.values().stream().mapToLong(StepMarker::getRecordsDeadLettered).sum());
      }
      String text = logs.text();
      assertFalse(text.contains(PASSWORD), "the SCRAM password was logged");
      assertFalse(text.contains(certs.trustStorePassword()), "the trust store password was logged");
      assertFalse(text.contains(certs.keyStorePassword()), "the key store password was logged");
      // Kafka's clients logged their configuration, and masked the secrets in it...
      assertTrue(text.contains("sasl.jaas.config = [hidden]"), "Kafka's client configuration dump was not captured");
      assertTrue(text.contains("ssl.truststore.password = [hidden]"));
      // ...and so did dpstream.
      assertTrue(logs.events().stream().anyMatch(e -> e.getFormattedMessage().startsWith("kafka: ")
          && e.getFormattedMessage().contains("sasl.jaas.config=[hidden]")
          && e.getFormattedMessage().contains("security.protocol=SASL_SSL")), "dpstream's kafka line");
    }
  }

  @Test
  void aWrongPasswordIsRefused() throws Exception {
    DpstreamConfig wrong = DpstreamConfig.load(configFile("not-" + PASSWORD), Map.of(), Map.of());
    Properties p = TopicProvisioner.adminProperties(wrong);
    try (Admin admin = Admin.create(p)) {
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> admin.describeCluster().clusterId().get());
      assertInstanceOf(SaslAuthenticationException.class, e.getCause());
      assertTrue(e.getCause().getMessage().contains("SCRAM-SHA-512"), e.getCause().getMessage());
    }
    // The right password over the same file works.
    DpstreamConfig right = DpstreamConfig.load(configFile(PASSWORD), Map.of(), Map.of());
    try (Admin admin = Admin.create(TopicProvisioner.adminProperties(right))) {
      assertFalse(admin.describeCluster().clusterId().get().isBlank());
    }
  }

  @Test
  void withoutTlsTheSecureListenerRefusesTheClient() {
    Properties p = new Properties();
    p.put("bootstrap.servers", broker.bootstrapServers("SECURE"));
    p.put("security.protocol", "SASL_PLAINTEXT");
    p.put("sasl.mechanism", "SCRAM-SHA-512");
    p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
        + USER + "\" password=\"" + PASSWORD + "\";");
    p.put("request.timeout.ms", "3000");
    p.put("default.api.timeout.ms", "5000");
    try (Admin admin = Admin.create(p)) {
      assertThrows(ExecutionException.class, () -> admin.describeCluster().clusterId().get());
    }
  }

  /**
   * The README's grants for the gate, on a broker with an authorizer: the gate runs with them, and
   * they give it nothing it does not need (it cannot read the model snapshots).
   */
  @Test
  void theReadmeAclsForTheGateAreEnough() throws Exception {
    try (EmbeddedKafkaBroker secured = certs.startSaslSslBroker(USER, PASSWORD, Map.of(
        "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users", "User:ANONYMOUS"))) { // the PLAINTEXT and controller listeners
      Path f = Files.createTempFile(tmp, "acl-", ".yaml");
      Files.writeString(f, certs.kafkaYaml(secured, USER, PASSWORD) + String.join("\n",
          "gate:", "  featureCount: 4", "  labelClasses: 3", "  stepPeriod: 500ms",
          "  stateDir: " + tmp.resolve("acl-state"), "topics:", "  partitions: 2", ""));
      DpstreamConfig config = DpstreamConfig.load(f, Map.of(), Map.of());
      DpstreamConfig asAdmin = DpstreamConfig.of(Map.of("kafka.bootstrapServers", secured.bootstrapServers(),
          "topics.partitions", "2", "gate.featureCount", "4"));
      TopicProvisioner.ensureTopics(asAdmin);
      String gate = "User:" + USER;
      List<org.apache.kafka.common.acl.AclBinding> acls = new java.util.ArrayList<>();
      for (String t : List.of(Topics.TRAINING_RECORDS, Topics.TRAINING_RECORDS_DLQ, Topics.STEP_CONTRIBUTIONS,
          Topics.PRIVACY_LEDGER, Topics.BUDGET_ALERTS, Topics.PRIVACY_METRICS, Topics.TRAINER_CHECKPOINTS,
          Topics.MODEL_SNAPSHOTS)) acls.add(acl(org.apache.kafka.common.resource.ResourceType.TOPIC, t, false, gate,
              org.apache.kafka.common.acl.AclOperation.DESCRIBE));
      acls.add(acl(org.apache.kafka.common.resource.ResourceType.TOPIC, Topics.TRAINING_RECORDS, false, gate,
          org.apache.kafka.common.acl.AclOperation.READ));
      for (String t : List.of(Topics.TRAINING_RECORDS_DLQ, Topics.STEP_CONTRIBUTIONS, Topics.PRIVACY_LEDGER,
          Topics.BUDGET_ALERTS)) acls.add(acl(org.apache.kafka.common.resource.ResourceType.TOPIC, t, false, gate,
              org.apache.kafka.common.acl.AclOperation.WRITE));
      for (var type : List.of(org.apache.kafka.common.resource.ResourceType.TOPIC,
          org.apache.kafka.common.resource.ResourceType.GROUP, org.apache.kafka.common.resource.ResourceType.TRANSACTIONAL_ID))
        acls.add(acl(type, "dpstream-gate", true, gate, org.apache.kafka.common.acl.AclOperation.ALL));
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", secured.bootstrapServers()))) {
        admin.createAcls(acls).all().get();
      }
      // ACLs reach the broker's authorizer through the metadata log, a moment after they are created.
      try (Admin asGate = Admin.create(TopicProvisioner.adminProperties(config))) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!asGate.listTopics().names().get().containsAll(TopicProvisioner.plan(config).keySet())) {
          assertTrue(System.nanoTime() < deadline, "the gate's grants never took effect");
          Thread.sleep(100);
        }
      }
      int records = 30;
      try (Pipeline pipeline = Pipeline.builder(config).trainer(false).start();
          TrainingRecordProducer producer = new TrainingRecordProducer(secured.bootstrapServers(), Topics.TRAINING_RECORDS, Map.of())) {
        List<TrainingRecord> batch = new java.util.ArrayList<>();
        for (int i = 0; i < records; i++) batch.add(TrainingRecord.newBuilder().setUserId("u" + (i % 5))
            .setEventTime(Instant.now()).setFeatures(java.util.Collections.nCopies(4, 0.5f)).setLabel(i % 3).build());
        producer.sendAll(batch.iterator());
        DpstreamConfig plain = DpstreamConfig.of(Map.of("kafka.bootstrapServers", secured.bootstrapServers(), "topics.partitions", "2"));
        try (KafkaConsumer<byte[], byte[]> steps = consumer(plain, Topics.STEP_CONTRIBUTIONS)) {
          Map<Integer, StepMarker> latest = new HashMap<>();
          long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
          while (outcomes(latest) < records) {
            assertTrue(System.nanoTime() < deadline, "outcomes seen: " + outcomes(latest));
            for (var r : steps.poll(Duration.ofMillis(200))) {
              StepMessage m = GateMessages.stepMessage(r.value());
              if (m.getBody() instanceof StepMarker marker) latest.put(m.getGatePartition(), marker);
            }
          }
        }
        // Nothing more: the gate's principal cannot read the snapshots.
        try (KafkaConsumer<byte[], byte[]> snapshots = consumer(config, Topics.MODEL_SNAPSHOTS)) {
          assertThrows(org.apache.kafka.common.errors.TopicAuthorizationException.class,
              () -> snapshots.poll(Duration.ofSeconds(10)));
        }
      }
    }
  }

  private static org.apache.kafka.common.acl.AclBinding acl(org.apache.kafka.common.resource.ResourceType type,
      String name, boolean prefixed, String principal, org.apache.kafka.common.acl.AclOperation op) {
    return new org.apache.kafka.common.acl.AclBinding(
        new org.apache.kafka.common.resource.ResourcePattern(type, name, prefixed
            ? org.apache.kafka.common.resource.PatternType.PREFIXED : org.apache.kafka.common.resource.PatternType.LITERAL),
        new org.apache.kafka.common.acl.AccessControlEntry(principal, "*", op,
            org.apache.kafka.common.acl.AclPermissionType.ALLOW));
  }

  private static long outcomes(Map<Integer, StepMarker> latest) {
    return latest.values().stream()
        .mapToLong(m -> m.getRecordsAdmitted() + m.getRecordsDroppedForBudget() + m.getRecordsDeadLettered())
        .sum();
  }

  private static KafkaConsumer<byte[], byte[]> consumer(DpstreamConfig config, String topic) {
    Properties p = new Properties();
    p.putAll(config.kafka().properties());
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
        .map(i -> new TopicPartition(topic, i.partition())).toList();
    c.assign(parts);
    c.seekToBeginning(parts);
    return c;
  }
}

package io.dpstream.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.privacy.AccountantKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DpstreamConfigTest {
  @TempDir Path dir;

  private Path yaml(String text) throws Exception {
    Path f = dir.resolve("dpstream.yaml");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void yamlThenEnvironmentThenFlagsInIncreasingPrecedence() throws Exception {
    Path f =
        yaml(
            """
            kafka:
              bootstrapServers: file:9092
              properties:
                security.protocol: SASL_SSL
                sasl.mechanism: PLAIN
            privacy:
              epsilonCap: 3
              accountant: rdp
            gate:
              stepPeriod: 2s
              featureCount: 16
            """);
    Map<String, String> env =
        Map.of("DPSTREAM_KAFKA_BOOTSTRAP_SERVERS", "env:9092", "DPSTREAM_PRIVACY_EPSILON_CAP", "4",
            "DPSTREAM_LOG_LEVEL", "DEBUG");
    DpstreamConfig c =
        DpstreamConfig.load(f, env, Map.of("privacy.epsilonCap", "5", "kafka.properties.sasl.mechanism", "SCRAM-SHA-512"));
    assertEquals("env:9092", c.kafka().bootstrapServers());
    assertEquals(5.0, c.privacy().policy().epsilonCap());
    assertEquals(AccountantKind.RDP, c.privacy().policy().accountant());
    assertEquals(Duration.ofSeconds(2), c.gate().stepPeriod());
    assertEquals(16, c.gate().featureCount());
    assertEquals(
        Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512"), c.kafka().properties());
  }

  @Test
  void defaultsDescribeTheEmbeddedBroker() {
    DpstreamConfig c = DpstreamConfig.of(Map.of());
    assertTrue(c.kafka().embedded());
    assertEquals(StepTrigger.TIME, c.gate().stepTrigger());
    assertEquals(0.8, c.privacy().warningFraction());
  }

  @Test
  void environmentNamesFollowTheDottedKey() {
    assertEquals("DPSTREAM_KAFKA_BOOTSTRAP_SERVERS", Settings.envName("kafka.bootstrapServers"));
    assertEquals("DPSTREAM_GATE_MAX_RECORDS_PER_USER", Settings.envName("gate.maxRecordsPerUser"));
  }

  @Test
  void unknownKeysInTheFileAreNamed() throws Exception {
    Path f = yaml("gate:\n  stepPeriode: 2s\n");
    var e = assertThrows(IllegalArgumentException.class, () -> DpstreamConfig.load(f, Map.of(), Map.of()));
    assertEquals("unknown setting 'gate.stepPeriode'", e.getMessage());
  }

  @Test
  void unknownFlagsAreNamed() {
    var e = assertThrows(IllegalArgumentException.class, () -> DpstreamConfig.of(Map.of("privacy.epsilon", "1")));
    assertTrue(e.getMessage().contains("privacy.epsilon"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "gate.stepPeriod|soon|gate.stepPeriod",
        "gate.stepPeriod|5ms|gate.stepPeriod",
        "privacy.epsilonCap|-1|privacy.epsilonCap",
        "privacy.epsilonCap|NaN|privacy.epsilonCap",
        "privacy.delta|2|delta",
        "privacy.accountant|moments|privacy.accountant",
        "privacy.warningFraction|1.5|privacy.warningFraction",
        "gate.maxRecordsPerUser|0|gate.maxRecordsPerUser",
        "gate.recordsPerContribution|64|gate.recordsPerContribution",
        "gate.stepTrigger|hourly|gate.stepTrigger",
        "topics.partitions|many|topics.partitions",
        "kafka.replicationFactor|0|kafka.replicationFactor",
        "gate.rocksdbMemory|4MiB|gate.rocksdbMemory",
        "gate.rocksdbMemory|64MB|gate.rocksdbMemory",
        "gate.rocksdbMemory|-1|gate.rocksdbMemory",
      })
  void badValuesGiveOneLineErrorsNamingTheSetting(String key, String value, String named) {
    var e = assertThrows(IllegalArgumentException.class, () -> DpstreamConfig.of(Map.of(key, value)));
    assertTrue(e.getMessage().contains(named), e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
  }

  @Test
  void badYamlIsReportedWithTheFile() throws Exception {
    Path f = yaml("gate: [1, 2\n");
    var e = assertThrows(IllegalArgumentException.class, () -> DpstreamConfig.load(f, Map.of(), Map.of()));
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
  }

  @Test
  void durationsAcceptShortFormsAndIso() {
    assertEquals(Duration.ofMillis(250), Settings.parseDuration("250ms"));
    assertEquals(Duration.ofMinutes(5), Settings.parseDuration("5m"));
    assertEquals(Duration.ofSeconds(90), Settings.parseDuration("PT1M30S"));
    assertEquals(Duration.ZERO, Settings.parseDuration("0"));
  }

  @Test
  void rocksdbMemoryIsBytesWithOptionalBinaryUnits() {
    assertEquals(64L << 20, DpstreamConfig.of(Map.of()).gate().rocksdbMemory());
    assertEquals(256L << 20, DpstreamConfig.of(Map.of("gate.rocksdbMemory", "256MiB")).gate().rocksdbMemory());
    assertEquals(1L << 30, DpstreamConfig.of(Map.of("gate.rocksdbMemory", "1gib")).gate().rocksdbMemory());
    assertEquals(
        16_777_216L, DpstreamConfig.of(Map.of("gate.rocksdbMemory", "16777216")).gate().rocksdbMemory());
  }
}

package io.dpstream.cli;

import io.dpstream.config.DpstreamConfig;
import io.dpstream.kafka.Topics;
import io.dpstream.snapshot.ModelSnapshot;
import io.dpstream.snapshot.SnapshotFollower;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * Where a command finds a model's snapshots (a picocli mixin of {@code serve} and
 * {@code predict}): the brokers, the topic, the model, and the Kafka client settings, TLS and SASL
 * included, from the configuration file's {@code kafka} section and {@code --kafka-property}.
 */
final class SnapshotSourceOptions {

  @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT[,...]",
      description = "Kafka bootstrap servers.")
  String bootstrapServers;

  @Option(names = "--model-id", paramLabel = "ID", required = true,
      description = "The model whose snapshots to use.")
  String modelId;

  @Option(names = "--topic", paramLabel = "TOPIC", defaultValue = Topics.MODEL_SNAPSHOTS,
      description = "Snapshot topic (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(names = "--max-snapshot-bytes", paramLabel = "BYTES", defaultValue = "1073741824",
      description = "Largest encoded snapshot accepted (default: ${DEFAULT-VALUE}).")
  long maxSnapshotBytes;

  @Option(names = "--config", paramLabel = "FILE",
      description = "YAML configuration file: its kafka.properties (TLS, SASL) are used to follow the topic.")
  Path config;

  @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
      description = "A Kafka consumer setting passed through untouched (repeatable), e.g. security.protocol=SASL_SSL.")
  Map<String, String> kafkaProperties = new LinkedHashMap<>();

  /**
   * A follower of the model's snapshots.
   *
   * @throws IllegalArgumentException for an invalid model id or configuration file
   */
  SnapshotFollower startFollower() {
    ModelSnapshot.requireValidModelId(modelId);
    if (maxSnapshotBytes < 1) {
      throw new IllegalArgumentException("--max-snapshot-bytes must be at least 1, got " + maxSnapshotBytes);
    }
    return SnapshotFollower.start(consumerProperties(), topic, modelId, maxSnapshotBytes);
  }

  /** The configuration file's Kafka properties, then --kafka-property, then the bootstrap servers. */
  Properties consumerProperties() {
    Properties p = new Properties();
    if (config != null) {
      p.putAll(DpstreamConfig.load(config, System.getenv(), Map.of()).kafka().properties());
    }
    p.putAll(kafkaProperties);
    p.put("bootstrap.servers", bootstrapServers);
    return p;
  }
}

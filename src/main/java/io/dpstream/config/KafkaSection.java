package io.dpstream.config;

import java.util.Map;

/**
 * Where Kafka is and how to talk to it.
 *
 * @param bootstrapServers {@code host:port,...}; empty means "start the embedded broker"
 * @param properties Kafka client properties passed through untouched to every client dpstream
 *     creates (TLS, SASL, timeouts...): YAML {@code kafka.properties}, flag {@code
 *     --kafka-property key=value}
 * @param replicationFactor replication factor of the topics dpstream creates (and of Kafka
 *     Streams' internal topics)
 */
public record KafkaSection(String bootstrapServers, Map<String, String> properties, short replicationFactor) {
  public KafkaSection {
    bootstrapServers = bootstrapServers == null ? "" : bootstrapServers.trim();
    properties = Map.copyOf(properties);
    if (replicationFactor < 1)
      throw new IllegalArgumentException("kafka.replicationFactor must be >= 1, got " + replicationFactor);
  }

  /** True when no bootstrap servers are configured: the embedded default. */
  public boolean embedded() {
    return bootstrapServers.isEmpty();
  }

  /** A copy pointing at {@code servers} (the embedded broker once it runs). */
  public KafkaSection withBootstrapServers(String servers) {
    return new KafkaSection(servers, properties, replicationFactor);
  }

  static KafkaSection from(Settings s) {
    return new KafkaSection(
        s.string("kafka.bootstrapServers", ""),
        s.subMap("kafka.properties"),
        (short) s.intValue("kafka.replicationFactor", 1, 1, Short.MAX_VALUE));
  }
}

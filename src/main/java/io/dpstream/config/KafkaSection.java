package io.dpstream.config;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Where Kafka is and how to talk to it.
 *
 * @param bootstrapServers {@code host:port,...}; empty means "start the embedded broker"
 * @param properties Kafka client properties passed through untouched to every client dpstream
 *     creates (TLS, SASL, timeouts...): YAML {@code kafka.properties}, flag {@code
 *     --kafka-property key=value}
 * @param replicationFactor replication factor of the topics dpstream creates (and of Kafka
 *     Streams' internal topics)
 *     <p>{@link #toString()} masks secret properties ({@link #isSecret}): the record is safe to log
 *     or print.
 */
public record KafkaSection(String bootstrapServers, Map<String, String> properties, short replicationFactor) {
  public KafkaSection {
    bootstrapServers = bootstrapServers == null ? "" : bootstrapServers.trim();
    properties = Map.copyOf(properties);
    if (replicationFactor < 1)
      throw new IllegalArgumentException("kafka.replicationFactor must be >= 1, got " + replicationFactor);
  }

  /** How a secret value is shown: the same text Kafka's own configuration logging uses. */
  public static final String HIDDEN = "[hidden]";

  /**
   * Key fragments of secret Kafka client settings: passwords (ssl.keystore.password,
   * ssl.key.password, ssl.truststore.password), JAAS configurations holding credentials
   * (sasl.jaas.config, listener-prefixed ones too), PEM private keys (ssl.keystore.key), OAuth
   * client secrets and tokens, schema-registry style user info.
   */
  private static final Pattern SECRET =
      Pattern.compile("password|secret|jaas|credential|token|private|user\\.info|(^|\\.)key$|keystore\\.key|\\.key\\.");

  /** True when the value of Kafka setting {@code key} is a secret that must never be printed. */
  public static boolean isSecret(String key) {
    return SECRET.matcher(key.toLowerCase(Locale.ROOT)).find();
  }

  /** The properties with every secret value replaced by {@link #HIDDEN}, sorted by key. */
  public Map<String, String> printableProperties() {
    Map<String, String> out = new TreeMap<>();
    properties.forEach((k, v) -> out.put(k, isSecret(k) ? HIDDEN : v));
    return out;
  }

  @Override
  public String toString() {
    return "KafkaSection[bootstrapServers=" + bootstrapServers + ", properties=" + printableProperties()
        + ", replicationFactor=" + replicationFactor + "]";
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

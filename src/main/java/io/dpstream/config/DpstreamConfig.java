package io.dpstream.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole typed configuration of dpstream, created in one place: {@link #load}. Each section is
 * an immutable record validated once, with errors that name the setting ({@code gate.stepPeriod}).
 *
 * <p>Sources, in increasing precedence: a YAML file, environment variables named after the dotted
 * key ({@code kafka.bootstrapServers} → {@code DPSTREAM_KAFKA_BOOTSTRAP_SERVERS}), then command-line
 * flags. Unknown keys are errors. To add a section (the trainer's, say): add a record with a static
 * {@code from(Settings)}, a component here, and a line in {@link #from(Settings)}.
 *
 * @param kafka brokers and client pass-through properties
 * @param privacy the per-user budget
 * @param gate validation, pooling and step boundaries
 * @param topics partition counts of the topics dpstream creates
 * @param trainer step assembly, DP-SGD and publishing
 */
public record DpstreamConfig(
    KafkaSection kafka,
    PrivacySection privacy,
    GateSection gate,
    TopicsSection topics,
    TrainerSection trainer) {

  public DpstreamConfig {
    if (kafka == null || privacy == null || gate == null || topics == null || trainer == null)
      throw new IllegalArgumentException("every configuration section must be present");
  }

  /**
   * Loads a configuration.
   *
   * @param yaml the YAML file, or null for none
   * @param env environment variables (normally {@code System.getenv()})
   * @param overrides dotted keys set on the command line; they win
   * @throws IllegalArgumentException with a one-line message naming the file or setting at fault
   */
  public static DpstreamConfig load(Path yaml, Map<String, String> env, Map<String, String> overrides) {
    return load(yaml, Map.of(), env, overrides);
  }

  /**
   * As {@link #load(Path, Map, Map)}, over a command's own defaults (dotted keys), which the file,
   * the environment and the flags all override.
   */
  public static DpstreamConfig load(
      Path yaml,
      Map<String, String> commandDefaults,
      Map<String, String> env,
      Map<String, String> overrides) {
    Map<String, String> file = new LinkedHashMap<>(commandDefaults);
    if (yaml != null) file.putAll(readYaml(yaml));
    Settings s = new Settings(file, env, overrides);
    DpstreamConfig config = from(s);
    s.rejectUnread();
    return config;
  }

  /** Defaults overridden by {@code overrides} only: for tests and benchmarks. */
  public static DpstreamConfig of(Map<String, String> overrides) {
    return load(null, Map.of(), overrides);
  }

  static DpstreamConfig from(Settings s) {
    return new DpstreamConfig(
        KafkaSection.from(s),
        PrivacySection.from(s),
        GateSection.from(s),
        TopicsSection.from(s),
        TrainerSection.from(s));
  }

  /** A copy whose Kafka section points at {@code bootstrapServers}. */
  public DpstreamConfig withBootstrapServers(String bootstrapServers) {
    return new DpstreamConfig(
        kafka.withBootstrapServers(bootstrapServers), privacy, gate, topics, trainer);
  }

  /** A copy with another gate section. */
  public DpstreamConfig withGate(GateSection newGate) {
    return new DpstreamConfig(kafka, privacy, newGate, topics, trainer);
  }

  /**
   * A copy for an embedded broker: its bootstrap servers, and the gate's state beside the broker's
   * data, since local state restored against another broker's changelogs would be stale (an
   * earlier run's ledgers).
   */
  public DpstreamConfig forEmbeddedBroker(String bootstrapServers, Path dataDir) {
    return new DpstreamConfig(
        kafka.withBootstrapServers(bootstrapServers),
        privacy,
        gate.withStateDir(dataDir.resolve("gate-state")),
        topics,
        trainer);
  }

  /** Flattens a YAML file to dotted keys; scalars only (lists are not settings). */
  static Map<String, String> readYaml(Path yaml) {
    JsonNode root;
    try {
      // A key given twice is an error, not "the last one wins": one of the two is a mistake.
      root = new ObjectMapper(new YAMLFactory())
          .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .readTree(Files.readString(yaml));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read configuration " + yaml + ": " + e.getMessage().lines().findFirst().orElse(""));
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (root == null || root.isMissingNode() || root.isNull()) return out;
    if (!root.isObject())
      throw new IllegalArgumentException("configuration " + yaml + " must be a YAML mapping");
    flatten("", root, out, yaml);
    return out;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out, Path yaml) {
    var fields = node.properties();
    for (var e : fields) {
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      JsonNode v = e.getValue();
      if (v.isObject()) flatten(key, v, out, yaml);
      else if (v.isValueNode() && !v.isNull()) out.put(key, v.asText());
      else if (v.isNull()) continue;
      else throw new IllegalArgumentException("setting " + key + " in " + yaml + " must be a single value");
    }
  }
}

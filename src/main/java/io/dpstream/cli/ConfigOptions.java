package io.dpstream.cli;

import io.dpstream.config.DpstreamConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The configuration flags shared by the commands that talk to Kafka: a YAML file, then
 * environment variables, then these flags, in increasing precedence (see {@link DpstreamConfig}).
 */
final class ConfigOptions {
  @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file.")
  Path config;

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT,...",
      description = "Kafka brokers (kafka.bootstrapServers). None: an embedded broker, where the command supports one.")
  String bootstrapServers;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "Any setting by its dotted key, e.g. --set gate.stepPeriod=5s (repeatable).")
  Map<String, String> settings = new LinkedHashMap<>();

  @Option(
      names = "--kafka-property",
      paramLabel = "KEY=VALUE",
      description = "A Kafka client property passed through untouched, e.g. security.protocol=SSL (repeatable).")
  Map<String, String> kafkaProperties = new LinkedHashMap<>();

  /** Loads the configuration; a bad setting throws IllegalArgumentException (exit code 2). */
  DpstreamConfig load() {
    return load(Map.of());
  }

  /**
   * Loads the configuration over a command's own defaults: the file, the environment and these
   * flags all override {@code commandDefaults}.
   */
  DpstreamConfig load(Map<String, String> commandDefaults) {
    Map<String, String> overrides = new LinkedHashMap<>(settings);
    kafkaProperties.forEach((k, v) -> overrides.put("kafka.properties." + k, v));
    if (bootstrapServers != null) overrides.put("kafka.bootstrapServers", bootstrapServers);
    return DpstreamConfig.load(config, commandDefaults, System.getenv(), overrides);
  }
}

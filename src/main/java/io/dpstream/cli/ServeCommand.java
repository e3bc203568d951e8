package io.dpstream.cli;

import io.dpstream.kafka.Topics;
import io.dpstream.snapshot.ModelSnapshot;
import io.dpstream.snapshot.SnapshotFollower;
import io.dpstream.snapshot.SnapshotServer;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dpstream serve}: HTTP JSON predictions from the newest snapshot of a model. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
        "Serves HTTP JSON predictions from the newest verified snapshot of a model, following "
            + "the snapshot topic and swapping in each new version.",
        "POST /predict {\"rows\": [{\"features\": [...], \"categoricalIds\": [...]}]}, "
            + "GET /health, GET /snapshot. Every answer carries the snapshot's version and "
            + "privacy statement."
    })
public final class ServeCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT[,...]",
      description = "Kafka bootstrap servers.")
  String bootstrapServers;

  @Option(names = "--model-id", paramLabel = "ID", required = true,
      description = "The model to serve.")
  String modelId;

  @Option(names = "--topic", paramLabel = "TOPIC", defaultValue = Topics.MODEL_SNAPSHOTS,
      description = "Snapshot topic (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "0.0.0.0",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080",
      description = "Port to listen on, 0 for any free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--max-body-bytes", paramLabel = "BYTES", defaultValue = "1048576",
      description = "Largest request body; larger ones get 413 (default: ${DEFAULT-VALUE}).")
  int maxBodyBytes;

  @Option(names = "--max-rows", paramLabel = "N", defaultValue = "10000",
      description = "Most rows per request; more get 413 (default: ${DEFAULT-VALUE}).")
  int maxRows;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "4",
      description = "Request threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--max-snapshot-bytes", paramLabel = "BYTES", defaultValue = "1073741824",
      description = "Largest encoded snapshot accepted (default: ${DEFAULT-VALUE}).")
  long maxSnapshotBytes;

  @Option(names = "--config", paramLabel = "FILE",
      description = "YAML configuration file: its kafka.properties (TLS, SASL) are used to follow the topic.")
  java.nio.file.Path config;

  @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
      description = "A Kafka consumer setting passed through untouched (repeatable), e.g. security.protocol=SASL_SSL.")
  java.util.Map<String, String> kafkaProperties = new java.util.LinkedHashMap<>();

  /** Counted down by SIGINT/SIGTERM (a shutdown hook), or by tests, to stop serving. */
  final CountDownLatch stopped = new CountDownLatch(1);

  @Override
  public Integer call() throws Exception {
    ModelSnapshot.requireValidModelId(modelId);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be in [0, 65535], got " + port);
    }
    var limits = new SnapshotServer.Limits(maxBodyBytes, maxRows, threads);
    try (SnapshotServer server =
            new SnapshotServer(new InetSocketAddress(host, port), null, limits);
        SnapshotFollower follower =
            SnapshotFollower.start(consumerProperties(), topic, modelId, maxSnapshotBytes)) {
      follower.addListener(server::load);
      Thread hook = new Thread(stopped::countDown, "serve-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      spec.commandLine().getOut().printf(
          "serving model %s from %s on http://%s:%d (POST /predict, GET /health)%n",
          modelId, topic, host, server.port());
      spec.commandLine().getOut().flush();
      try {
        stopped.await();
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the hook is what stopped us
        }
      }
    }
    return 0;
  }

  /** The configuration file's Kafka properties, then --kafka-property, then the bootstrap servers. */
  private java.util.Properties consumerProperties() {
    java.util.Properties p = new java.util.Properties();
    if (config != null) {
      p.putAll(io.dpstream.config.DpstreamConfig.load(config, System.getenv(), java.util.Map.of()).kafka().properties());
    }
    p.putAll(kafkaProperties);
    p.put("bootstrap.servers", bootstrapServers);
    return p;
  }
}

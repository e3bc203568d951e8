package io.dpstream.cli;

import io.dpstream.config.DpstreamConfig;
import io.dpstream.kafka.EmbeddedKafkaBroker;
import io.dpstream.kafka.TopicProvisioner;
import io.dpstream.metrics.GateObserver;
import io.dpstream.stream.GateRunner;
import io.dpstream.stream.GateTopology;
import java.util.concurrent.Callable;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code dpstream gate}: runs the gate until SIGINT or SIGTERM, then commits, leaves the consumer
 * group and exits. Without bootstrap servers it starts an embedded broker for the session.
 */
@Command(
    name = "gate",
    mixinStandardHelpOptions = true,
    description = {
      "Run the gate: validate training-records, enforce each user's epsilon cap, pool records and "
          + "close DP-SGD steps to step-contributions, privacy-ledger and budget-alerts (Kafka Streams, exactly once).",
      "Configuration: --config FILE, then DPSTREAM_* environment variables, then flags."
    })
public final class GateCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(GateCommand.class);

  @Mixin ConfigOptions options;

  @Override
  public Integer call() throws Exception {
    DpstreamConfig config = options.load();
    // Built first: a bad configuration fails before any broker or topic exists.
    Topology topology = GateTopology.buildTopology(config, GateObserver.NONE);
    EmbeddedKafkaBroker embedded = null;
    if (config.kafka().embedded()) {
      embedded = EmbeddedKafkaBroker.startTemporary();
      config = config.forEmbeddedBroker(embedded.bootstrapServers(), embedded.dataDir());
      System.out.println("embedded Kafka broker: " + embedded.bootstrapServers());
    }
    TopicProvisioner.ensureTopics(config);
    GateRunner runner = GateRunner.start(config, topology);
    EmbeddedKafkaBroker broker = embedded;
    Thread shutdown =
        new Thread(
            () -> {
              log.info("stopping the gate");
              runner.close();
              if (broker != null) broker.close();
            },
            "dpstream-gate-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdown);
    runner.awaitStopped();
    if (runner.state() == KafkaStreams.State.ERROR) {
      System.err.println("dpstream: the gate stopped on an error (see the log above)");
      return OneLineErrors.EXIT_FAILURE;
    }
    return 0;
  }
}

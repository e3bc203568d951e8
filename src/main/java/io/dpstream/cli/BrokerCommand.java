package io.dpstream.cli;

import io.dpstream.config.DpstreamConfig;
import io.dpstream.kafka.EmbeddedKafkaBroker;
import io.dpstream.kafka.TopicProvisioner;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code dpstream broker}: a standalone single-node KRaft broker whose data directory survives
 * restarts, so that {@code gate}, {@code train} and {@code produce} can run as separate processes
 * on one machine. Creates dpstream's topics, prints {@code bootstrap.servers=...} on stdout, and
 * runs until SIGINT or SIGTERM.
 */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = "Run a local Kafka broker (KRaft, in-process) with a persistent data directory, "
        + "and create dpstream's topics on it.")
public final class BrokerCommand implements Callable<Integer> {
  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data/broker",
      description = "Where the broker keeps its logs across restarts (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--port", defaultValue = "0",
      description = "Client port; 0 = the port used last time in this directory, or 9092 the first time.")
  int port;

  @Mixin ConfigOptions options;

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be in [0, 65535], got " + port);
    DpstreamConfig config = options.load();
    boolean firstTime = !dataDir.resolve("cluster.id").toFile().exists();
    int requested = port == 0 && firstTime ? 9092 : port;
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startPersistent(dataDir, requested);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  broker.close();
                  stopped.countDown();
                },
                "dpstream-broker-shutdown"));
    TopicProvisioner.ensureTopics(config.withBootstrapServers(broker.bootstrapServers()));
    System.out.println("bootstrap.servers=" + broker.bootstrapServers());
    System.out.flush();
    stopped.await();
    return 0;
  }
}

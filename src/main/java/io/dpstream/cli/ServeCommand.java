package io.dpstream.cli;

import io.dpstream.metrics.MetricsServer;
import io.dpstream.metrics.PrometheusServingObserver;
import io.dpstream.snapshot.SnapshotFollower;
import io.dpstream.snapshot.SnapshotServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dpstream serve}: HTTP JSON predictions from the newest snapshot of a model, with its
 * Prometheus metrics ({@code dpstream_serve_*}) and probes on the metrics port: ready once a
 * snapshot is served, live while the HTTP server and the snapshot follower run.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
        "Serves HTTP JSON predictions from the newest verified snapshot of a model, following "
            + "the snapshot topic and swapping in each new version.",
        "POST /predict {\"rows\": [{\"features\": [...], \"categoricalIds\": [...]}]}, "
            + "GET /health, GET /snapshot. Every answer carries the snapshot's version and "
            + "privacy statement.",
        "Metrics (dpstream_serve_*) and /health/live, /health/ready are on the metrics port, "
            + "ready once a snapshot is served."
    })
public final class ServeCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin SnapshotSourceOptions source;

  @CommandLine.Mixin MetricsOptions metrics;

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

  /** Counted down by SIGINT/SIGTERM (a shutdown hook), or by tests, to stop serving. */
  final CountDownLatch stopped = new CountDownLatch(1);

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be in [0, 65535], got " + port);
    }
    if (port != 0 && port == metrics.port()) {
      throw new IllegalArgumentException(
          "--port and --metrics-port must differ, both are " + port);
    }
    var limits = new SnapshotServer.Limits(maxBodyBytes, maxRows, threads);
    PrometheusRegistry registry = MetricsServer.newRegistry();
    var observer = new PrometheusServingObserver(registry);
    try (MetricsServer endpoint = metrics.start(registry);
        SnapshotServer server =
            new SnapshotServer(new InetSocketAddress(host, port), null, limits, observer);
        SnapshotFollower follower = source.startFollower()) {
      endpoint.liveness(() -> server.running() && follower.running());
      endpoint.readiness(
          () -> server.running() && follower.running() && server.served().isPresent());
      follower.addListener(server::load);
      Thread hook = new Thread(stopped::countDown, "serve-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      spec.commandLine().getOut().printf(
          "serving model %s from %s on http://%s:%d (POST /predict, GET /health); "
              + "metrics on port %d (/metrics, %s, %s)%n",
          source.modelId, source.topic, host, server.port(), endpoint.port(),
          MetricsServer.LIVE_PATH, MetricsServer.READY_PATH);
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
}

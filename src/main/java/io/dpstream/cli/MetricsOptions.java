package io.dpstream.cli;

import io.dpstream.metrics.MetricsServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import picocli.CommandLine.Option;

/**
 * The metrics endpoint options every long-running command shares: mix in with
 * {@code @Mixin MetricsOptions metrics;} and call {@link #start} once the registry holds the
 * command's metrics. The port defaults to {@code DPSTREAM_METRICS_PORT}, else 9404.
 */
public final class MetricsOptions {
  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      defaultValue = "${env:DPSTREAM_METRICS_PORT:-" + MetricsServer.DEFAULT_PORT + "}",
      description =
          "Port of the /metrics, /health/live and /health/ready endpoint; 0 picks a free port "
              + "(default: ${DEFAULT-VALUE}).")
  int port = MetricsServer.DEFAULT_PORT;

  @Option(
      names = "--metrics-bind",
      paramLabel = "ADDRESS",
      defaultValue = "${env:DPSTREAM_METRICS_BIND:-0.0.0.0}",
      description =
          "Address the metrics endpoint listens on (default: ${DEFAULT-VALUE}). Its figures are "
              + "not DP outputs: keep it reachable by operators only.")
  String bind = "0.0.0.0";

  /** The configured port, 0..65535. */
  public int port() {
    return port;
  }

  /**
   * Starts the endpoint serving {@code registry}.
   *
   * @throws IllegalArgumentException if the port is out of range or already taken (a bad
   *     argument: exit code 2, with a message saying which option to change)
   * @throws IOException if the address cannot be bound for another reason
   */
  public MetricsServer start(PrometheusRegistry registry) throws IOException {
    if (port < 0 || port > 65535)
      throw new IllegalArgumentException("--metrics-port must be in 0..65535, got " + port);
    try {
      return MetricsServer.start(new InetSocketAddress(bind, port), registry);
    } catch (BindException e) {
      // Every command defaults to 9404, so two on one host (say gate and alerts) collide here.
      throw new IllegalArgumentException("--metrics-port " + port + " on " + bind
          + " is taken (" + e.getMessage() + "; another dpstream command on this host?): "
          + "give another port, or 0 for any free one");
    }
  }
}

package io.dpstream.cli;

import io.dpstream.metrics.MetricsServer;
import io.dpstream.stream.Pipeline;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a {@link Pipeline} as a long-lived process: the metrics endpoint with readiness tied to the
 * pipeline's health, and a shutdown hook (SIGINT, SIGTERM) that stops the trainer, the gate (leaving
 * its consumer group) and the broker, in that order.
 */
final class PipelineProcess implements AutoCloseable {
  private final Pipeline pipeline;
  private final MetricsServer metrics;
  private final Thread hook;
  private final AtomicBoolean closed = new AtomicBoolean();

  private PipelineProcess(Pipeline pipeline, MetricsServer metrics) {
    this.pipeline = pipeline;
    this.metrics = metrics;
    this.hook = new Thread(this::stop, "dpstream-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Starts the metrics endpoint, then the pipeline the builder describes. */
  static PipelineProcess start(Pipeline.Builder builder, MetricsOptions options) throws Exception {
    builder.validate();
    PrometheusRegistry registry = MetricsServer.newRegistry();
    MetricsServer server = options.start(registry);
    try {
      Pipeline pipeline = builder.metrics(registry).start();
      server.readiness(pipeline::healthy);
      return new PipelineProcess(pipeline, server);
    } catch (Exception | Error e) {
      server.close();
      throw e;
    }
  }

  Pipeline pipeline() {
    return pipeline;
  }

  int metricsPort() {
    return metrics.port();
  }

  private void stop() {
    if (!closed.compareAndSet(false, true)) return;
    pipeline.close();
    metrics.close();
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or ran: nothing to remove
    }
  }
}

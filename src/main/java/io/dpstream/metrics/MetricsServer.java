package io.dpstream.metrics;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoint of a long-running dpstream command: Prometheus metrics and the probes an
 * orchestrator needs.
 *
 * <ul>
 *   <li>{@code GET /metrics}: the registry in the Prometheus text format (or OpenMetrics / protobuf
 *       when the scraper asks for it);
 *   <li>{@code GET /health/live}: 200 while the process can do its work, 503 once the liveness
 *       check fails (the orchestrator should restart it);
 *   <li>{@code GET /health/ready}: 200 once the command is ready (e.g. Kafka Streams is RUNNING),
 *       503 before that or while rebalancing (the orchestrator should not count it as available).
 * </ul>
 *
 * <p>Liveness defaults to "always live", readiness to "not ready": the command sets both with
 * {@link #liveness} and {@link #readiness} once it knows what they mean. A check that throws counts
 * as failed.
 *
 * <p>The endpoint exposes counts that depend on private data (see {@link PrometheusGateObserver}):
 * bind it to a network only operators can reach.
 */
public final class MetricsServer implements AutoCloseable {
  /** The port dpstream serves metrics on unless configured otherwise. */
  public static final int DEFAULT_PORT = 9404;

  public static final String LIVE_PATH = "/health/live";
  public static final String READY_PATH = "/health/ready";

  private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);

  private final HTTPServer server;
  private volatile BooleanSupplier liveness = () -> true;
  private volatile BooleanSupplier readiness = () -> false;

  private MetricsServer(InetSocketAddress address, PrometheusRegistry registry) throws IOException {
    server =
        HTTPServer.builder()
            .inetAddress(address.getAddress())
            .port(address.getPort())
            .registry(registry)
            .defaultHandler(this::handleOther)
            .buildAndStart();
  }

  /** A new registry holding the JVM metrics (memory, GC, threads, class loading, CPU). */
  public static PrometheusRegistry newRegistry() {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    return registry;
  }

  /**
   * Starts serving {@code registry} on all interfaces.
   *
   * @param port the TCP port, 0..65535; 0 picks a free one (see {@link #port()})
   * @throws IOException if the port cannot be bound
   * @throws IllegalArgumentException if the port is out of range
   */
  public static MetricsServer start(int port, PrometheusRegistry registry) throws IOException {
    return start(new InetSocketAddress(checkPort(port)), registry);
  }

  /** Starts serving {@code registry} on the given address (port 0 picks a free one). */
  public static MetricsServer start(InetSocketAddress address, PrometheusRegistry registry)
      throws IOException {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(registry, "registry");
    checkPort(address.getPort());
    MetricsServer server = new MetricsServer(address, registry);
    log.info("metrics on port {}: /metrics, {}, {}", server.port(), LIVE_PATH, READY_PATH);
    return server;
  }

  /** The port actually bound. */
  public int port() {
    return server.getPort();
  }

  /** Sets what {@code /health/live} reports; returns this. */
  public MetricsServer liveness(BooleanSupplier check) {
    liveness = Objects.requireNonNull(check, "check");
    return this;
  }

  /** Sets what {@code /health/ready} reports; returns this. */
  public MetricsServer readiness(BooleanSupplier check) {
    readiness = Objects.requireNonNull(check, "check");
    return this;
  }

  @Override
  public void close() {
    server.close();
  }

  private void handleOther(HttpExchange exchange) throws IOException {
    try (exchange) {
      exchange.getRequestBody().readAllBytes();
      String path = exchange.getRequestURI().getPath();
      switch (path) {
        case LIVE_PATH -> {
          boolean live = passes(liveness);
          respond(exchange, live ? 200 : 503, live ? "live\n" : "not live\n");
        }
        case READY_PATH -> {
          boolean ready = passes(readiness);
          respond(exchange, ready ? 200 : 503, ready ? "ready\n" : "not ready\n");
        }
        case "/" -> respond(exchange, 200,
            "dpstream: /metrics " + LIVE_PATH + " " + READY_PATH + "\n");
        default -> respond(exchange, 404, "not found: " + path + "\n");
      }
    }
  }

  private static boolean passes(BooleanSupplier check) {
    try {
      return check.getAsBoolean();
    } catch (RuntimeException e) {
      log.warn("health check failed with an exception", e);
      return false;
    }
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    boolean head = "HEAD".equals(exchange.getRequestMethod());
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head)
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
  }

  private static int checkPort(int port) {
    if (port < 0 || port > 65535)
      throw new IllegalArgumentException("metrics port must be in 0..65535, got " + port);
    return port;
  }
}

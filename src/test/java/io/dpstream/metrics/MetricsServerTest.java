package io.dpstream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MetricsServerTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final PrometheusRegistry registry = MetricsServer.newRegistry();
  private MetricsServer server;

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  private MetricsServer start() throws IOException {
    server =
        MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), registry);
    return server;
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesDpstreamAndJvmMetricsInTheTextFormat() throws Exception {
    GateObserver gate = new PrometheusGateObserver(registry, 4.0, 1e-5);
    start();
    assertTrue(server.port() > 0);
    gate.admitted();
    gate.admitted();

    HttpResponse<String> response = get("/metrics");
    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("Content-Type").orElseThrow().contains("text/plain"));
    ExpositionText text = ExpositionText.parse(response.body());
    assertEquals(2, text.value("dpstream_gate_records_total", "outcome", "admitted"));
    assertEquals(4.0, text.value("dpstream_gate_epsilon_cap"));
    assertTrue(text.value("jvm_memory_used_bytes", "area", "heap") > 0);
    assertTrue(text.types().containsKey("jvm_threads_current"), text.types().keySet().toString());
  }

  @Test
  void readinessFollowsTheCommandsCheck() throws Exception {
    start();
    assertEquals(503, get(MetricsServer.READY_PATH).statusCode(), "not ready until told");
    AtomicBoolean running = new AtomicBoolean(true);
    server.readiness(running::get);
    assertEquals(200, get(MetricsServer.READY_PATH).statusCode());
    running.set(false);
    assertEquals(503, get(MetricsServer.READY_PATH).statusCode());
    server.readiness(() -> {
      throw new IllegalStateException("streams client closed");
    });
    assertEquals(503, get(MetricsServer.READY_PATH).statusCode());
  }

  @Test
  void livenessIsUpByDefaultAndFollowsTheCommandsCheck() throws Exception {
    start();
    HttpResponse<String> live = get(MetricsServer.LIVE_PATH);
    assertEquals(200, live.statusCode());
    assertEquals("live\n", live.body());
    server.liveness(() -> false);
    assertEquals(503, get(MetricsServer.LIVE_PATH).statusCode());
    assertEquals(404, get("/nothing-here").statusCode());
  }

  @Test
  void closeReleasesThePort() throws Exception {
    start();
    int port = server.port();
    server.close();
    server = null;
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .timeout(Duration.ofSeconds(5)).build();
    assertThrows(ConnectException.class,
        () -> http.send(request, HttpResponse.BodyHandlers.discarding()));
  }

  @Test
  void rejectsAPortOutOfRange() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> MetricsServer.start(70000, registry));
    assertTrue(e.getMessage().contains("port"), e.getMessage());
    assertEquals(9404, MetricsServer.DEFAULT_PORT);
  }
}

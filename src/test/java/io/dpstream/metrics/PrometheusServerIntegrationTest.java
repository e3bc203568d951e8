package io.dpstream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus server (the {@code prometheus} binary, e.g. Debian's package) scrapes a
 * {@link MetricsServer} fed by the Prometheus observers, with the project's alert rules loaded.
 * The test reads dpstream series back through Prometheus's HTTP API, evaluates an alert expression
 * taken from {@code ops/prometheus/dpstream-alerts.yml}, and waits for Prometheus to put that
 * alert in the pending state. Skipped when no {@code prometheus} binary is found (set
 * {@code PROMETHEUS_BIN} or put it on the PATH); CI installs it.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PrometheusServerIntegrationTest {
  private static final Path RULES = Path.of("ops/prometheus/dpstream-alerts.yml");
  private static final Duration WAIT = Duration.ofSeconds(45);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void prometheusScrapesDpstreamAndEvaluatesItsAlertRules() throws Exception {
    Optional<Path> binary = prometheusBinary();
    assumeTrue(binary.isPresent(), "no prometheus binary on PATH or in PROMETHEUS_BIN");

    PrometheusRegistry registry = MetricsServer.newRegistry();
    PrometheusGateObserver gate = new PrometheusGateObserver(registry, 8.0, 1e-6);
    PrometheusTrainerObserver trainer =
        new PrometheusTrainerObserver(registry, Duration.ofSeconds(30), Duration.ofMinutes(5));
    for (int i = 0; i < 5; i++) gate.admitted();
    gate.droppedForBudget();
    gate.deadLettered("schema_mismatch");
    // 100 users over two partitions, 30 of them near the cap: 30% > the rule's 25%
    gate.stepClosed(new StepClosed(0, 12, 40, 35, 3, 20, 1, 7.9,
        List.of(10L, 10L, 5L, 5L, 5L, 5L, 5L, 5L, 10L, 0L), 0.01));
    gate.stepClosed(new StepClosed(1, 12, 30, 28, 2, 10, 0, 6.0,
        List.of(10L, 5L, 5L, 5L, 5L, 0L, 0L, 10L, 0L, 0L), 0.02));
    trainer.stepTaken(new TrainerStep(12, 5, 0.4, 1.1));
    trainer.snapshotPublished(new SnapshotPublished(3, 12, 4096, Instant.now()));

    try (MetricsServer metrics =
        MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), registry)) {
      int prometheusPort = freePort();
      Path config = writeConfig(metrics.port());
      Path log = dir.resolve("prometheus.log");
      Process prometheus =
          new ProcessBuilder(
                  binary.get().toString(),
                  "--config.file=" + config,
                  "--storage.tsdb.path=" + dir.resolve("data"),
                  "--web.listen-address=127.0.0.1:" + prometheusPort,
                  "--log.level=warn")
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      String api = "http://127.0.0.1:" + prometheusPort;
      try {
        await("Prometheus ready", log, () -> status(api + "/-/ready") == 200);

        // the series Prometheus scraped, read back through its query API
        JsonNode admitted = awaitVector(api, log, "dpstream_gate_records_total{outcome=\"admitted\"}");
        assertEquals(5, value(admitted.get(0)));
        assertEquals("dpstream-gate", admitted.get(0).at("/metric/job").asText());
        assertEquals(100, value(awaitVector(api, log,
            "sum(dpstream_gate_user_epsilon_bucket{le=\"+Inf\"})").get(0)));
        assertEquals(7.9, value(awaitVector(api, log, "max(dpstream_gate_user_epsilon_max)").get(0)));
        assertEquals(3, value(awaitVector(api, log, "dpstream_trainer_snapshot_version").get(0)));
        // the gauge histogram is a histogram PromQL can take quantiles of. Users per bucket, both
        // partitions: 20 15 10 10 ...; 45 at or below 0.25, 10 in (0.25, 0.5], so the median (rank
        // 50) interpolates linearly to 0.25 + 0.25 * 5/10
        double median = value(awaitVector(api, log,
            "histogram_quantile(0.5, sum by (le) (dpstream_gate_user_epsilon_bucket))").get(0));
        assertEquals(0.375, median, 1e-12);

        // an alert expression from the rule file, evaluated against the scraped series
        JsonNode nearCap = awaitVector(api, log, alertExpression("DpstreamUsersNearCap"));
        assertEquals(1, nearCap.size(), nearCap.toString());
        assertEquals("dpstream-gate", nearCap.get(0).at("/metric/job").asText());
        assertEquals(0.30, value(nearCap.get(0)), 1e-12);
        assertEquals(0, query(api, alertExpression("DpstreamUserEpsilonAboveCap")).size());

        // and Prometheus's own rule evaluation: the alert is pending (its for: is 30m)
        await("DpstreamUsersNearCap pending", log, () -> {
          JsonNode alerts = get(api + "/api/v1/alerts").at("/data/alerts");
          for (JsonNode a : alerts)
            if (a.at("/labels/alertname").asText().equals("DpstreamUsersNearCap")
                && a.get("state").asText().equals("pending")) return true;
          return false;
        });
        List<String> loaded = new ArrayList<>();
        for (JsonNode group : get(api + "/api/v1/rules").at("/data/groups"))
          for (JsonNode rule : group.get("rules")) loaded.add(rule.get("name").asText());
        assertEquals(new TreeSet<>(ruleNames()), new TreeSet<>(loaded));
      } finally {
        prometheus.destroy();
        if (!prometheus.waitFor(15, TimeUnit.SECONDS)) {
          prometheus.destroyForcibly();
          prometheus.waitFor(5, TimeUnit.SECONDS);
        }
      }
    }
  }

  private Path writeConfig(int metricsPort) throws IOException {
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, String.join("\n",
        "global:",
        "  scrape_interval: 1s",
        "  evaluation_interval: 1s",
        "rule_files:",
        "  - " + RULES.toAbsolutePath(),
        "scrape_configs:",
        "  - job_name: dpstream-gate",
        "    static_configs:",
        "      - targets: ['127.0.0.1:" + metricsPort + "']",
        ""));
    return config;
  }

  private static Optional<Path> prometheusBinary() {
    String configured = System.getenv("PROMETHEUS_BIN");
    if (configured != null && !configured.isBlank()) return Optional.of(Path.of(configured));
    String path = System.getenv("PATH");
    if (path == null) return Optional.empty();
    for (String entry : path.split(File.pathSeparator)) {
      Path candidate = Path.of(entry, "prometheus");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate))
        return Optional.of(candidate);
    }
    return Optional.empty();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static JsonNode ruleFile() throws IOException {
    return new YAMLMapper().readTree(RULES.toFile());
  }

  private static String alertExpression(String alert) throws IOException {
    for (JsonNode group : ruleFile().get("groups"))
      for (JsonNode rule : group.get("rules"))
        if (rule.path("alert").asText().equals(alert)) return rule.get("expr").asText();
    throw new AssertionError("no alert " + alert + " in " + RULES);
  }

  private static List<String> ruleNames() throws IOException {
    // every rule of the file is an alert (no recording rules)
    List<String> names = new ArrayList<>();
    for (JsonNode group : ruleFile().get("groups"))
      for (JsonNode rule : group.get("rules")) names.add(rule.get("alert").asText());
    return names;
  }

  private static double value(JsonNode sample) {
    return Double.parseDouble(sample.get("value").get(1).asText());
  }

  /** Waits until an instant query returns a non-empty vector, and returns it. */
  private JsonNode awaitVector(String api, Path log, String promql) throws Exception {
    JsonNode[] result = new JsonNode[1];
    await("a result for " + promql, log, () -> {
      result[0] = query(api, promql);
      return result[0].size() > 0;
    });
    return result[0];
  }

  private JsonNode query(String api, String promql) throws IOException, InterruptedException {
    JsonNode response =
        get(api + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    assertEquals("success", response.get("status").asText(), response.toString());
    assertEquals("vector", response.at("/data/resultType").asText(), response.toString());
    return response.at("/data/result");
  }

  private JsonNode get(String url) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    return json.readTree(response.body());
  }

  private int status(String url) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private interface Check {
    boolean passes() throws Exception;
  }

  private static void await(String what, Path log, Check check) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (check.passes()) return;
      Thread.sleep(250);
    }
    String tail = Files.exists(log) ? Files.readString(log) : "(no log)";
    throw new AssertionError("timed out waiting for " + what + "; Prometheus log:\n" + tail);
  }

}

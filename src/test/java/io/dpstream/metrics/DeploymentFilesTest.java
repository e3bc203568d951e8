package io.dpstream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.dpstream.avro.BudgetAlertKind;
import io.dpstream.privacy.AccountantKind;
import io.dpstream.snapshot.ModelSnapshot;
import io.dpstream.snapshot.PrivacyStatement;
import io.dpstream.snapshot.ServingObserver;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

/**
 * The deployment files agree with the code and with each other: every dpstream metric the alert
 * rules and the Grafana dashboard query is one the observers export; docker-compose runs the
 * right commands with the rule file and dashboards mounted; the Dockerfile builds a non-root
 * image exposing the metrics port.
 */
class DeploymentFilesTest {
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final Pattern METRIC = Pattern.compile("\\bdpstream_[a-z0-9_]+");

  /** A Kafka client's records-lag metric, as a consumer of training-records reports it. */
  private static final Metric LAG_METRIC =
      new Metric() {
        @Override
        public MetricName metricName() {
          return new MetricName("records-lag", "consumer-fetch-manager-metrics", "",
              Map.of("client-id", "gate-1", "topic", "training-records", "partition", "0"));
        }

        @Override
        public Object metricValue() {
          return 3.0;
        }
      };

  /** Every series name the observers (gate, trainer, serve, alerts) and the gate's lag collector export, once each event has happened. */
  static Set<String> exportedSeriesNames() {
    PrometheusRegistry registry = new PrometheusRegistry();
    PrometheusGateObserver gate = new PrometheusGateObserver(registry, 8, 1e-6);
    PrometheusTrainerObserver trainer =
        new PrometheusTrainerObserver(registry, Duration.ofSeconds(30), Duration.ofMinutes(5));
    gate.admitted();
    gate.droppedForBudget();
    gate.deadLettered("schema_mismatch");
    gate.stepClosed(new StepClosed(0, 1, 1, 1, 1, 0, 0, 0.1,
        Collections.nCopies(StepClosed.EPSILON_BUCKET_UPPER_BOUNDS.size() + 1, 1L), 0.01));
    trainer.stepTaken(new TrainerStep(1, 1, 0.1, 0.1));
    trainer.snapshotPublished(new SnapshotPublished(1, 1, 10, Instant.now()));
    trainer.consumerLag(0, 0);
    KafkaConsumerLagCollector.register(registry, "dpstream_gate_consumer_lag_records",
        () -> Map.of(LAG_METRIC.metricName(), LAG_METRIC));
    PrometheusServingObserver serve = new PrometheusServingObserver(registry);
    serve.requestAnswered("predict", 200, 0.01);
    serve.requestRejected(ServingObserver.Rejection.MALFORMED);
    serve.rowsPredicted(1);
    ModelSnapshot snapshot = ModelSnapshot.of("m", 1, 1, Instant.now(), "fake:sum:1",
        new byte[] {1}, new PrivacyStatement(1.0, 1e-6, AccountantKind.PLD, 1.0, 0.01, 1.0, 1));
    serve.snapshotLoaded(snapshot);
    serve.snapshotLoadFailed(snapshot);
    BudgetAlertMetrics alerts = new BudgetAlertMetrics(registry);
    alerts.alertSeen(BudgetAlertKind.WARNING, Instant.now());
    alerts.unreadableAlert();
    Set<String> names = new TreeSet<>();
    for (String series : ExpositionText.scrape(registry).samples().keySet())
      names.add(series.replaceFirst("\\{.*", ""));
    return names;
  }

  private static Set<String> metricsIn(String text) {
    Set<String> names = new TreeSet<>();
    // a name selector like {__name__=~"dpstream_(gate|trainer)_x"} stands for both names
    text = text.replaceAll("dpstream_\\(gate\\|trainer\\)_([a-z0-9_]+)",
        "dpstream_gate_$1 dpstream_trainer_$1");
    Matcher m = METRIC.matcher(text);
    while (m.find()) names.add(m.group());
    return names;
  }

  @Test
  void alertRulesQueryOnlyExportedMetrics() throws IOException {
    Set<String> queried = new TreeSet<>();
    for (JsonNode group : YAML.readTree(Path.of("ops/prometheus/dpstream-alerts.yml").toFile())
        .get("groups"))
      for (JsonNode rule : group.get("rules")) queried.addAll(metricsIn(rule.get("expr").asText()));
    assertTrue(queried.size() >= 10, queried.toString());
    queried.removeAll(exportedSeriesNames());
    assertEquals(Set.of(), queried, "alert rules query metrics nothing exports");
  }

  @Test
  void dashboardQueriesOnlyExportedMetricsFromTheProvisionedDatasource() throws IOException {
    JsonNode dashboard =
        new ObjectMapper().readTree(Path.of("ops/grafana/dashboards/dpstream.json").toFile());
    JsonNode datasources =
        YAML.readTree(Path.of("ops/grafana/provisioning/datasources/prometheus.yml").toFile());
    String uid = datasources.at("/datasources/0/uid").asText();
    Set<String> queried = new TreeSet<>();
    List<String> titles = new ArrayList<>();
    for (JsonNode panel : dashboard.get("panels")) {
      titles.add(panel.get("title").asText());
      assertEquals(uid, panel.at("/datasource/uid").asText(), panel.get("title").asText());
      for (JsonNode target : panel.get("targets")) queried.addAll(metricsIn(target.get("expr").asText()));
    }
    // what the issue asks the dashboard to show
    for (String shown : List.of("ε distribution", "exhausted", "steps", "Step time", "Snapshot version", "lag"))
      assertTrue(titles.stream().anyMatch(t -> t.contains(shown)), shown + " in " + titles);
    queried.removeAll(exportedSeriesNames());
    assertEquals(Set.of(), queried, "the dashboard queries metrics nothing exports");
  }

  @Test
  void readmeDocumentsExactlyTheExportedMetricsAndEveryAlertsRunbook() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    Set<String> families = new TreeSet<>();
    for (String series : exportedSeriesNames())
      families.add(series.replaceFirst("_(bucket|count|sum|gcount|gsum)$", ""));
    // histograms are documented by their family name; "dpstream_gate_" alone is a prefix
    Set<String> documented = metricsIn(readme);
    documented.removeIf(name -> name.endsWith("_"));
    Set<String> undocumented = new TreeSet<>(families);
    undocumented.removeAll(documented);
    assertEquals(Set.of(), undocumented, "exported but not in README.md");
    Set<String> unknown = new TreeSet<>(documented);
    unknown.removeAll(exportedSeriesNames());
    unknown.removeAll(families);
    assertEquals(Set.of(), unknown, "in README.md but not exported");

    for (JsonNode group : YAML.readTree(Path.of("ops/prometheus/dpstream-alerts.yml").toFile())
        .get("groups"))
      for (JsonNode rule : group.get("rules")) {
        String alert = rule.get("alert").asText();
        assertEquals("README.md#alert-" + alert.toLowerCase(), rule.at("/annotations/runbook").asText());
        assertTrue(readme.contains("\n#### Alert: " + alert + "\n"), "README section for " + alert);
      }
  }

  @Test
  void composeRunsKafkaInKraftModeTheGateTheTrainerPrometheusAndGrafana() throws IOException {
    JsonNode services = YAML.readTree(Path.of("docker-compose.yml").toFile()).get("services");
    Set<String> names = new TreeSet<>();
    services.fieldNames().forEachRemaining(names::add);
    assertEquals(Set.of("kafka", "gate", "trainer", "prometheus", "grafana"), names);

    JsonNode kafka = services.get("kafka");
    assertTrue(kafka.get("image").asText().startsWith("apache/kafka:"), kafka.toString());
    assertEquals("broker,controller", kafka.at("/environment/KAFKA_PROCESS_ROLES").asText());
    assertFalse(kafka.toString().toLowerCase().contains("zookeeper"));

    assertEquals("gate", services.at("/gate/command/0").asText());
    assertEquals("train", services.at("/trainer/command/0").asText());

    List<String> mounts = new ArrayList<>();
    services.forEach(s -> s.path("volumes").forEach(v -> mounts.add(v.asText())));
    assertTrue(mounts.stream().anyMatch(m -> m.startsWith("./ops/prometheus/dpstream-alerts.yml:")),
        mounts.toString());
    for (String mount : mounts)
      if (mount.startsWith("./"))
        assertTrue(Files.exists(Path.of(mount.substring(2, mount.indexOf(':')))), mount);

    // the scrape jobs carry the names the rules and the dashboard filter on
    JsonNode prometheus = YAML.readTree(Path.of("ops/prometheus/prometheus.yml").toFile());
    Set<String> jobs = new TreeSet<>();
    prometheus.get("scrape_configs").forEach(c -> jobs.add(c.get("job_name").asText()));
    assertEquals(Set.of("dpstream-gate", "dpstream-trainer"), jobs);
    prometheus.get("scrape_configs").forEach(c -> assertEquals(
        MetricsServer.DEFAULT_PORT, c.at("/dns_sd_configs/0/port").asInt()));
    String rulesMount = mounts.stream()
        .filter(m -> m.startsWith("./ops/prometheus/dpstream-alerts.yml:")).findFirst().orElseThrow();
    assertTrue(rulesMount.contains(":" + prometheus.at("/rule_files/0").asText()), rulesMount);
  }

  @Test
  void dockerfileBuildsANonRootCpuImageByDefaultAndACudaVariant() throws IOException {
    List<String> lines = Files.readAllLines(Path.of("Dockerfile"));
    List<String> stages = new ArrayList<>();
    List<String> users = new ArrayList<>();
    for (String line : lines) {
      if (line.startsWith("FROM ")) stages.add(line.replaceFirst(".* AS ", ""));
      if (line.startsWith("USER ")) users.add(line.substring(5).trim());
    }
    assertEquals("runtime", stages.get(stages.size() - 1), "the default target: " + stages);
    assertTrue(stages.containsAll(List.of("build", "runtime-cuda", "runtime")), stages.toString());
    assertEquals(List.of("10001:10001", "10001:10001"), users);
    String text = String.join("\n", lines);
    assertTrue(text.contains("./mvnw -B -q package"), "built with the Maven wrapper");
    assertTrue(text.contains("EXPOSE " + MetricsServer.DEFAULT_PORT));
    assertTrue(text.contains("-jre-"), "a JRE runtime");
  }
}

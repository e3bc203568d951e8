package io.dpstream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Renders {@code k8s/base} and {@code k8s/overlays/gpu} offline with {@code kubectl kustomize}
 * (or a standalone {@code kustomize build}) and checks the fields that matter: images, probes,
 * ports, resources, Secret references, the GPU request in the overlay, the scale limit against
 * the partition count, and that the PrometheusRule holds exactly the project's alert rules.
 * Skipped when neither tool is on the PATH; .ci/check-ops installs kubectl.
 */
class KubernetesManifestsTest {
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final String IMAGE = "ghcr.io/dpstream/dpstream:";

  @Test
  void baseRunsTheGateAndTrainerWithProbesPortsAndSecretReferences() throws Exception {
    List<JsonNode> objects = render("k8s/base");

    for (JsonNode o : objects)
      if (!o.get("kind").asText().equals("Namespace"))
        assertEquals("dpstream", o.at("/metadata/namespace").asText(), name(o));

    JsonNode configMap = only(objects, "ConfigMap", "dpstream-config");
    JsonNode config = YAML.readTree(configMap.at("/data/dpstream.yaml").asText());
    for (String section : List.of("kafka", "privacy", "gate", "trainer"))
      assertTrue(config.has(section), "config section " + section);
    // The file is a valid dpstream configuration: unknown keys or bad values would throw.
    java.nio.file.Path file = java.nio.file.Files.createTempFile("dpstream", ".yaml");
    try {
      java.nio.file.Files.writeString(file, configMap.at("/data/dpstream.yaml").asText());
      var loaded = io.dpstream.config.DpstreamConfig.load(file, Map.of(), Map.of());
      assertEquals("mlp:16-64-4", loaded.trainer().model());
      assertEquals(
          "SASL_SSL", loaded.kafka().properties().get("security.protocol"), "client properties pass through");
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }

    JsonNode gate = only(objects, "Deployment", "dpstream-gate");
    JsonNode trainer = only(objects, "StatefulSet", "dpstream-trainer");
    assertEquals(1, trainer.at("/spec/replicas").asInt());
    assertEquals("state", trainer.at("/spec/volumeClaimTemplates/0/metadata/name").asText());

    for (JsonNode workload : List.of(gate, trainer)) {
      JsonNode pod = workload.at("/spec/template/spec");
      assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean(), name(workload));
      JsonNode c = pod.at("/containers/0");
      assertTrue(c.get("image").asText().startsWith(IMAGE), c.get("image").asText());
      assertFalse(c.get("image").asText().endsWith("-cuda"));
      assertEquals("metrics", c.at("/ports/0/name").asText());
      assertEquals(MetricsServer.DEFAULT_PORT, c.at("/ports/0/containerPort").asInt());
      assertEquals(MetricsServer.LIVE_PATH, c.at("/livenessProbe/httpGet/path").asText());
      assertEquals("metrics", c.at("/livenessProbe/httpGet/port").asText());
      assertEquals(MetricsServer.READY_PATH, c.at("/readinessProbe/httpGet/path").asText());
      assertEquals("metrics", c.at("/readinessProbe/httpGet/port").asText());
      assertFalse(c.at("/resources/requests/cpu").isMissingNode(), name(workload));
      assertFalse(c.at("/resources/requests/memory").isMissingNode(), name(workload));
      assertTrue(c.toString().contains("\"name\":\"dpstream-kafka-sasl\""), "SASL secret ref");
      assertTrue(pod.toString().contains("\"secretName\":\"dpstream-kafka-tls\""), "TLS secret ref");
      // the config volume points at the generated (hash-suffixed) ConfigMap
      boolean mountsConfig = false;
      for (JsonNode v : pod.get("volumes"))
        mountsConfig |= v.at("/configMap/name").asText().equals(configMap.at("/metadata/name").asText());
      assertTrue(mountsConfig, name(workload));
    }
    assertEquals("gate", gate.at("/spec/template/spec/containers/0/args/0").asText());
    assertEquals("train", trainer.at("/spec/template/spec/containers/0/args/0").asText());

    // the gate scales out to the partition count and no further
    JsonNode hpa = only(objects, "HorizontalPodAutoscaler", "dpstream-gate");
    assertEquals("dpstream-gate", hpa.at("/spec/scaleTargetRef/name").asText());
    assertEquals(config.at("/topics/partitions").asInt(), hpa.at("/spec/maxReplicas").asInt());

    // Services named like the scrape jobs the rules expect, selected by the ServiceMonitor
    JsonNode monitor = only(objects, "ServiceMonitor", "dpstream");
    for (String service : List.of("dpstream-gate", "dpstream-trainer")) {
      JsonNode s = only(objects, "Service", service);
      assertEquals(MetricsServer.DEFAULT_PORT, s.at("/spec/ports/0/port").asInt());
      assertEquals("metrics", s.at("/spec/ports/0/name").asText());
      monitor.at("/spec/selector/matchLabels").fields().forEachRemaining(label ->
          assertEquals(label.getValue().asText(), s.at("/metadata/labels").path(label.getKey()).asText(),
              service + " label " + label.getKey()));
    }
    assertEquals("metrics", monitor.at("/spec/endpoints/0/port").asText());

    // only the metrics port is open, and only to the monitoring namespace
    JsonNode policy = only(objects, "NetworkPolicy", "dpstream-metrics-from-monitoring");
    assertEquals(1, policy.at("/spec/ingress").size());
    assertEquals("metrics", policy.at("/spec/ingress/0/ports/0/port").asText());
    assertEquals("dpstream", policy.at("/spec/podSelector/matchLabels/app.kubernetes.io~1part-of").asText());
    assertEquals("dpstream", gate.at("/spec/template/metadata/labels/app.kubernetes.io~1part-of").asText());

    // the PrometheusRule is the alert rule file, unchanged
    JsonNode rule = only(objects, "PrometheusRule", "dpstream-alerts");
    JsonNode rules = YAML.readTree(Path.of("ops/prometheus/dpstream-alerts.yml").toFile());
    assertEquals(rules.get("groups"), rule.at("/spec/groups"));
  }

  @Test
  void gpuOverlayPutsTheTrainerOnAGpuWithTheCudaImage() throws Exception {
    List<JsonNode> objects = render("k8s/overlays/gpu");
    JsonNode trainer = only(objects, "StatefulSet", "dpstream-trainer").at("/spec/template/spec");
    JsonNode c = trainer.at("/containers/0");
    assertTrue(c.get("image").asText().startsWith(IMAGE), c.get("image").asText());
    assertTrue(c.get("image").asText().endsWith("-cuda"), c.get("image").asText());
    assertEquals(1, c.at("/resources/limits/nvidia.com~1gpu").asInt(), c.toString());
    assertEquals(MetricsServer.LIVE_PATH, c.at("/livenessProbe/httpGet/path").asText());
    assertEquals("train", c.at("/args/0").asText());
    assertTrue(trainer.toString().contains("\"key\":\"nvidia.com/gpu\""), "GPU toleration");
    // the gate stays on the CPU image
    JsonNode gate = only(objects, "Deployment", "dpstream-gate").at("/spec/template/spec/containers/0");
    assertFalse(gate.get("image").asText().endsWith("-cuda"));
    assertTrue(gate.at("/resources/limits/nvidia.com~1gpu").isMissingNode());
  }

  private static String name(JsonNode o) {
    return o.get("kind").asText() + "/" + o.at("/metadata/name").asText();
  }

  /** The one object of a kind whose name is {@code name} (or, for generated ones, starts with it). */
  private static JsonNode only(List<JsonNode> objects, String kind, String name) {
    List<JsonNode> found = new ArrayList<>();
    for (JsonNode o : objects)
      if (o.get("kind").asText().equals(kind)) {
        String n = o.at("/metadata/name").asText();
        if (n.equals(name) || (kind.equals("ConfigMap") && n.startsWith(name + "-"))) found.add(o);
      }
    assertEquals(1, found.size(), kind + "/" + name);
    return found.get(0);
  }

  private static List<JsonNode> render(String dir) throws Exception {
    List<String> command = renderCommand(dir);
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "render timed out");
    assertEquals(0, p.exitValue(), String.join(" ", command) + " failed");
    List<JsonNode> objects = new ArrayList<>();
    try (MappingIterator<JsonNode> docs =
        YAML.readerFor(JsonNode.class).readValues(new String(out, StandardCharsets.UTF_8))) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc != null && !doc.isNull() && doc.size() > 0) objects.add(doc);
      }
    }
    assertFalse(objects.isEmpty(), "nothing rendered from " + dir);
    return objects;
  }

  private static List<String> renderCommand(String dir) throws IOException {
    Optional<Path> kubectl = onPath("kubectl");
    if (kubectl.isPresent()) return List.of(kubectl.get().toString(), "kustomize", dir);
    Optional<Path> kustomize = onPath("kustomize");
    assumeTrue(kustomize.isPresent(), "neither kubectl nor kustomize on the PATH");
    return List.of(kustomize.get().toString(), "build", dir);
  }

  private static Optional<Path> onPath(String tool) {
    String path = System.getenv("PATH");
    if (path == null) return Optional.empty();
    for (String entry : path.split(File.pathSeparator)) {
      Path candidate = Path.of(entry, tool);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return Optional.of(candidate);
    }
    return Optional.empty();
  }
}

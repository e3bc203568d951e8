package io.dpstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpstream.kafka.EmbeddedKafkaBroker;
import io.dpstream.kafka.Topics;
import io.dpstream.metrics.ExpositionText;
import io.dpstream.privacy.AccountantKind;
import io.dpstream.snapshot.ModelSnapshot;
import io.dpstream.snapshot.PrivacyStatement;
import io.dpstream.snapshot.SnapshotPublisher;
import io.dpstream.snapshot.SnapshotTopic;
import io.dpstream.snapshot.TransactionalSnapshotPublisher;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

/** {@code dpstream serve} end to end: the command follows the topic and answers over HTTP. */
class ServeCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void serveAnswersWithEachNewVersion() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary()) {
      createSnapshotTopic(broker);
      try (RunningServe serve = RunningServe.start(
          "--bootstrap-servers", broker.bootstrapServers(), "--model-id", "m",
          "--host", "127.0.0.1", "--port", "0", "--metrics-port", "0", "--metrics-bind", "127.0.0.1")) {
        int port = awaitPort(serve.out);
        HttpClient client = HttpClient.newHttpClient();
        URI health = URI.create("http://127.0.0.1:" + port + "/health");
        assertEquals(503, client.send(HttpRequest.newBuilder(health).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode(), "no snapshot yet");

        var privacy = new PrivacyStatement(1.0, 1e-6, AccountantKind.PLD, 2.0, 0.001, 0.5, 7);
        try (var pub = new TransactionalSnapshotPublisher(broker.bootstrapServers(), "serve-test",
            Topics.MODEL_SNAPSHOTS, SnapshotPublisher.DEFAULT_CHUNK_BYTES)) {
          pub.publish(ModelSnapshot.of("m", 1, 7, Instant.now(), "fake:sum:2", new byte[] {1},
              privacy));
          awaitVersion(client, health, 1);
          pub.publish(ModelSnapshot.of("m", 2, 8, Instant.now(), "fake:softmax:2",
              new byte[] {2}, privacy));
          awaitVersion(client, health, 2);
        }
        HttpResponse<String> r = client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/predict"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"rows\": [[3, 1]]}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals(0, body.get("predictions").get(0).get("label").asInt());
        assertEquals(2, body.get("snapshot").get("version").asLong());
        assertEquals(1e-6, body.get("snapshot").get("privacy").get("delta").asDouble());
      }
    }
  }

  /** serve follows the snapshot topic over TLS + SCRAM with the Kafka section of --config. */
  @Test
  void serveFollowsSnapshotsOverSaslSslFromItsConfigFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    io.dpstream.kafka.TestCertificates certs = io.dpstream.kafka.TestCertificates.generate(tmp);
    String password = "serve-" + java.util.UUID.randomUUID();
    try (EmbeddedKafkaBroker broker = certs.startSaslSslBroker("dpstream-serve", password)) {
      createSnapshotTopic(broker);
      java.nio.file.Path config = tmp.resolve("serve.yaml");
      java.nio.file.Files.writeString(config, certs.kafkaYaml(broker, "dpstream-serve", password));
      try (RunningServe serve = RunningServe.start(
          "--config", config.toString(), "--bootstrap-servers", broker.bootstrapServers("SECURE"),
          "--model-id", "m", "--host", "127.0.0.1", "--port", "0", "--metrics-port", "0", "--metrics-bind", "127.0.0.1")) {
        int port = awaitPort(serve.out);
        HttpClient client = HttpClient.newHttpClient();
        var privacy = new PrivacyStatement(1.0, 1e-6, AccountantKind.PLD, 2.0, 0.001, 0.5, 7);
        try (var pub = new TransactionalSnapshotPublisher(broker.bootstrapServers(), "serve-tls-test",
            Topics.MODEL_SNAPSHOTS, SnapshotPublisher.DEFAULT_CHUNK_BYTES)) {
          pub.publish(ModelSnapshot.of("m", 1, 7, Instant.now(), "fake:sum:2", new byte[] {1}, privacy));
        }
        awaitVersion(client, URI.create("http://127.0.0.1:" + port + "/health"), 1);
      }
    }
  }

  /**
   * serve's metrics port over a real broker: not ready until a snapshot is served, then ready; the
   * request, row and rejection counters move with predictions and refusals; the snapshot gauges
   * show the version served and its age.
   */
  @Test
  void serveExposesMetricsAndFlipsReadyOnceASnapshotIsServed() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary()) {
      createSnapshotTopic(broker);
      try (RunningServe serve = RunningServe.start(
          "--bootstrap-servers", broker.bootstrapServers(), "--model-id", "m",
          "--host", "127.0.0.1", "--port", "0", "--max-rows", "2",
          "--metrics-port", "0", "--metrics-bind", "127.0.0.1")) {
        int port = awaitPort(serve.out);
        int metricsPort = awaitMetricsPort(serve.out);
        HttpClient client = HttpClient.newHttpClient();
        String metrics = "http://127.0.0.1:" + metricsPort;
        assertEquals(200, status(client, metrics + "/health/live"), "server and follower run");
        assertEquals(503, status(client, metrics + "/health/ready"), "no snapshot yet");
        ExpositionText before = scrape(client, metrics);
        assertFalse(before.has("dpstream_serve_snapshot_version"), "absent before the first");
        assertEquals(0, before.value("dpstream_serve_snapshots_loaded_total"));
        assertTrue(before.has("jvm_memory_used_bytes", "area", "heap"), "JVM metrics too");

        var privacy = new PrivacyStatement(1.0, 1e-6, AccountantKind.PLD, 2.0, 0.001, 0.5, 7);
        Instant made = Instant.now().minusSeconds(30);
        try (var pub = new TransactionalSnapshotPublisher(broker.bootstrapServers(), "serve-metrics",
            Topics.MODEL_SNAPSHOTS, SnapshotPublisher.DEFAULT_CHUNK_BYTES)) {
          pub.publish(ModelSnapshot.of("m", 3, 7, made, "fake:sum:2", new byte[] {1}, privacy));
        }
        awaitStatus(client, metrics + "/health/ready", 200);
        assertEquals(200, status(client, metrics + "/health/live"));

        URI predict = URI.create("http://127.0.0.1:" + port + "/predict");
        assertEquals(200, post(client, predict, "{\"rows\": [[3, 1], [1, 1]]}"));
        assertEquals(400, post(client, predict, "{\"rows\": [[3, 1]"));
        assertEquals(413, post(client, predict, "{\"rows\": [[1, 1], [1, 1], [1, 1]]}"));

        // an answer is counted once it has gone out: wait for the last one to be recorded
        ExpositionText after = null;
        for (int i = 0; i < 100; i++) {
          after = scrape(client, metrics);
          if (after.value("dpstream_serve_requests_total", "endpoint", "predict", "status", "413") == 1)
            break;
          Thread.sleep(50);
        }
        assertEquals(1, after.value("dpstream_serve_requests_total", "endpoint", "predict", "status", "200"));
        assertEquals(1, after.value("dpstream_serve_requests_total", "endpoint", "predict", "status", "400"));
        assertEquals(1, after.value("dpstream_serve_requests_total", "endpoint", "predict", "status", "413"));
        assertEquals(3, after.value("dpstream_serve_request_duration_seconds_count", "endpoint", "predict"));
        assertEquals(2, after.value("dpstream_serve_rows_predicted_total"));
        assertEquals(1, after.value("dpstream_serve_requests_rejected_total", "reason", "malformed"));
        assertEquals(1, after.value("dpstream_serve_requests_rejected_total", "reason", "too_many_rows"));
        assertEquals(0, after.value("dpstream_serve_requests_rejected_total", "reason", "body_too_large"));
        assertEquals(1, after.value("dpstream_serve_snapshots_loaded_total"));
        assertEquals(0, after.value("dpstream_serve_snapshot_load_failures_total"));
        assertEquals(3, after.value("dpstream_serve_snapshot_version"));
        double age = after.value("dpstream_serve_snapshot_age_seconds");
        double expected = (System.currentTimeMillis() - made.toEpochMilli()) / 1000.0;
        assertTrue(age >= 30 && age <= expected, "age " + age + " of a snapshot made 30 s before");
      }
    }
  }

  @Test
  void theMetricsPortMustDifferFromTheServingPort() {
    var cl = DpstreamCommand.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    assertEquals(2, cl.execute("serve", "--bootstrap-servers", "x:1", "--model-id", "m",
        "--port", "9500", "--metrics-port", "9500"));
    assertTrue(err.toString().contains("--metrics-port"), err.toString());
  }

  private static void createSnapshotTopic(EmbeddedKafkaBroker broker) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      SnapshotTopic.ensure(admin, Topics.MODEL_SNAPSHOTS, 1, (short) 1);
    }
  }

  private static int status(HttpClient client, String uri) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(uri)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static int post(HttpClient client, URI uri, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(uri)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** {@code dpstream serve} running in the background; closing it stops it and expects exit 0. */
  private record RunningServe(StringWriter out, ServeCommand command, CompletableFuture<Integer> exit)
      implements AutoCloseable {
    static RunningServe start(String... args) {
      var cl = DpstreamCommand.commandLine();
      StringWriter out = new StringWriter();
      cl.setOut(new PrintWriter(out));
      ServeCommand command = cl.getSubcommands().get("serve").getCommand();
      String[] argv = new String[args.length + 1];
      argv[0] = "serve";
      System.arraycopy(args, 0, argv, 1, args.length);
      return new RunningServe(out, command, CompletableFuture.supplyAsync(() -> cl.execute(argv)));
    }

    @Override
    public void close() throws Exception {
      command.stopped.countDown();
      assertEquals(0, exit.get(30, TimeUnit.SECONDS));
    }
  }

  private static void awaitStatus(HttpClient client, String uri, int expected) throws Exception {
    int last = -1;
    for (int i = 0; i < 300; i++) {
      last = status(client, uri);
      if (last == expected) return;
      Thread.sleep(100);
    }
    fail(uri + " answered " + last + ", never " + expected);
  }

  private static ExpositionText scrape(HttpClient client, String metrics) throws Exception {
    HttpResponse<String> r = client.send(
        HttpRequest.newBuilder(URI.create(metrics + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    return ExpositionText.parse(r.body());
  }

  private static int awaitMetricsPort(StringWriter out) throws InterruptedException {
    return awaitPrinted(out, Pattern.compile("metrics on port (\\d+)"), "metrics port");
  }

  private static int awaitPort(StringWriter out) throws InterruptedException {
    return awaitPrinted(out, Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)"), "address");
  }

  /** The port in the first match of {@code p} in serve's output, waiting up to 30 s for it. */
  private static int awaitPrinted(StringWriter out, Pattern p, String what)
      throws InterruptedException {
    for (int i = 0; i < 300; i++) {
      Matcher m = p.matcher(out.toString());
      if (m.find()) return Integer.parseInt(m.group(1));
      Thread.sleep(100);
    }
    throw new AssertionError("serve printed no " + what + ": " + out);
  }

  private static void awaitVersion(HttpClient client, URI health, long version) throws Exception {
    String last = "";
    for (int i = 0; i < 300; i++) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(health).build(),
          HttpResponse.BodyHandlers.ofString());
      last = r.body();
      if (r.statusCode() == 200
          && JSON.readTree(last).get("snapshot").get("version").asLong() == version) {
        return;
      }
      Thread.sleep(100);
    }
    fail("serve never reached version " + version + ": " + last);
  }
}

package io.dpstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpstream.kafka.EmbeddedKafkaBroker;
import io.dpstream.kafka.Topics;
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
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        SnapshotTopic.ensure(admin, Topics.MODEL_SNAPSHOTS, 1, (short) 1);
      }
      var cl = DpstreamCommand.commandLine();
      StringWriter out = new StringWriter();
      cl.setOut(new PrintWriter(out));
      ServeCommand serve = cl.getSubcommands().get("serve").getCommand();
      CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cl.execute("serve",
          "--bootstrap-servers", broker.bootstrapServers(), "--model-id", "m",
          "--host", "127.0.0.1", "--port", "0"));
      try {
        int port = awaitPort(out);
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
      } finally {
        serve.stopped.countDown();
      }
      assertEquals(0, exit.get(30, TimeUnit.SECONDS));
    }
  }

  /** serve follows the snapshot topic over TLS + SCRAM with the Kafka section of --config. */
  @Test
  void serveFollowsSnapshotsOverSaslSslFromItsConfigFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    io.dpstream.kafka.TestCertificates certs = io.dpstream.kafka.TestCertificates.generate(tmp);
    String password = "serve-" + java.util.UUID.randomUUID();
    try (EmbeddedKafkaBroker broker = certs.startSaslSslBroker("dpstream-serve", password)) {
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        SnapshotTopic.ensure(admin, Topics.MODEL_SNAPSHOTS, 1, (short) 1);
      }
      java.nio.file.Path config = tmp.resolve("serve.yaml");
      java.nio.file.Files.writeString(config, certs.kafkaYaml(broker, "dpstream-serve", password));
      var cl = DpstreamCommand.commandLine();
      StringWriter out = new StringWriter();
      cl.setOut(new PrintWriter(out));
      ServeCommand serve = cl.getSubcommands().get("serve").getCommand();
      CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cl.execute("serve",
          "--config", config.toString(), "--bootstrap-servers", broker.bootstrapServers("SECURE"),
          "--model-id", "m", "--host", "127.0.0.1", "--port", "0"));
      try {
        int port = awaitPort(out);
        HttpClient client = HttpClient.newHttpClient();
        var privacy = new PrivacyStatement(1.0, 1e-6, AccountantKind.PLD, 2.0, 0.001, 0.5, 7);
        try (var pub = new TransactionalSnapshotPublisher(broker.bootstrapServers(), "serve-tls-test",
            Topics.MODEL_SNAPSHOTS, SnapshotPublisher.DEFAULT_CHUNK_BYTES)) {
          pub.publish(ModelSnapshot.of("m", 1, 7, Instant.now(), "fake:sum:2", new byte[] {1}, privacy));
        }
        awaitVersion(client, URI.create("http://127.0.0.1:" + port + "/health"), 1);
      } finally {
        serve.stopped.countDown();
      }
      assertEquals(0, exit.get(30, TimeUnit.SECONDS));
    }
  }

  private static int awaitPort(StringWriter out) throws InterruptedException {
    Pattern p = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)");
    for (int i = 0; i < 300; i++) {
      Matcher m = p.matcher(out.toString());
      if (m.find()) return Integer.parseInt(m.group(1));
      Thread.sleep(100);
    }
    throw new AssertionError("serve printed no address: " + out);
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

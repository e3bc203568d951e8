package io.dpstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dpstream predict} against snapshots on a real embedded broker, with the fake model. */
class PredictCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static EmbeddedKafkaBroker broker;

  @TempDir Path dir;

  @BeforeAll
  static void publish() {
    broker = EmbeddedKafkaBroker.startTemporary();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      SnapshotTopic.ensure(admin, Topics.MODEL_SNAPSHOTS, 1, (short) 1);
    }
    var privacy = new PrivacyStatement(2.0, 1e-5, AccountantKind.RDP, 1.0, 0.02, 1.5, 40);
    try (var pub = new TransactionalSnapshotPublisher(broker.bootstrapServers(), "predict-test",
        Topics.MODEL_SNAPSHOTS, SnapshotPublisher.DEFAULT_CHUNK_BYTES)) {
      for (long v = 1; v <= 3; v++) {
        pub.publish(ModelSnapshot.of("ratings", v, v * 10, Instant.now(), "fake:sum:2",
            new byte[] {(byte) v}, privacy));
      }
    }
  }

  @AfterAll
  static void stop() {
    if (broker != null) broker.close();
  }

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = DpstreamCommand.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void csvRowsArePredictedByTheNewestSnapshot() throws Exception {
    Path csv = dir.resolve("rows.csv");
    Files.writeString(csv, "user,a,b\n7,1.5,2\n\n100,0,-1\n");
    Run r = run("predict", "--bootstrap-servers", broker.bootstrapServers(),
        "--model-id", "ratings", "--input", csv.toString(), "--header",
        "--categorical-columns", "1");
    assertEquals(0, r.exit(), r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(2, lines.size(), r.out());
    JsonNode first = JSON.readTree(lines.get(0));
    assertEquals(0, first.get("row").asInt());
    assertEquals(3, first.get("version").asLong());
    assertEquals(10.5, first.get("value").asDouble(), 1e-6);
    assertEquals(99.0, JSON.readTree(lines.get(1)).get("value").asDouble(), 1e-6);
    assertTrue(r.err().contains("version 3"), r.err());
    assertTrue(r.err().contains("epsilon cap 2.0, delta 1.0E-5, accountant rdp"), r.err());
  }

  @Test
  void jsonLinesInSmallBatchesKeepRowNumbers() throws Exception {
    Path jsonl = dir.resolve("rows.jsonl");
    Files.writeString(jsonl, "[1, 1]\n{\"features\": [2, 2]}\n"
        + "{\"features\": [3, 3], \"categoricalIds\": [1]}\n");
    Run r = run("predict", "--bootstrap-servers", broker.bootstrapServers(),
        "--model-id", "ratings", "--input", jsonl.toString(), "--batch", "2");
    assertEquals(0, r.exit(), r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(3, lines.size());
    for (int i = 0; i < 3; i++) {
      JsonNode n = JSON.readTree(lines.get(i));
      assertEquals(i, n.get("row").asInt());
      assertEquals(2.0 * (i + 1) + (i == 2 ? 1 : 0), n.get("value").asDouble(), 1e-6);
    }
  }

  @Test
  void aBadRowIsAOneLineErrorNamingTheLine() throws Exception {
    Path jsonl = dir.resolve("bad.jsonl");
    Files.writeString(jsonl, "[1, 1]\n[1, \"x\"]\n");
    Run r = run("predict", "--bootstrap-servers", broker.bootstrapServers(),
        "--model-id", "ratings", "--input", jsonl.toString());
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("line 2.features[1] is not a number"), r.err());
  }

  @Test
  void anUnknownModelIsAnErrorNotAnEmptyAnswer() throws Exception {
    Path jsonl = dir.resolve("rows.jsonl");
    Files.writeString(jsonl, "[1, 1]\n");
    Run r = run("predict", "--bootstrap-servers", broker.bootstrapServers(),
        "--model-id", "nobody", "--input", jsonl.toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("no verified snapshot of model nobody"), r.err());
  }

  @Test
  void badArgumentsExitWith2() {
    assertEquals(2, run("predict", "--bootstrap-servers", "x:1").exit(), "no --model-id");
    Run r = run("predict", "--bootstrap-servers", "x:1", "--model-id", "a/b");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("modelId"), r.err());
    assertEquals(2, run("serve", "--bootstrap-servers", "x:1", "--model-id", "m",
        "--port", "70000").exit());
  }

  @Test
  void bothCommandsHaveHelp() {
    Run predict = run("predict", "--help");
    assertEquals(0, predict.exit());
    assertTrue(predict.out().contains("--categorical-columns"));
    Run serve = run("serve", "--help");
    assertEquals(0, serve.exit());
    assertTrue(serve.out().contains("--max-body-bytes"));
  }
}

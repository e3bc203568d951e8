package io.dpstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.kafka.TrainingRecordProducer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad options and inputs of {@code dpstream produce}: one line, exit 2, no broker needed. */
class ProduceCommandOptionsTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--dataset synthetic|no --bootstrap-servers given: start a local broker with `dpstream broker`",
        "--dataset iris --bootstrap-servers h:1|unknown data set 'iris'; expected one of mnist, fashion-mnist",
        "--dataset mnist --bootstrap-servers h:1|--data is required for --dataset mnist",
        "--dataset synthetic --split validation --bootstrap-servers h:1|unknown split 'validation'",
        "--dataset synthetic --users-from users --bootstrap-servers h:1|--users-from must be record, k:N, data or column:NAME",
        "--dataset synthetic --rate 0 --bootstrap-servers h:1|--rate must be a positive number",
        "--dataset synthetic --limit -5 --bootstrap-servers h:1|--limit must be >= 0",
        "--dataset synthetic --start-time yesterday --bootstrap-servers h:1|--start-time must be an ISO-8601 instant",
        "--dataset csv --data pom.xml --bootstrap-servers h:1|--dataset csv needs --csv-features",
        "--dataset mnist --pixels bright --data . --bootstrap-servers h:1|--pixels must be unit or standardised",
        "--dataset synthetic --limit x|Invalid value for option '--limit'",
      })
  void badOptionsGiveOneLineAndExit2(String args, String message) {
    var r = ProduceCommandTest.run(("produce " + args).split(" "));
    assertEquals(2, r.exit(), r.err());
    assertTrue(r.err().startsWith("dpstream: "), r.err());
    assertTrue(r.err().contains(message), r.err());
    assertEquals("", r.out());
  }

  @Test
  void aMissingDataDirectoryNamesTheFilesLookedFor(@TempDir Path dir) {
    var r = ProduceCommandTest.run("produce", "--dataset", "adult", "--data", dir.toString(),
        "--bootstrap-servers", "h:1");
    assertEquals(2, r.exit(), r.err());
    assertTrue(r.err().contains(dir + ": no adult.data here or in adult/"), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
  }

  @Test
  void userRulesMustFitTheDataSet() {
    Path mnist = Path.of(System.getenv().getOrDefault("DPSTREAM_SHARED_DATA", "../shared/data"), "mnist");
    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(mnist));
    var data = ProduceCommandTest.run("produce", "--dataset", "mnist", "--data", mnist.toString(),
        "--split", "test", "--users-from", "data", "--bootstrap-servers", "h:1");
    assertEquals(2, data.exit(), data.err());
    assertTrue(data.err().contains("--dataset mnist has no user ids: use --users-from record or k:N"), data.err());
    var column = ProduceCommandTest.run("produce", "--dataset", "synthetic", "--users-from",
        "column:who", "--bootstrap-servers", "h:1");
    assertEquals(2, column.exit(), column.err());
    assertTrue(column.err().contains("--users-from column:NAME is for --dataset csv"), column.err());
  }

  @Test
  void theProducerIsIdempotentWithAcksAllAndTakesOverrides() {
    Properties p = TrainingRecordProducer.config("h:1", Map.of("linger.ms", "50", "security.protocol", "SSL"));
    assertEquals("true", p.get("enable.idempotence"));
    assertEquals("all", p.get("acks"));
    assertEquals("50", p.get("linger.ms"));
    assertEquals("SSL", p.get("security.protocol"));
    assertEquals("h:1", p.get("bootstrap.servers"));
  }

  @Test
  void helpListsTheOptions() {
    var r = ProduceCommandTest.run("produce", "--help");
    assertEquals(0, r.exit());
    for (String option : new String[] {"--dataset", "--data", "--split", "--topic",
        "--bootstrap-servers", "--users-from", "--limit", "--rate", "--kafka-property",
        "--csv-features", "--synthetic-users"}) {
      assertTrue(r.out().contains(option), option);
    }
  }
}

package io.dpstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.dpstream.avro.BudgetAlert;
import io.dpstream.avro.BudgetAlertKind;
import io.dpstream.config.DpstreamConfig;
import io.dpstream.kafka.EmbeddedKafkaBroker;
import io.dpstream.kafka.TopicProvisioner;
import io.dpstream.kafka.Topics;
import io.dpstream.metrics.ExpositionText;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** {@code dpstream alerts}' metrics port over a real broker: probes and the alert counters. */
class AlertsCommandTest {
  private final HttpClient client = HttpClient.newHttpClient();

  @Test
  void alertsServesProbesAndCountsTheAlertsItReads() throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary()) {
      String bs = broker.bootstrapServers();
      TopicProvisioner.ensureTopics(DpstreamConfig.of(Map.of("kafka.bootstrapServers", bs)));
      int metricsPort = freePort();
      String metrics = "http://127.0.0.1:" + metricsPort;
      var cl = DpstreamCommand.commandLine();
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      cl.setOut(new PrintWriter(out));
      cl.setErr(new PrintWriter(err));
      CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cl.execute("alerts",
          "--bootstrap-servers", bs, "--json", "--max", "2",
          "--metrics-port", Integer.toString(metricsPort), "--metrics-bind", "127.0.0.1"));

      // ready once the consumer is assigned and has polled: alerts sent from now on are read
      awaitStatus(metrics + "/health/ready", 200);
      assertEquals(200, status(metrics + "/health/live"));
      ExpositionText before = scrape(metrics);
      assertEquals(0, before.value("dpstream_alerts_seen_total", "kind", "warning"));
      assertFalse(before.has("dpstream_alerts_last_alert_timestamp_seconds"));

      Properties p = new Properties();
      p.put("bootstrap.servers", bs);
      try (var producer =
          new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
        send(producer, "not an alert".getBytes(StandardCharsets.UTF_8));
        send(producer, alert(BudgetAlertKind.WARNING, 1_700_000_012_345L));
        ExpositionText seen = awaitScrape(metrics,
            t -> t.value("dpstream_alerts_seen_total", "kind", "warning") == 1);
        assertEquals(1, seen.value("dpstream_alerts_unreadable_total"));
        assertEquals(0, seen.value("dpstream_alerts_seen_total", "kind", "exhausted"));
        assertEquals(1_700_000_012.345,
            seen.value("dpstream_alerts_last_alert_timestamp_seconds"), 1e-9);
        assertEquals(200, status(metrics + "/health/live"), "still polling");
        send(producer, alert(BudgetAlertKind.EXHAUSTED, 1_700_000_020_000L));
      }
      assertEquals(0, exit.get(60, TimeUnit.SECONDS), err.toString());
      assertEquals(2, out.toString().lines().count(), out.toString());
      assertTrue(err.toString().contains("skipping an unreadable alert"), err.toString());
    }
  }

  private static byte[] alert(BudgetAlertKind kind, long millis) throws IOException {
    var buf = new BudgetAlert("alice", kind, 7.5, 8.0, 42L, Instant.ofEpochMilli(millis))
        .toByteBuffer();
    byte[] bytes = new byte[buf.remaining()];
    buf.get(bytes);
    return bytes;
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, byte[] value) throws Exception {
    producer.send(new ProducerRecord<>(Topics.BUDGET_ALERTS,
        "alice".getBytes(StandardCharsets.UTF_8), value)).get();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private int status(String uri) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(uri)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** Polls {@code uri} until it answers {@code expected}; refused connections mean "not yet". */
  private void awaitStatus(String uri, int expected) throws Exception {
    String last = "nothing";
    for (int i = 0; i < 300; i++) {
      try {
        int s = status(uri);
        if (s == expected) return;
        last = Integer.toString(s);
      } catch (IOException notListeningYet) {
        last = notListeningYet.toString();
      }
      Thread.sleep(100);
    }
    fail(uri + " answered " + last + ", never " + expected);
  }

  private ExpositionText scrape(String metrics) throws Exception {
    HttpResponse<String> r = client.send(
        HttpRequest.newBuilder(URI.create(metrics + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    return ExpositionText.parse(r.body());
  }

  private ExpositionText awaitScrape(String metrics, Predicate<ExpositionText> done)
      throws Exception {
    ExpositionText last = null;
    for (int i = 0; i < 300; i++) {
      last = scrape(metrics);
      if (done.test(last)) return last;
      Thread.sleep(100);
    }
    throw new AssertionError("metrics never reached the expected state:\n" + last.text());
  }
}

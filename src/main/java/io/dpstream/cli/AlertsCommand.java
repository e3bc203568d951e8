package io.dpstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpstream.avro.BudgetAlert;
import io.dpstream.config.DpstreamConfig;
import io.dpstream.kafka.Topics;
import io.dpstream.metrics.BudgetAlertMetrics;
import io.dpstream.metrics.MetricsServer;
import io.dpstream.stream.GateMessages;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dpstream alerts}: follows budget-alerts and prints one line per alert, human-readable or
 * JSON. Reads committed records only, without a consumer group (it never moves anyone's offsets).
 *
 * <p>Serves {@code dpstream_alerts_*} metrics ({@link BudgetAlertMetrics}) and probes on the
 * metrics port: ready once its consumer is assigned and has polled, live while its loop polls
 * (a poll loop stuck for {@link #LIVENESS_WINDOW} is not live).
 */
@Command(
    name = "alerts",
    mixinStandardHelpOptions = true,
    description = "Follow budget-alerts: users who reached the warning fraction of their epsilon cap, or exhausted it.")
public final class AlertsCommand implements Callable<Integer> {
  @Mixin ConfigOptions options;

  @Option(names = "--json", description = "One JSON object per line, for machines.")
  boolean json;

  @Option(names = "--from-beginning", description = "Print the alerts already published too.")
  boolean fromBeginning;

  @Option(names = "--max", paramLabel = "N", defaultValue = "0", description = "Exit after N alerts (0 = follow until interrupted).")
  long max;

  @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "0",
      description = "Exit after this long without a new alert, e.g. 30s (0 = never).")
  String idleTimeout;

  @Mixin MetricsOptions metrics;

  @Spec CommandSpec spec;

  /** Longest time between two polls of a live loop; a poll waits at most 200 ms. */
  static final Duration LIVENESS_WINDOW = Duration.ofSeconds(60);

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public Integer call() throws Exception {
    if (max < 0) throw new IllegalArgumentException("--max must be >= 0, got " + max);
    Duration idle;
    try {
      idle = io.dpstream.config.Settings.parseDuration(idleTimeout);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--idle-timeout: '" + idleTimeout + "' is not a duration such as 30s");
    }
    DpstreamConfig config = options.load();
    if (config.kafka().embedded())
      throw new IllegalArgumentException(
          "alerts needs a broker: give --bootstrap-servers (or kafka.bootstrapServers), e.g. the one `dpstream broker` prints");
    Properties p = new Properties();
    p.putAll(config.kafka().properties());
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    PrintWriter out = spec.commandLine().getOut();
    AtomicBoolean stopping = new AtomicBoolean();
    PrometheusRegistry registry = MetricsServer.newRegistry();
    BudgetAlertMetrics alertMetrics = new BudgetAlertMetrics(registry);
    // live until the loop ends, and only while it keeps polling; ready once it has polled
    AtomicBoolean looping = new AtomicBoolean(true);
    AtomicBoolean polled = new AtomicBoolean();
    AtomicLong lastPoll = new AtomicLong(System.nanoTime());
    try (MetricsServer endpoint = metrics.start(registry);
        var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      endpoint.liveness(() -> looping.get()
          && System.nanoTime() - lastPoll.get() < LIVENESS_WINDOW.toNanos());
      endpoint.readiness(() -> looping.get() && polled.get());
      Thread main = Thread.currentThread();
      Thread hook = new Thread(() -> {
        stopping.set(true);
        consumer.wakeup();
        try {
          main.join(5000);
        } catch (InterruptedException ignored) {
          Thread.currentThread().interrupt();
        }
      });
      Runtime.getRuntime().addShutdownHook(hook);
      List<TopicPartition> parts =
          consumer.partitionsFor(Topics.BUDGET_ALERTS, Duration.ofSeconds(30)).stream()
              .map(i -> new TopicPartition(Topics.BUDGET_ALERTS, i.partition()))
              .toList();
      if (parts.isEmpty()) throw new IllegalArgumentException("topic " + Topics.BUDGET_ALERTS + " does not exist");
      consumer.assign(parts);
      if (fromBeginning) consumer.seekToBeginning(parts);
      else consumer.seekToEnd(parts);
      long printed = 0;
      long lastAlert = System.nanoTime();
      try {
        while (max == 0 || printed < max) {
          var records = consumer.poll(Duration.ofMillis(200));
          lastPoll.set(System.nanoTime());
          polled.set(true);
          for (var r : records) {
            BudgetAlert a;
            try {
              a = GateMessages.budgetAlert(r.value());
            } catch (IllegalArgumentException e) {
              spec.commandLine().getErr().println("dpstream: skipping an unreadable alert at "
                  + r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e.getMessage());
              alertMetrics.unreadableAlert();
              continue;
            }
            alertMetrics.alertSeen(a.getKind(), a.getTimeMillis());
            out.println(json ? toJson(a) : toText(a));
            printed++;
            lastAlert = System.nanoTime();
            if (max != 0 && printed >= max) break;
          }
          out.flush();
          if (!idle.isZero() && System.nanoTime() - lastAlert > idle.toNanos()) break;
        }
      } catch (WakeupException e) {
        if (!stopping.get()) throw e;
      } finally {
        looping.set(false);
      }
      if (!stopping.get()) Runtime.getRuntime().removeShutdownHook(hook);
    }
    out.flush();
    return 0;
  }

  static String toText(BudgetAlert a) {
    return String.format(
        java.util.Locale.ROOT, "%s %-9s user=%s epsilon=%.6g cap=%.6g step=%d",
        a.getTimeMillis(), a.getKind(), a.getUserId(), a.getEpsilon(), a.getEpsilonCap(), a.getStep());
  }

  static String toJson(BudgetAlert a) throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("userId", a.getUserId());
    m.put("kind", a.getKind().name());
    m.put("epsilon", a.getEpsilon());
    m.put("epsilonCap", a.getEpsilonCap());
    m.put("step", a.getStep());
    m.put("time", a.getTimeMillis().toString());
    return JSON.writeValueAsString(m);
  }
}

package io.dpstream.metrics;

import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Exports the consumer lag a Kafka client already measures (its {@code records-lag} metric, per
 * assigned partition, updated on every fetch) as a Prometheus gauge with labels {@code topic} and
 * {@code partition}. Works with anything that has {@code metrics()}: a {@code KafkaConsumer}, or
 * {@code KafkaStreams} (all its stream threads' consumers; restore consumers show up under their
 * changelog topics). When several clients report the same partition, the largest lag is kept.
 *
 * <p>Register one per process and component, e.g. {@code
 * KafkaConsumerLagCollector.register(registry, "dpstream_gate_consumer_lag_records",
 * streams::metrics)}. The collector reads the client's metrics at scrape time only.
 */
public final class KafkaConsumerLagCollector implements Collector {
  private static final String GROUP = "consumer-fetch-manager-metrics";
  private static final String LAG = "records-lag";
  // the classic metric name syntax, which every Prometheus version accepts
  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  private final String name;
  private final Supplier<? extends Map<MetricName, ? extends Metric>> metrics;

  /**
   * @param name the Prometheus metric name, e.g. {@code dpstream_gate_consumer_lag_records}
   * @param metrics the client's metrics, e.g. {@code streams::metrics}
   * @throws IllegalArgumentException if the name is not a valid Prometheus metric name
   */
  public KafkaConsumerLagCollector(
      String name, Supplier<? extends Map<MetricName, ? extends Metric>> metrics) {
    if (name == null || !METRIC_NAME.matcher(name).matches())
      throw new IllegalArgumentException("not a valid Prometheus metric name: " + name);
    this.name = name;
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  /** Creates the collector and registers it. */
  public static KafkaConsumerLagCollector register(
      PrometheusRegistry registry,
      String name,
      Supplier<? extends Map<MetricName, ? extends Metric>> metrics) {
    KafkaConsumerLagCollector collector = new KafkaConsumerLagCollector(name, metrics);
    registry.register(collector);
    return collector;
  }

  @Override
  public MetricSnapshot collect() {
    // (topic, partition) -> lag; sorted for a stable exposition
    Map<String, Map<String, Double>> lag = new TreeMap<>();
    for (Map.Entry<MetricName, ? extends Metric> e : metrics.get().entrySet()) {
      MetricName m = e.getKey();
      if (!LAG.equals(m.name()) || !GROUP.equals(m.group())) continue;
      String topic = m.tags().get("topic");
      String partition = m.tags().get("partition");
      if (topic == null || partition == null) continue;
      if (!(e.getValue().metricValue() instanceof Number value)) continue;
      double v = value.doubleValue();
      if (Double.isNaN(v)) continue; // no fetch yet for this partition
      lag.computeIfAbsent(topic, t -> new TreeMap<>()).merge(partition, v, Math::max);
    }
    GaugeSnapshot.Builder snapshot =
        GaugeSnapshot.builder()
            .name(name)
            .help("Records between the consumer's position and the end of the partition, per "
                + "assigned partition, as of the client's latest fetch");
    lag.forEach((topic, partitions) -> partitions.forEach((partition, v) ->
        snapshot.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
            .labels(Labels.of("topic", topic, "partition", partition))
            .value(v)
            .build())));
    return snapshot.build();
  }

  @Override
  public String getPrometheusName() {
    return name;
  }
}

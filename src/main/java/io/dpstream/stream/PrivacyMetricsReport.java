package io.dpstream.stream;

import io.dpstream.avro.PrivacyMetrics;
import io.dpstream.avro.StepMarker;
import io.dpstream.config.DpstreamConfig;
import io.dpstream.metrics.StepClosed;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the privacy-metrics record of one trained step from the policy (public) and the gate
 * partitions' markers (privileged operational figures: user counts and the per-user ε histogram).
 */
final class PrivacyMetricsReport {
  private PrivacyMetricsReport() {}

  static PrivacyMetrics of(
      DpstreamConfig config, long step, AssembledStep s, long lateContributions, Instant now) {
    long charged = 0, sampled = 0, exhausted = 0;
    double maxEpsilon = 0;
    long[] buckets = new long[StepClosed.EPSILON_BUCKET_UPPER_BOUNDS.size() + 1];
    for (StepMarker m : s.markers()) {
      charged += m.getUsersCharged();
      sampled += m.getUsersSampled();
      exhausted += m.getUsersExhausted();
      maxEpsilon = Math.max(maxEpsilon, m.getMaxEpsilon());
      List<Long> counts = m.getEpsilonBucketCounts();
      for (int i = 0; i < Math.min(counts.size(), buckets.length); i++) buckets[i] += counts.get(i);
    }
    Map<String, Double> quantiles = new LinkedHashMap<>();
    quantiles.put("p50", quantileUpperBound(buckets, 0.50, maxEpsilon));
    quantiles.put("p90", quantileUpperBound(buckets, 0.90, maxEpsilon));
    quantiles.put("p99", quantileUpperBound(buckets, 0.99, maxEpsilon));
    var policy = config.privacy().policy();
    return PrivacyMetrics.newBuilder()
        .setModelId(config.trainer().modelId())
        .setStep(step)
        .setGateStep(s.gateStep())
        .setTime(now)
        .setEpsilonCap(policy.epsilonCap())
        .setDelta(policy.delta())
        .setNoiseMultiplier(policy.noiseMultiplier())
        .setSamplingRate(policy.samplingRate())
        .setClipNorm(config.trainer().clipNorm())
        .setAccountant(policy.accountant().id())
        .setGatePartitionsReported(s.markers().size())
        .setGatePartitions(s.expectedPartitions())
        .setUsersCharged(charged)
        .setUsersSampled(sampled)
        .setUsersExhausted(exhausted)
        .setMaxUserEpsilon(maxEpsilon)
        .setUserEpsilonQuantiles(quantiles)
        .setLateContributionsDiscarded(lateContributions)
        .build();
  }

  /**
   * The upper bound of the bucket holding the p-quantile of users (the largest ε for the last,
   * open bucket): an upper bound of the quantile, as operators need for a cap.
   */
  static double quantileUpperBound(long[] buckets, double p, double maxEpsilon) {
    long total = 0;
    for (long b : buckets) total += b;
    if (total == 0) return 0;
    long rank = (long) Math.ceil(p * total);
    long seen = 0;
    List<Double> bounds = StepClosed.EPSILON_BUCKET_UPPER_BOUNDS;
    for (int i = 0; i < buckets.length; i++) {
      seen += buckets[i];
      if (seen >= rank) return i < bounds.size() ? Math.min(bounds.get(i), maxEpsilon) : maxEpsilon;
    }
    return maxEpsilon;
  }
}

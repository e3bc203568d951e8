package io.dpstream.cli;

import io.dpstream.avro.TrainingRecord;
import io.dpstream.dp.DpSgdConfig;
import io.dpstream.dp.DpTrainer;
import io.dpstream.dp.Example;
import io.dpstream.dp.ModelSpec;
import io.dpstream.dp.UserExamples;
import io.dpstream.stream.TrainingExamples;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The NOT private reference of {@code dpstream experiment --non-private}: the same model, trained
 * on the same batches as the pipeline's, with ordinary gradients (no clipping, no noise, {@link
 * DpTrainer#nonPrivateStep}), in this process and without Kafka. Nothing it trains is published;
 * it exists to measure what privacy costs.
 *
 * <p>The batches mirror the gate's (DESIGN §2): every user's pool keeps their newest {@code
 * poolBound} records in production order, each step samples every user independently with
 * probability q, and a sampled user contributes their newest min(m, pool) records, whose mean loss
 * is that user's term. The sampling coin is a seeded {@link SplittableRandom}: the reference is
 * reproducible, and it is not a privacy mechanism.
 */
final class NonPrivateBaseline {
  private NonPrivateBaseline() {}

  /**
   * Trains and returns the parameters (safetensors, as in a snapshot).
   *
   * @param records the train split in production order
   * @param poolBound records a user's pool keeps (the gate's {@code maxRecordsPerUser}), >= 1
   * @param q per-step sampling probability of a user, in (0, 1]
   * @param steps steps to take, >= 1
   * @param spec the model
   * @param config optimiser, normaliser and m ({@code maxRecordsPerUser}); its clip norm and noise
   *     multiplier are ignored
   * @param seed seed of the sampling coins
   * @throws IllegalArgumentException for arguments out of range
   */
  static byte[] train(
      Iterator<TrainingRecord> records,
      int poolBound,
      double q,
      long steps,
      ModelSpec spec,
      DpSgdConfig config,
      long seed) {
    if (poolBound < 1) throw new IllegalArgumentException("poolBound must be >= 1, got " + poolBound);
    if (!(q > 0 && q <= 1)) throw new IllegalArgumentException("q must be in (0, 1], got " + q);
    if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
    Map<String, Deque<Example>> pools = new LinkedHashMap<>();
    while (records.hasNext()) {
      TrainingRecord r = records.next();
      Deque<Example> pool = pools.computeIfAbsent(r.getUserId(), u -> new ArrayDeque<>());
      pool.addFirst(TrainingExamples.example(r)); // newest first, as the gate contributes them
      if (pool.size() > poolBound) pool.removeLast();
    }
    int m = config.maxRecordsPerUser();
    SplittableRandom coins = new SplittableRandom(seed);
    try (DpTrainer trainer = DpTrainer.create(spec, config)) {
      for (long s = 0; s < steps; s++) {
        List<UserExamples> batch = new ArrayList<>();
        for (Map.Entry<String, Deque<Example>> e : pools.entrySet()) {
          if (coins.nextDouble() >= q) continue;
          List<Example> newest = new ArrayList<>(Math.min(m, e.getValue().size()));
          for (Example x : e.getValue()) {
            if (newest.size() == m) break;
            newest.add(x);
          }
          batch.add(new UserExamples(e.getKey(), newest));
        }
        trainer.nonPrivateStep(batch);
      }
      return trainer.saveParameters();
    }
  }
}

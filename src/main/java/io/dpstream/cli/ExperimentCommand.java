package io.dpstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpstream.avro.TrainingRecord;
import io.dpstream.config.DpstreamConfig;
import io.dpstream.data.DatasetKind;
import io.dpstream.data.DatasetReader;
import io.dpstream.data.DatasetSplit;
import io.dpstream.data.EventTimeAssignment;
import io.dpstream.data.Split;
import io.dpstream.data.UserIdAssignment;
import io.dpstream.dp.DeviceChoice;
import io.dpstream.dp.DpSgdConfig;
import io.dpstream.dp.Example;
import io.dpstream.dp.LearningRateSchedule;
import io.dpstream.dp.ModelSpec;
import io.dpstream.dp.OptimizerConfig;
import io.dpstream.dp.Predictor;
import io.dpstream.kafka.EmbeddedKafkaBroker;
import io.dpstream.kafka.TopicProvisioner;
import io.dpstream.kafka.Topics;
import io.dpstream.kafka.TrainingRecordProducer;
import io.dpstream.privacy.AccountantKind;
import io.dpstream.privacy.CalibratedNoise;
import io.dpstream.privacy.Calibration;
import io.dpstream.snapshot.ModelSnapshot;
import io.dpstream.snapshot.SnapshotFollower;
import io.dpstream.stream.Pipeline;
import io.dpstream.stream.TrainedStep;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code dpstream experiment}: the whole path on an embedded broker. Produces a data set's train
 * split to training-records, runs the gate and the trainer until the configured number of steps,
 * then evaluates the final snapshot on the test split. σ is calibrated so that the gate's per-user
 * cap allows exactly the steps asked for at the target (ε, δ).
 */
@Command(
    name = "experiment",
    mixinStandardHelpOptions = true,
    description = {
      "Train on a data set through the real pipeline (embedded broker, gate, trainer) and "
          + "evaluate the final snapshot on its test split.",
      "Prints a summary, or one JSON object with --json."
    })
public final class ExperimentCommand implements Callable<Integer> {
  @Option(names = "--dataset", required = true,
      description = "mnist, fashion-mnist, adult, movielens or synthetic.")
  String dataset;

  @Option(names = "--data", paramLabel = "DIR",
      description = "Directory of the data set's files (not needed for synthetic).")
  Path data;

  @Option(names = "--epsilon", description = "Per-user epsilon cap (required unless --non-private).")
  Double epsilon;

  @Option(names = "--delta", defaultValue = "1e-5", description = "delta (default: ${DEFAULT-VALUE}).")
  double delta;

  @Option(names = "--steps", description = "DP-SGD steps (default: per data set).")
  Long steps;

  @Option(names = "--batch", description = "Expected users per step; q = batch / users (default: per data set).")
  Integer batch;

  @Option(names = "--model", description = "Model spec (default: per data set).")
  String model;

  @Option(names = "--clip", description = "Clipping norm C (default: per data set).")
  Double clip;

  @Option(names = "--lr", description = "Learning rate (default: per data set).")
  Double learningRate;

  @Option(names = "--optimizer", description = "sgd or adam (default: per data set).")
  String optimizer;

  @Option(names = "--momentum", description = "SGD momentum (default: per data set).")
  Double momentum;

  @Option(names = "--records-per-user",
      description = "m: records a sampled user contributes, their newest (default: per data set).")
  Integer recordsPerUser;

  @Option(names = "--non-private",
      description = {
        "NOT PRIVATE reference: train the same model on the same kind of batches (each user's newest "
            + "records, users sampled with q) with unclipped, noise-free gradients, in this process "
            + "without the gate or Kafka; nothing is published. Prints \"private\": false."
      })
  boolean nonPrivate;

  @Option(names = "--accountant", defaultValue = "pld", description = "rdp or pld (default: ${DEFAULT-VALUE}).")
  String accountant;

  @Option(names = "--limit", description = "Use only the first N training records (smoke runs).")
  Integer limit;

  @Option(names = "--step-period", defaultValue = "200ms",
      description = "The gate's step period (default: ${DEFAULT-VALUE}).")
  String stepPeriod;

  @Option(names = "--json", description = "Print one JSON object on stdout.")
  boolean json;

  @Mixin ConfigOptions options;

  @Override
  public Integer call() throws Exception {
    long started = System.nanoTime();
    DatasetKind kind = DatasetKind.fromCliName(dataset);
    ExperimentDefaults d = ExperimentDefaults.of(kind);
    if (kind != DatasetKind.SYNTHETIC && data == null)
      throw new IllegalArgumentException("--data is required for --dataset " + dataset);
    if (epsilon == null && !nonPrivate)
      throw new IllegalArgumentException("--epsilon is required (or --non-private for the non-private reference)");
    DatasetReader reader = DatasetReader.open(kind, data);
    DatasetSplit train = reader.read(Split.TRAIN);
    DatasetSplit test = reader.read(Split.TEST);
    List<io.dpstream.data.Example> trainExamples = train.examples();
    if (limit != null) {
      if (limit < 1) throw new IllegalArgumentException("--limit must be >= 1, got " + limit);
      trainExamples = trainExamples.subList(0, Math.min(limit, trainExamples.size()));
    }
    DatasetSplit used = new DatasetSplit(train.kind(), train.split(), train.shape(), trainExamples);
    UserIdAssignment users = d.userLevel() ? UserIdAssignment.fromData() : UserIdAssignment.perRecord();
    long userCount = used.records(users, EventTimeAssignment.fromDataOr(0, 1))
        .map(TrainingRecord::getUserId).distinct().count();

    long n = steps != null ? steps : d.steps(epsilon == null ? Double.POSITIVE_INFINITY : epsilon);
    int b = batch != null ? batch : d.batch();
    double q = Math.min(1.0, b / (double) userCount);
    int m = recordsPerUser != null ? recordsPerUser : d.recordsPerUser();
    if (m < 1) throw new IllegalArgumentException("--records-per-user must be >= 1, got " + m);
    AccountantKind acc = AccountantKind.parse(accountant);
    if (nonPrivate) return nonPrivateReference(kind, d, used, users, test, q, n, m, started);
    // The gate's cap is computed at delta/2 (BudgetPolicy): calibrate at the same delta so the
    // cap allows the n steps asked for.
    CalibratedNoise noise = Calibration.noiseMultiplier(acc, epsilon, delta / 2, q, n);

    Map<String, String> s = new LinkedHashMap<>();
    s.put("topics.partitions", "1");
    s.put("gate.stepPeriod", stepPeriod);
    s.put("gate.commitInterval", "100ms");
    // A step close over a whole data set's pool (60,000 MNIST images) can outlast Kafka Streams'
    // exactly-once default of 10 s on a loaded machine; the transaction would be aborted and the
    // gate fenced and rebalanced over and over.
    s.put("kafka.properties.transaction.timeout.ms", "120000");
    s.put("gate.maxRecordsPerUser", String.valueOf(poolBound(m)));
    s.put("gate.recordsPerContribution", String.valueOf(m));
    s.put("gate.featureCount", String.valueOf(train.shape().features()));
    s.put("gate.labelClasses", String.valueOf(train.shape().classes()));
    s.put("privacy.epsilonCap", String.valueOf(epsilon));
    s.put("privacy.delta", String.valueOf(delta));
    s.put("privacy.samplingRate", String.valueOf(q));
    s.put("privacy.noiseMultiplier", String.valueOf(noise.noiseMultiplier()));
    s.put("privacy.accountant", acc.id());
    s.put("trainer.model", model != null ? model : d.model());
    s.put("trainer.expectedBatchSize", String.valueOf(q * userCount));
    s.put("trainer.clipNorm", String.valueOf(clip != null ? clip : d.clipNorm()));
    s.put("trainer.optimizer", optimizer != null ? optimizer : d.optimizer());
    s.put("trainer.learningRate", String.valueOf(learningRate != null ? learningRate : d.learningRate()));
    s.put("trainer.momentum", String.valueOf(momentum != null ? momentum : d.momentum()));
    s.put("trainer.maxSteps", String.valueOf(n));
    s.put("trainer.snapshotEverySteps", String.valueOf(Math.max(1, n / 10)));
    s.put("trainer.commitEverySteps", "10");
    s.put("trainer.stepTimeout", "10s");
    DpstreamConfig config = options.load(s);
    if (!config.kafka().embedded())
      throw new IllegalArgumentException("experiment runs on its own embedded broker: drop --bootstrap-servers");

    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary()) {
      DpstreamConfig onBroker = config.forEmbeddedBroker(broker.bootstrapServers(), broker.dataDir());
      TopicProvisioner.ensureTopics(onBroker);
      try (TrainingRecordProducer producer =
          new TrainingRecordProducer(
              broker.bootstrapServers(), Topics.TRAINING_RECORDS, oneBatchInFlight(onBroker))) {
        producer.sendAll(used.records(users, EventTimeAssignment.fromDataOr(System.currentTimeMillis(), 1)).iterator());
      }
      log("produced %d records of %d users; q=%.5f sigma=%.4f for %d steps at eps=%.3g delta=%.3g",
          used.size(), userCount, q, noise.noiseMultiplier(), n, epsilon, delta);
      List<TrainedStep> last = new ArrayList<>(1);
      AdmissionCounter admitted = new AdmissionCounter();
      // Pool the whole training set before the first step: a gate with an hour-long step period
      // ingests it (closing no step, so charging nobody), then the gate restarts on its state with
      // the real period. As in Abadi et al., every step then samples from the whole set.
      try (Pipeline ingest =
          Pipeline.builder(ingestion(onBroker)).trainer(false).gateObserver(admitted).start()) {
        admitted.awaitOutcomes(used.size(), Duration.ofMinutes(30));
      }
      log("the gate pooled the training set (%s)", admitted);
      try (Pipeline p =
          Pipeline.builder(onBroker)
              .onStep(st -> {
                if (st.step() % Math.max(1, n / 20) == 0 || st.step() == n) log("%s", StepLine.format(st));
                last.clear();
                last.add(st);
              })
              .start()) {
        p.awaitTrainer();
      }
      ModelSnapshot snapshot;
      try (SnapshotFollower f = SnapshotFollower.start(broker.bootstrapServers(), onBroker.trainer().modelId())) {
        snapshot = f.awaitVersion(1, Duration.ofMinutes(2))
            .orElseThrow(() -> new IllegalStateException("no snapshot was published"));
        f.awaitCaughtUp(Duration.ofMinutes(1));
        snapshot = f.latest().orElse(snapshot);
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("dataset", kind.cliName());
      out.put("private", true);
      evaluate(ModelSpec.parse(snapshot.modelSpec()), snapshot.parameterBytes(), test, out);
      baseline(used, test, out);
      out.put("epsilon", epsilon);
      out.put("max_user_epsilon", last.isEmpty() ? 0.0 : last.get(0).metrics().getMaxUserEpsilon());
      out.put("delta", delta);
      out.put("accountant", acc.id());
      out.put("steps", snapshot.step());
      out.put("noise_multiplier", noise.noiseMultiplier());
      out.put("sampling_rate", q);
      out.put("clip_norm", onBroker.trainer().clipNorm());
      out.put("optimizer", onBroker.trainer().optimizer());
      out.put("learning_rate", onBroker.trainer().learningRate());
      out.put("records_per_user", m);
      out.put("model", onBroker.trainer().model());
      out.put("train_users", userCount);
      out.put("test_records", test.size());
      out.put("snapshot_version", snapshot.version());
      out.put("seconds", seconds(started));
      print(out);
      return 0;
    }
  }

  /**
   * The producer settings for the data set, with one batch in flight: writing right after the
   * topics are created, a loaded embedded broker answered NOT_LEADER_OR_FOLLOWER to the first
   * batches while accepting later ones, and the idempotent producer's retries then failed with
   * OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery timeout (seen once in three MNIST smoke runs).
   */
  private static Map<String, String> oneBatchInFlight(DpstreamConfig config) {
    Map<String, String> p = new LinkedHashMap<>(config.kafka().properties());
    p.put("max.in.flight.requests.per.connection", "1");
    return p;
  }

  /** Pool bound per user: room for m records and some history behind them. */
  private static int poolBound(int m) {
    return Math.max(1, m * 4);
  }

  /**
   * The {@code --non-private} reference: same model, optimiser, q, m, steps and pool bound as the
   * private run would use, trained in process by {@link NonPrivateBaseline}; nothing published.
   */
  private int nonPrivateReference(
      DatasetKind kind,
      ExperimentDefaults d,
      DatasetSplit used,
      UserIdAssignment users,
      DatasetSplit test,
      double q,
      long n,
      int m,
      long started)
      throws Exception {
    String spec = model != null ? model : d.model();
    double lr = learningRate != null ? learningRate : d.learningRate();
    double mom = momentum != null ? momentum : d.momentum();
    long userCount = used.records(users, EventTimeAssignment.fromDataOr(0, 1))
        .map(TrainingRecord::getUserId).distinct().count();
    DpSgdConfig config =
        new DpSgdConfig(
            clip != null ? clip : d.clipNorm(), 0, q * userCount, m,
            optimizerConfig(optimizer != null ? optimizer : d.optimizer(), lr, mom),
            LearningRateSchedule.constant(), DeviceChoice.AUTO, 0);
    log("NON-PRIVATE reference: %d records of %d users, q=%.5f, %d steps, no clipping, no noise",
        used.size(), userCount, q, n);
    byte[] parameters =
        NonPrivateBaseline.train(
            used.records(users, EventTimeAssignment.fromDataOr(0, 1)).iterator(),
            poolBound(m), q, n, ModelSpec.parse(spec), config, 0);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("dataset", kind.cliName());
    out.put("private", false);
    evaluate(ModelSpec.parse(spec), parameters, test, out);
    baseline(used, test, out);
    out.put("epsilon", null);
    out.put("steps", n);
    out.put("sampling_rate", q);
    out.put("optimizer", optimizer != null ? optimizer : d.optimizer());
    out.put("learning_rate", lr);
    out.put("records_per_user", m);
    out.put("model", spec);
    out.put("train_users", userCount);
    out.put("test_records", test.size());
    out.put("seconds", seconds(started));
    print(out);
    return 0;
  }

  private static OptimizerConfig optimizerConfig(String name, double lr, double momentum) {
    return switch (name) {
      case "sgd" -> OptimizerConfig.sgd(lr, momentum, 0);
      case "adam" -> OptimizerConfig.adam(lr, 0);
      default -> throw new IllegalArgumentException("--optimizer must be sgd or adam, got " + name);
    };
  }

  private void print(Map<String, Object> out) throws Exception {
    if (json) {
      System.out.println(new ObjectMapper().writeValueAsString(out));
    } else {
      out.forEach((k, v) -> System.out.println(k + ": " + v));
    }
  }

  private static double seconds(long started) {
    return Math.round((System.nanoTime() - started) / 1e7) / 100.0;
  }

  /**
   * The data-independent-of-the-model baseline on the test split: for regression the RMSE of
   * always predicting the training targets' mean ({@code global_mean_rmse}), for classification
   * the accuracy of always predicting the most frequent training label ({@code
   * majority_class_accuracy}). Computed without privacy: a reference, never published.
   */
  private static void baseline(DatasetSplit train, DatasetSplit test, Map<String, Object> out) {
    if (test.shape().isClassification()) {
      Map<Integer, Long> counts = new java.util.HashMap<>();
      for (io.dpstream.data.Example e : train.examples()) counts.merge(e.label(), 1L, Long::sum);
      int majority = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
      long hits = test.examples().stream().filter(e -> e.label() == majority).count();
      out.put("majority_class_accuracy", hits / (double) test.size());
    } else {
      double mean = train.examples().stream().mapToDouble(io.dpstream.data.Example::target).average().orElse(0);
      double squared = 0;
      for (io.dpstream.data.Example e : test.examples()) squared += (e.target() - mean) * (e.target() - mean);
      out.put("global_mean", mean);
      out.put("global_mean_rmse", Math.sqrt(squared / test.size()));
    }
  }

  /** The same configuration with an hour-long step period: the gate admits but closes no step. */
  private DpstreamConfig ingestion(DpstreamConfig onBroker) {
    return onBroker.withGate(onBroker.gate().withStepPeriod(Duration.ofHours(1)));
  }

  /** Accuracy (classification) or RMSE (regression) of the parameters on the test split. */
  private static void evaluate(
      ModelSpec spec, byte[] parameters, DatasetSplit test, Map<String, Object> out) {
    boolean classification = test.shape().isClassification();
    long correct = 0;
    double squared = 0;
    try (Predictor predictor = Predictor.load(spec, parameters, DeviceChoice.AUTO)) {
      List<io.dpstream.data.Example> all = test.examples();
      for (int from = 0; from < all.size(); from += 1000) {
        List<io.dpstream.data.Example> chunk = all.subList(from, Math.min(all.size(), from + 1000));
        List<Example> rows = new ArrayList<>(chunk.size());
        for (io.dpstream.data.Example e : chunk) {
          rows.add(new Example(e.features(), e.categoricalIds(), null, null, 1f));
        }
        float[][] predicted = predictor.predict(rows);
        for (int i = 0; i < chunk.size(); i++) {
          if (classification) {
            if (argmax(predicted[i]) == chunk.get(i).label()) correct++;
          } else {
            double err = predicted[i][0] - chunk.get(i).target();
            squared += err * err;
          }
        }
      }
      if (classification) out.put("accuracy", correct / (double) all.size());
      else out.put("rmse", Math.sqrt(squared / all.size()));
    }
  }

  private static int argmax(float[] row) {
    int best = 0;
    for (int i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
    return best;
  }

  private static void log(String format, Object... args) {
    System.err.println("experiment: " + String.format(Locale.ROOT, format, args));
  }
}

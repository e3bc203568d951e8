package io.dpstream.cli;

import io.dpstream.config.DpstreamConfig;
import io.dpstream.data.SyntheticSource;
import io.dpstream.data.SyntheticSpec;
import io.dpstream.kafka.Topics;
import io.dpstream.kafka.TrainingRecordProducer;
import io.dpstream.stream.Pipeline;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code dpstream demo}: the whole system on one machine with nothing installed. An embedded
 * broker, a synthetic stream of user events (a few heavy users, many light ones), the gate, the
 * trainer and the metrics endpoint; one line per step. Heavy users stay eligible at every step and
 * exhaust their budget during the demo; light users come and go with the retention window.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run the whole pipeline on an embedded broker with a built-in synthetic source of user "
          + "events; print one line per DP-SGD step; serve /metrics. Stops after --steps or on Ctrl-C.",
      "Any setting can be changed with --set KEY=VALUE (see README, Configuration)."
    })
public final class DemoCommand implements Callable<Integer> {
  @Option(names = "--steps", defaultValue = "60",
      description = "Stop after this many DP-SGD steps; 0 runs until Ctrl-C (default: ${DEFAULT-VALUE}).")
  long steps;

  @Option(names = "--users", defaultValue = "2000",
      description = "Distinct users in the synthetic source (default: ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--rate", defaultValue = "400",
      description = "Events per second streamed into training-records (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--seed", defaultValue = "42",
      description = "Seed of the synthetic task and events (default: ${DEFAULT-VALUE}).")
  long seed;

  @Mixin ConfigOptions options;
  @Mixin MetricsOptions metrics;

  @Override
  public Integer call() throws Exception {
    if (steps < 0) throw new IllegalArgumentException("--steps must be >= 0, got " + steps);
    if (users < 1) throw new IllegalArgumentException("--users must be >= 1, got " + users);
    if (!(rate > 0)) throw new IllegalArgumentException("--rate must be > 0, got " + rate);
    SyntheticSpec spec =
        SyntheticSpec.defaults()
            .withUsers(users)
            .withSeed(seed)
            .withStart(System.currentTimeMillis(), Math.max(1, Math.round(1000 / rate)));
    DpstreamConfig config = options.load(demoDefaults(spec));
    AtomicBoolean stop = new AtomicBoolean();
    try (PipelineProcess process =
        PipelineProcess.start(Pipeline.builder(config).onStep(StepLine::print), metrics)) {
      Pipeline p = process.pipeline();
      System.err.printf(
          "dpstream demo: %d users, %.0f events/s, one step every %s, eps_cap %.3g (%d steps per "
              + "user at most); metrics on http://localhost:%d/metrics; Ctrl-C to stop%n",
          users, rate, p.config().gate().stepPeriod(), p.policy().config().epsilonCap(),
          p.policy().maxSteps(), process.metricsPort());
      Thread source = new Thread(() -> stream(p.config(), spec, stop), "dpstream-demo-source");
      source.setDaemon(true);
      source.start();
      p.awaitTrainer();
      stop.set(true);
      return 0;
    } catch (IllegalStateException e) {
      System.err.println("dpstream: " + e.getMessage());
      return OneLineErrors.EXIT_FAILURE;
    } finally {
      stop.set(true);
    }
  }

  private void stream(DpstreamConfig config, SyntheticSpec spec, AtomicBoolean stop) {
    try (TrainingRecordProducer producer =
        new TrainingRecordProducer(
            config.kafka().bootstrapServers(), Topics.TRAINING_RECORDS, config.kafka().properties())) {
      producer.sendAll(new SyntheticSource(spec), Long.MAX_VALUE, rate, n -> {}, stop::get);
    } catch (RuntimeException e) {
      if (!stop.get()) System.err.println("dpstream demo: the synthetic source stopped: " + e);
    }
  }

  /** Demo settings; --config, DPSTREAM_* variables and --set override them. */
  private Map<String, String> demoDefaults(SyntheticSpec spec) {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("topics.partitions", "2");
    d.put("gate.stepPeriod", "1s");
    d.put("gate.retentionSteps", "5");
    d.put("gate.maxRecordsPerUser", "8");
    d.put("gate.recordsPerContribution", "4");
    d.put("gate.featureCount", String.valueOf(spec.features()));
    d.put("gate.labelClasses", String.valueOf(spec.classes()));
    d.put("gate.commitInterval", "200ms");
    d.put("privacy.epsilonCap", "1.0");
    d.put("privacy.delta", "1e-5");
    d.put("privacy.samplingRate", "0.1");
    d.put("privacy.noiseMultiplier", "3.0");
    d.put("trainer.model", "mlp:" + spec.features() + "-32-" + spec.classes());
    d.put("trainer.expectedBatchSize", "100");
    d.put("trainer.learningRate", "0.5");
    d.put("trainer.momentum", "0.5");
    d.put("trainer.snapshotEverySteps", "5");
    d.put("trainer.stepTimeout", "5s");
    d.put("trainer.maxSteps", String.valueOf(steps));
    return d;
  }
}

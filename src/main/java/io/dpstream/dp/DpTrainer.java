package io.dpstream.dp;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The DP-SGD engine's front door: a model, its optimiser and the step of DESIGN §2.
 *
 * <p>{@link #step(List)} takes the users Poisson-sampled for one step (possibly none) and runs the
 * phases {@link #clipAndAccumulate clip and accumulate} (per-user clipping with ghost norms),
 * {@link #addNoise add noise} N(0, σ²C²·I), divide by the configured expected batch size B, then
 * the optimiser. Neither the division nor the noise's scale is a pass of its own: the step works
 * in the unit u = √2·σC/B, in which the noise is erfinv's output as drawn (deviation 1/√2, see
 * {@link GaussianNoise#NATURAL_STD}). The clipping factors carry 1/(B·u), and the optimiser takes
 * the gradient as u times the arrays it gets. The distribution is that of DESIGN §2. An empty
 * step still adds noise and updates the model: the privacy analysis charges every step.
 *
 * <p>Each step's arrays live in a sub-manager closed at the end of the step, so native memory does
 * not grow with the number of steps. Not thread-safe; PyTorch's gradient recording is global, so
 * one trainer steps at a time per JVM.
 */
public final class DpTrainer implements AutoCloseable {
  static final String FORMAT = "dpstream-dp/1";

  private final NDManager manager;
  private final DpModel model;
  private final DpSgdConfig config;
  private final ParameterOptimizer optimizer;
  private final GhostClipper clipper;
  private final GaussianNoise noise;
  private final StagingBuffers staging = new StagingBuffers();
  private final long parameterCount;
  private long stepsTaken;

  private DpTrainer(ModelSpec spec, DpSgdConfig config) {
    Device device = config.device().resolve();
    NativeHeapReuse.enable(device);
    this.manager = NDManager.newBaseManager(device);
    try {
      this.model = DpModel.build(spec, manager, config.seed());
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
    this.config = config;
    this.optimizer = ParameterOptimizer.create(config.optimizer(), model.parameters, manager);
    this.clipper = new GhostClipper(model);
    this.noise = new GaussianNoise(manager);
    // fixed by the spec; each array's size is a call into the engine, so counted once
    this.parameterCount = model.parameters.stream().mapToLong(p -> p.array().size()).sum();
  }

  /**
   * A new trainer with parameters initialised from {@code config.seed()}.
   *
   * @throws IllegalArgumentException when the spec has shape errors or unsupported layers, or the
   *     device is unavailable
   */
  public static DpTrainer create(ModelSpec spec, DpSgdConfig config) {
    return new DpTrainer(spec, config);
  }

  /**
   * A trainer resumed from {@link #saveState()}: same model, parameters, optimiser state and step
   * count. The configuration may differ (e.g. a new σ) but its optimiser kind must match.
   *
   * @throws IllegalArgumentException when the bytes are not a dpstream state or do not match
   */
  public static DpTrainer restore(byte[] state, DpSgdConfig config) {
    SafetensorsFormat.Contents contents = SafetensorsFormat.read(state);
    Map<String, String> meta = contents.metadata();
    if (!FORMAT.equals(meta.get("format")) || !"state".equals(meta.get("content"))) {
      throw new IllegalArgumentException("not a dpstream trainer state (metadata format="
          + meta.get("format") + ", content=" + meta.get("content") + ")");
    }
    String kind = config.optimizer().kind().name().toLowerCase(java.util.Locale.ROOT);
    if (!kind.equals(meta.get("optimizer"))) {
      throw new IllegalArgumentException("state was saved with optimizer " + meta.get("optimizer")
          + " but the configuration asks for " + kind);
    }
    DpTrainer t = new DpTrainer(ModelSpec.parse(meta.get("model_spec")), config);
    try {
      Map<String, NDArray> targets = new LinkedHashMap<>(t.parameterArrays());
      targets.putAll(t.optimizer.state());
      for (Map.Entry<String, NDArray> e : targets.entrySet()) {
        SafetensorsFormat.Tensor tensor = contents.tensors().get(e.getKey());
        if (tensor == null || !e.getValue().getShape().equals(new ai.djl.ndarray.types.Shape(tensor.shape()))) {
          throw new IllegalArgumentException("state lacks tensor " + e.getKey()
              + " of shape " + e.getValue().getShape());
        }
        e.getValue().set(tensor.data());
      }
      t.stepsTaken = Long.parseLong(meta.get("steps_taken"));
      return t;
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
  }

  /** The model's spec. */
  public ModelSpec spec() {
    return model.spec;
  }

  /** The configuration this trainer runs with. */
  public DpSgdConfig config() {
    return config;
  }

  /** Number of steps taken (DP and non-private), including those before a restore. */
  public long stepsTaken() {
    return stepsTaken;
  }

  /** Number of trainable scalars. */
  public long parameterCount() {
    return parameterCount;
  }

  /**
   * One DP-SGD step on the users sampled for it.
   *
   * @param sampled the sampled users, each with 1..maxRecordsPerUser records; may be empty
   * @throws IllegalArgumentException when a user has too many records or a record does not fit
   *     the model (nothing is updated then)
   */
  public StepResult step(List<UserExamples> sampled) {
    ThreadGradMode.offOutsideCollectors();
    double lr = learningRate();
    int records = checkRecords(sampled);
    double unit = gradientUnit();
    // whether to draw noise is σ > 0, not u ≠ 1: u is a scale and may be 1 with noise too
    if (noiseStd() > 0) {
      // the noise does not depend on the data: where a core is free for it, it is drawn on the
      // noise thread while this thread computes the clipped sum (else addNoise draws it)
      noise.prepare(parameterCount(), GaussianNoise.NATURAL_STD);
    }
    GhostClipper.ClippedSum clipped;
    try (NDManager step = manager.newSubManager()) {
      try (NDManager pass = step.newSubManager()) {
        // activations and output gradients are freed as soon as the clipped sum exists
        clipped = clipAndAccumulate(sampled, unit, pass);
        clipped.sums().forEach(sum -> sum.attach(step));
      }
      List<NDArray> gradient = addNoise(clipped.sums(), step);
      optimizer.update(gradient, unit, lr, stepsTaken + 1, step);
    }
    stepsTaken++;
    return new StepResult(stepsTaken, lr, sampled.size(), records, clipped.clippedFraction(),
        clipped.meanLoss());
  }

  /**
   * Phases 1 and 3: Σ_u clip_C(g_u) / (B·u) per parameter, B the configured expected batch size
   * and u the step's {@link #gradientUnit} (zeros when no user was sampled). Both divisions are
   * folded into the clipping factors, where they cost nothing, instead of a pass over the
   * parameters.
   */
  GhostClipper.ClippedSum clipAndAccumulate(List<UserExamples> sampled, double unit,
      NDManager step) {
    if (sampled.isEmpty()) {
      List<NDArray> zeros = new ArrayList<>();
      for (Parameter p : model.parameters) {
        zeros.add(step.zeros(p.array().getShape()));
      }
      return new GhostClipper.ClippedSum(zeros, 0, Double.NaN);
    }
    Batch batch = encode(sampled, step);
    UserLayout layout = UserLayout.of(sampled, step, staging);
    return clipper.clipAndAccumulate(batch, layout, config.clipNorm(),
        1.0 / (config.expectedBatchSize() * unit), step);
  }

  /**
   * Phases 2 and 3: adds noise of deviation 1/√2 to every coordinate of the sums divided by B·u,
   * from one fresh secure stream per step. In the unit u = √2·σC/B that is noise of deviation
   * σC/B: the same distribution as (Σ_u clip_C(g_u) + N(0, σ²C²·I)) / B of DESIGN §2.
   */
  List<NDArray> addNoise(List<NDArray> sums, NDManager step) {
    if (noiseStd() == 0) {
      return sums;
    }
    long[] ends = new long[sums.size() - 1];
    long total = 0;
    for (int i = 0; i < sums.size(); i++) {
      total += sums.get(i).size();
      if (i < ends.length) {
        ends[i] = total;
      }
    }
    NDArray flat = noise.next(total, GaussianNoise.NATURAL_STD, step);
    // views of the flat draw, one per parameter: no copies
    NDList parts = flat.split(ends);
    for (int i = 0; i < sums.size(); i++) {
      NDArray s = sums.get(i);
      s.addi(parts.get(i).reshape(s.getShape()));
    }
    return sums;
  }

  /** σC/B: the standard deviation of the noise added to the divided sum. */
  private double noiseStd() {
    return config.noiseMultiplier() * config.clipNorm() / config.expectedBatchSize();
  }

  /**
   * The unit u of a DP step's gradient arrays: √2·σC/B, so that noise of deviation σC/B is the
   * noise source's unscaled output in it; 1 without noise.
   */
  private double gradientUnit() {
    double std = noiseStd();
    return std == 0 ? 1 : std / GaussianNoise.NATURAL_STD;
  }

  /**
   * A non-private step on the same weighted loss, Σ_i w_i·loss_i / expectedBatchSize, with the
   * engine's ordinary parameter gradients: the baseline of {@code dpstream bench step} and of the
   * equivalence test. Never use it for published models.
   */
  public StepResult nonPrivateStep(List<UserExamples> sampled) {
    ThreadGradMode.offOutsideCollectors();
    double lr = learningRate();
    int records = checkRecords(sampled);
    double loss = Double.NaN;
    for (Parameter p : model.parameters) {
      p.array().setRequiresGradient(true);
    }
    try (NDManager step = manager.newSubManager()) {
      List<NDArray> gradients = new ArrayList<>();
      if (sampled.isEmpty()) {
        for (Parameter p : model.parameters) {
          gradients.add(step.zeros(p.array().getShape()));
        }
      } else {
        try (NDManager pass = step.newSubManager()) {
          Batch batch = encode(sampled, pass);
          UserLayout layout = UserLayout.of(sampled, pass, staging);
          NDArray total;
          try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray out = model.forward(batch, null);
            total = Batch.perExampleLoss(model.spec.task(), out, batch).mul(layout.exampleWeight)
                .sum().div((float) config.expectedBatchSize());
            collector.backward(total);
          }
          loss = StagingBuffers.scalar(total) * config.expectedBatchSize() / sampled.size();
        }
        for (Parameter p : model.parameters) {
          NDArray g = p.array().getGradient();
          g.attach(step);
          gradients.add(g);
        }
      }
      optimizer.update(gradients, lr, stepsTaken + 1, step);
      if (!sampled.isEmpty()) {
        // gradients accumulate in the parameters' .grad: clear them for the next step
        gradients.forEach(g -> g.muli(0));
      }
    } finally {
      for (Parameter p : model.parameters) {
        p.array().setRequiresGradient(false);
      }
    }
    stepsTaken++;
    return new StepResult(stepsTaken, lr, sampled.size(), records, 0, loss);
  }

  private double learningRate() {
    return config.optimizer().learningRate() * config.schedule().factor(stepsTaken);
  }

  private int checkRecords(List<UserExamples> sampled) {
    int records = 0;
    for (UserExamples u : sampled) {
      if (u.examples().size() > config.maxRecordsPerUser()) {
        throw new IllegalArgumentException("user " + u.userId() + " contributes "
            + u.examples().size() + " records, more than dp.maxRecordsPerUser = "
            + config.maxRecordsPerUser());
      }
      records += u.examples().size();
    }
    return records;
  }

  private Batch encode(List<UserExamples> sampled, NDManager step) {
    List<Example> examples = new ArrayList<>();
    List<String> users = new ArrayList<>();
    for (UserExamples u : sampled) {
      for (Example e : u.examples()) {
        examples.add(e);
        users.add(u.userId());
      }
    }
    return Batch.encode(model.spec, examples, users, step, staging);
  }

  /** Parameters by saved name, in model order. */
  Map<String, NDArray> parameterArrays() {
    Map<String, NDArray> m = new LinkedHashMap<>();
    model.parameters.forEach(p -> m.put(p.name(), p.array()));
    return m;
  }

  /**
   * Parameters, optimiser state and step count as a safetensors file (see {@link
   * SafetensorsFormat}; metadata: format, content=state, model_spec (JSON), optimizer,
   * steps_taken). Restore with {@link #restore(byte[], DpSgdConfig)}.
   */
  public byte[] saveState() {
    try (NDManager scratch = manager.newSubManager()) {
      Map<String, NDArray> all = new LinkedHashMap<>(parameterArrays());
      all.putAll(optimizer.stateInTrueUnits(scratch));
      Map<String, String> meta = metadata("state");
      meta.put("optimizer", config.optimizer().kind().name().toLowerCase(java.util.Locale.ROOT));
      return SafetensorsFormat.write(toTensors(all), meta);
    }
  }

  /**
   * The parameters alone as a safetensors file (content=parameters), what snapshots publish and
   * {@link Predictor#load(byte[], DeviceChoice)} reads. Tensor names follow PyTorch's
   * {@code nn.Sequential} ({@code 0.weight}, {@code 0.bias}, ...).
   */
  public byte[] saveParameters() {
    return SafetensorsFormat.write(toTensors(parameterArrays()), metadata("parameters"));
  }

  private Map<String, String> metadata(String content) {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", FORMAT);
    meta.put("content", content);
    meta.put("model_spec", model.spec.toJson());
    meta.put("steps_taken", Long.toString(stepsTaken));
    return meta;
  }

  static Map<String, SafetensorsFormat.Tensor> toTensors(Map<String, NDArray> arrays) {
    Map<String, SafetensorsFormat.Tensor> out = new LinkedHashMap<>();
    arrays.forEach((k, v) -> out.put(k,
        new SafetensorsFormat.Tensor(v.getShape().getShape(), v.toFloatArray())));
    return out;
  }

  /** The parameter values (copies), by saved name; for tests and inspection. */
  public Map<String, float[]> parameterValues() {
    Map<String, float[]> out = new LinkedHashMap<>();
    parameterArrays().forEach((k, v) -> out.put(k, v.toFloatArray()));
    return out;
  }

  /**
   * Waits until work this trainer started in the background (a step's noise draw) is finished.
   * A step waits for its own draw before it returns, so this matters only after a step that
   * failed part-way; a benchmark calls it so that no background work overlaps what it measures
   * next.
   */
  public void awaitBackgroundWork() {
    noise.awaitPrepared();
  }

  /** Number of native arrays owned by the model's manager (constant across steps). */
  int ownedArrayCount() {
    noise.awaitPrepared();
    return manager.getManagedArrays().size();
  }

  DpModel model() {
    return model;
  }

  @Override
  public void close() {
    noise.close();
    manager.close();
  }
}

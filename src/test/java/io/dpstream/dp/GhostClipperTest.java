package io.dpstream.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ghost clipped sum against the naive computation it replaces: one forward and backward per
 * example, each user's weighted mean of its records' gradients, clipped to C, summed. Every layer
 * type, users with one record and with several (some ids shared, so embedding cross terms
 * matter), C both below and above the users' norms. Agreement to 1e-4 relative error (float32).
 */
class GhostClipperTest {

  static final String CONV = "{\"input\":[2,7,7],\"layers\":[{\"type\":\"conv2d\",\"in\":2,"
      + "\"out\":3,\"kernel\":3,\"stride\":2,\"padding\":1},{\"type\":\"relu\"},{\"type\":\"maxpool2d\","
      + "\"kernel\":2,\"stride\":1},{\"type\":\"flatten\"},{\"type\":\"linear\",\"in\":27,\"out\":4}]}";
  static final String LAYER_NORM = "{\"input\":[6],\"layers\":[{\"type\":\"linear\",\"in\":6,\"out\":5},"
      + "{\"type\":\"layernorm\",\"dim\":5},{\"type\":\"tanh\"},{\"type\":\"linear\",\"in\":5,\"out\":3}]}";
  static final String GROUP_NORM = "{\"input\":[4,5,5],\"layers\":[{\"type\":\"conv2d\",\"in\":4,"
      + "\"out\":4,\"kernel\":3,\"stride\":1,\"padding\":1},{\"type\":\"groupnorm\",\"groups\":2,"
      + "\"channels\":4},{\"type\":\"relu\"},{\"type\":\"flatten\"},{\"type\":\"linear\",\"in\":100,"
      + "\"out\":3}]}";

  static Stream<Arguments> cases() {
    List<Arguments> args = new ArrayList<>();
    for (String spec : List.of("mlp:6-5-3", "mlp:6-5-3:tanh", "logreg:6-3", CONV, LAYER_NORM,
        GROUP_NORM, "embed:5x3,4x2+2-4-1", "embed:3x2-3")) {
      args.add(Arguments.of(spec, 1));
      args.add(Arguments.of(spec, 3));
    }
    args.add(Arguments.of("cnn:mnist", 1));
    args.add(Arguments.of("cnn:mnist", 2));
    // every user with exactly 2 records (the unpadded layout)
    args.add(Arguments.of("mlp:6-5-3", -2));
    args.add(Arguments.of("embed:5x3,4x2+2-4-1", -2));
    args.add(Arguments.of(CONV, -2));
    return args.stream();
  }

  @ParameterizedTest(name = "{0}, up to {1} records per user (negative: exactly)")
  @MethodSource("cases")
  void clippedSumEqualsNaivePerExampleComputation(String specText, int maxRecords) {
    ModelSpec spec = ModelSpec.parse(specText);
    List<UserExamples> users = randomUsers(spec, 6, maxRecords, new Random(specText.hashCode() + maxRecords));
    try (NDManager m = NDManager.newBaseManager()) {
      DpModel model = DpModel.build(spec, m, 7);
      List<float[]> userGrads = naiveUserGradients(model, users, m);
      double[] norms = userGrads.stream().mapToDouble(GhostClipperTest::norm).toArray();
      double[] sorted = Arrays.stream(norms).sorted().toArray();
      double between = (sorted[norms.length / 2 - 1] + sorted[norms.length / 2]) / 2;
      for (double clip : new double[] {between, 1e6}) {
        float[] expected = clippedSum(userGrads, norms, clip);
        try (NDManager step = m.newSubManager()) {
          List<Example> flat = users.stream().flatMap(u -> u.examples().stream()).toList();
          StagingBuffers staging = new StagingBuffers();
          Batch batch = Batch.encode(spec, flat, null, step, staging);
          UserLayout layout = UserLayout.of(users, step, staging);
          GhostClipper.ClippedSum got =
              new GhostClipper(model).clipAndAccumulate(batch, layout, clip, 1, step);
          float[] actual = concat(got.sums());
          assertEquals(expected.length, actual.length);
          double relative = distance(expected, actual) / norm(expected);
          assertTrue(relative < 1e-4, specText + " m=" + maxRecords + " C=" + clip
              + ": relative error " + relative);
          long clippedUsers = Arrays.stream(norms).filter(n -> n > clip).count();
          assertEquals(clippedUsers / (double) users.size(), got.clippedFraction(), 1e-9);
        }
      }
    }
  }

  /**
   * Users with 1..maxRecords records (exactly −maxRecords when negative) of random features,
   * small-vocabulary ids, labels/targets.
   */
  static List<UserExamples> randomUsers(ModelSpec spec, int count, int maxRecords, Random r) {
    int classes = spec.task() == ModelSpec.Task.CLASSIFICATION ? Batch.outputWidth(spec) : 1;
    List<Integer> vocab = spec.layers().stream()
        .filter(l -> l instanceof LayerSpec.Embedding)
        .flatMap(l -> ((LayerSpec.Embedding) l).fields().stream())
        .map(LayerSpec.Embedding.Field::vocabulary).toList();
    List<UserExamples> users = new ArrayList<>();
    for (int u = 0; u < count; u++) {
      int records = maxRecords < 0 ? -maxRecords
          : maxRecords == 1 ? 1 : 1 + (u % maxRecords == 0 ? maxRecords - 1 : r.nextInt(maxRecords));
      List<Example> ex = new ArrayList<>();
      for (int i = 0; i < records; i++) {
        float[] f = new float[spec.featureCount()];
        for (int k = 0; k < f.length; k++) {
          f[k] = (float) r.nextGaussian();
        }
        int[] ids = new int[vocab.size()];
        for (int k = 0; k < ids.length; k++) {
          ids[k] = r.nextInt(Math.min(vocab.get(k), 2));
        }
        float weight = 0.5f + r.nextFloat();
        ex.add(new Example(f, ids, classes > 1 ? r.nextInt(classes) : null,
            classes == 1 ? r.nextGaussian() : null, weight));
      }
      users.add(new UserExamples("u" + u, ex));
    }
    return users;
  }

  /** Each user's Σ_i (weight_i / records)·∇loss_i, one backward per example. */
  static List<float[]> naiveUserGradients(DpModel model, List<UserExamples> users, NDManager m) {
    List<float[]> out = new ArrayList<>();
    for (Parameter p : model.parameters) {
      p.array().setRequiresGradient(true);
    }
    try {
      for (UserExamples u : users) {
        float[] sum = null;
        for (Example e : u.examples()) {
          try (NDManager one = m.newSubManager()) {
            Batch b = Batch.encode(model.spec, List.of(e), null, one, new StagingBuffers());
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
              NDArray loss = Batch.perExampleLoss(model.spec.task(), model.forward(b, null), b).sum();
              gc.backward(loss);
            }
            List<NDArray> grads = new ArrayList<>();
            for (Parameter p : model.parameters) {
              NDArray g = p.array().getGradient();
              g.attach(one);
              grads.add(g.duplicate());
              g.muli(0);
            }
            float[] g = concat(grads);
            float w = e.weight() / u.examples().size();
            if (sum == null) {
              sum = new float[g.length];
            }
            for (int k = 0; k < g.length; k++) {
              sum[k] += w * g[k];
            }
          }
        }
        out.add(sum);
      }
    } finally {
      for (Parameter p : model.parameters) {
        p.array().setRequiresGradient(false);
      }
    }
    return out;
  }

  static float[] clippedSum(List<float[]> userGrads, double[] norms, double clip) {
    float[] sum = new float[userGrads.get(0).length];
    for (int u = 0; u < userGrads.size(); u++) {
      double c = Math.min(1.0, clip / (norms[u] + 1e-6));
      for (int k = 0; k < sum.length; k++) {
        sum[k] += (float) (c * userGrads.get(u)[k]);
      }
    }
    return sum;
  }

  static float[] concat(List<NDArray> arrays) {
    int n = arrays.stream().mapToInt(a -> (int) a.size()).sum();
    float[] out = new float[n];
    int o = 0;
    for (NDArray a : arrays) {
      float[] v = a.toFloatArray();
      System.arraycopy(v, 0, out, o, v.length);
      o += v.length;
    }
    return out;
  }

  static double norm(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    return Math.sqrt(s);
  }

  static double distance(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      double d = (double) a[i] - b[i];
      s += d * d;
    }
    return Math.sqrt(s);
  }
}

package io.dpstream.dp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelSpecTest {

  @Test
  void compactMlpAndLogisticRegression() {
    ModelSpec mlp = ModelSpec.parse("mlp:784-1000-10");
    assertEquals(List.of(784), mlp.input());
    assertEquals(List.of(new LayerSpec.Linear(784, 1000),
        new LayerSpec.Activation(LayerSpec.Activation.Kind.RELU), new LayerSpec.Linear(1000, 10)),
        mlp.layers());
    assertEquals(ModelSpec.Task.CLASSIFICATION, mlp.task());
    assertEquals(ModelSpec.parse("mlp:784-10"), ModelSpec.parse("logreg:784-10"));
    assertEquals(LayerSpec.Activation.Kind.TANH,
        ((LayerSpec.Activation) ModelSpec.parse("mlp:4-3-2:tanh").layers().get(1)).kind());
    assertEquals(ModelSpec.Task.REGRESSION, ModelSpec.parse("mlp:4-3-1").task());
  }

  @Test
  void opacusMnistCnnHasTheExamplesShapes() {
    ModelSpec cnn = ModelSpec.parse("cnn:mnist");
    assertEquals(List.of(1, 28, 28), cnn.input());
    try (NDManager m = NDManager.newBaseManager()) {
      DpModel model = DpModel.build(cnn, m, 1);
      // Opacus's SampleConvNet: 16·1·8·8+16 + 32·16·4·4+32 + 512·32+32 + 32·10+10 parameters
      long expected = 16 * 64 + 16 + 32 * 16 * 16 + 32 + 512 * 32 + 32 + 32 * 10 + 10;
      assertEquals(expected, model.parameters.stream().mapToLong(p -> p.array().size()).sum());
      assertEquals(List.of("0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias",
          "9.weight", "9.bias"), model.parameters.stream().map(Parameter::name).toList());
    }
  }

  @Test
  void embeddingModel() {
    ModelSpec spec = ModelSpec.parse("embed:943x16,1682x16+3-64-1");
    LayerSpec.Embedding e = (LayerSpec.Embedding) spec.layers().get(0);
    assertEquals(List.of(new LayerSpec.Embedding.Field(943, 16), new LayerSpec.Embedding.Field(1682, 16)),
        e.fields());
    assertEquals(3, e.dense());
    assertEquals(new LayerSpec.Linear(35, 64), spec.layers().get(1));
    assertEquals(2, spec.categoricalFieldCount());
    assertEquals(ModelSpec.Task.REGRESSION, spec.task());
  }

  @ParameterizedTest
  @ValueSource(strings = {"mlp:784-1000-10", "cnn:mnist", "embed:5x3,4x2+2-4-1",
      GhostClipperTest.CONV, GhostClipperTest.GROUP_NORM, GhostClipperTest.LAYER_NORM})
  void jsonFormRoundTrips(String text) {
    ModelSpec spec = ModelSpec.parse(text);
    assertEquals(spec, ModelSpec.parse(spec.toJson()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "mlp", "mlp:784", "mlp:784-x-10", "cnn:cifar", "rnn:3-4",
      "mlp:4-3-2:sigmoid", "{\"input\":[4],\"layers\":[{\"type\":\"dropout\"}]}", "{bad json",
      "{\"input\":[4],\"layers\":[{\"type\":\"linear\",\"in\":4}]}"})
  void badSpecsAreRefusedWithAMessage(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse(text));
    assertTrue(!e.getMessage().isBlank());
  }

  @Test
  void batchNormIsRefusedAtBuildNamingTheLayer() {
    ModelSpec spec = ModelSpec.parse("{\"input\":[3,8,8],\"layers\":[{\"type\":\"conv2d\",\"in\":3,"
        + "\"out\":4,\"kernel\":3},{\"type\":\"batchnorm\",\"channels\":4},{\"type\":\"flatten\"},"
        + "{\"type\":\"linear\",\"in\":144,\"out\":2}]}");
    try (NDManager m = NDManager.newBaseManager()) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> DpModel.build(spec, m, 0));
      assertTrue(e.getMessage().contains("layer 1 (batchnorm)"), e.getMessage());
    }
  }

  @Test
  void shapeMismatchNamesTheLayer() {
    ModelSpec spec = ModelSpec.parse("{\"input\":[1,28,28],\"layers\":[{\"type\":\"linear\","
        + "\"in\":784,\"out\":10}]}");
    try (NDManager m = NDManager.newBaseManager()) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> DpModel.build(spec, m, 0));
      assertTrue(e.getMessage().contains("layer 0 (linear)") && e.getMessage().contains("flatten"),
          e.getMessage());
    }
  }

  /** A parameterised layer type without a registered rule cannot enter a DP model. */
  @Test
  void layerWithoutGhostRuleIsRefusedByName() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w = m.ones(new Shape(3));
      Layer scale = new Layer() {
        @Override
        public String describe() {
          return "layer 0 (scale)";
        }

        @Override
        public List<Parameter> parameters() {
          return List.of(new Parameter("0.weight", w));
        }

        @Override
        public NDArray forward(NDArray x, Batch batch, Tape tape) {
          return x.mul(w);
        }
      };
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new DpModel(ModelSpec.parse("mlp:3-2"), List.of(scale)));
      assertTrue(e.getMessage().contains("layer 0 (scale)"), e.getMessage());
    }
  }
}

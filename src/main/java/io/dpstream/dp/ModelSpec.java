package io.dpstream.dp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A model as data: the input shape of one example (without the batch axis), the layers in forward
 * order, and the task that defines the per-example loss.
 *
 * <p>Two written forms, both read by {@link #parse(String)}:
 *
 * <ul>
 *   <li>Compact: {@code logreg:784-10}; {@code mlp:784-1000-10} (ReLU) or {@code mlp:784-64-10:tanh};
 *       {@code cnn:mnist} (the MNIST network of Opacus's example: conv 1→16 k8 s2 p3, max-pool 2
 *       s1, conv 16→32 k4 s2, max-pool 2 s1, linear 512→32, linear 32→10, ReLU between);
 *       {@code embed:943x16,1682x16-64-1} (one embedding per categorical field, VOCABULARYxDIM,
 *       optionally {@code +D} dense features as in {@code embed:10x4+3-32-2}, then an MLP). A last
 *       width of 1 means regression (squared error), otherwise classification (softmax
 *       cross-entropy) over that many classes.
 *   <li>JSON: {@code {"input":[1,28,28],"task":"classification","layers":[{"type":"conv2d","in":1,
 *       "out":16,"kernel":8,"stride":2,"padding":3},{"type":"relu"},...]}}; layer types {@code
 *       linear, relu, tanh, conv2d, maxpool2d, flatten, layernorm, groupnorm, embedding,
 *       batchnorm} (the last one is parsed, then refused by {@link DpModel}).
 * </ul>
 *
 * <p>Shapes are checked when the model is built ({@link DpModel}), with errors naming the layer.
 *
 * @param input shape of one example's dense features, e.g. [784] or [1, 28, 28]
 * @param layers layers in forward order, at least one
 * @param task what the output means and which loss trains it
 */
public record ModelSpec(List<Integer> input, List<LayerSpec> layers, Task task) {

  /** What the model's output means. */
  public enum Task {
    /** Output: one logit per class; loss: softmax cross-entropy; label required. */
    CLASSIFICATION,
    /** Output: one value; loss: squared error (ŷ − target)²; target required. */
    REGRESSION
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  public ModelSpec {
    if (input == null || input.isEmpty()) {
      throw new IllegalArgumentException("model.input must give the shape of one example");
    }
    for (int d : input) {
      if (d < 0) {
        throw new IllegalArgumentException("model.input dimensions must be >= 0, got " + input);
      }
    }
    input = List.copyOf(input);
    if (layers == null || layers.isEmpty()) {
      throw new IllegalArgumentException("model.layers must hold at least one layer");
    }
    layers = List.copyOf(layers);
    if (task == null) {
      throw new IllegalArgumentException("model.task must be classification or regression");
    }
  }

  /** Number of dense feature floats per example (product of {@link #input()}). */
  public int featureCount() {
    return input.stream().reduce(1, (a, b) -> a * b);
  }

  /** Number of categorical ids per example (fields of the embedding layer, 0 without one). */
  public int categoricalFieldCount() {
    return layers.stream()
        .filter(l -> l instanceof LayerSpec.Embedding)
        .mapToInt(l -> ((LayerSpec.Embedding) l).fields().size())
        .sum();
  }

  /**
   * Reads a spec in the compact or the JSON form (JSON when it starts with '{').
   *
   * @throws IllegalArgumentException naming what is wrong and the accepted forms
   */
  public static ModelSpec parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("model spec is empty; try mlp:784-1000-10");
    }
    String s = text.strip();
    return s.startsWith("{") ? fromJson(s) : fromCompact(s);
  }

  private static ModelSpec fromCompact(String s) {
    int colon = s.indexOf(':');
    if (colon < 0) {
      throw badCompact(s, "missing ':'");
    }
    String kind = s.substring(0, colon).toLowerCase(Locale.ROOT);
    String rest = s.substring(colon + 1);
    try {
      return switch (kind) {
        case "logreg" -> {
          int[] w = widths(rest);
          if (w.length != 2) {
            throw badCompact(s, "logreg takes INPUT-CLASSES");
          }
          yield mlp(List.of(w[0]), w, LayerSpec.Activation.Kind.RELU, List.of());
        }
        case "mlp" -> {
          String[] parts = rest.split(":");
          LayerSpec.Activation.Kind act = LayerSpec.Activation.Kind.RELU;
          if (parts.length == 2) {
            act = activation(parts[1]);
          } else if (parts.length != 1) {
            throw badCompact(s, "mlp takes WIDTHS[:relu|tanh]");
          }
          int[] w = widths(parts[0]);
          if (w.length < 2) {
            throw badCompact(s, "mlp needs at least INPUT-OUTPUT");
          }
          yield mlp(List.of(w[0]), w, act, List.of());
        }
        case "cnn" -> {
          if (!rest.equalsIgnoreCase("mnist")) {
            throw badCompact(s, "the compact CNN is cnn:mnist; use the JSON form for others");
          }
          yield opacusMnistCnn();
        }
        case "embed" -> embedding(s, rest);
        default -> throw badCompact(s, "unknown model kind '" + kind + "'");
      };
    } catch (NumberFormatException e) {
      throw badCompact(s, "not a number: " + e.getMessage());
    }
  }

  /** The MNIST network of Opacus's example (examples/mnist.py, SampleConvNet). */
  public static ModelSpec opacusMnistCnn() {
    return new ModelSpec(
        List.of(1, 28, 28),
        List.of(
            new LayerSpec.Conv2d(1, 16, 8, 2, 3),
            new LayerSpec.Activation(LayerSpec.Activation.Kind.RELU),
            new LayerSpec.MaxPool2d(2, 1),
            new LayerSpec.Conv2d(16, 32, 4, 2, 0),
            new LayerSpec.Activation(LayerSpec.Activation.Kind.RELU),
            new LayerSpec.MaxPool2d(2, 1),
            new LayerSpec.Flatten(),
            new LayerSpec.Linear(512, 32),
            new LayerSpec.Activation(LayerSpec.Activation.Kind.RELU),
            new LayerSpec.Linear(32, 10)),
        Task.CLASSIFICATION);
  }

  private static ModelSpec embedding(String s, String rest) {
    int dash = rest.indexOf('-');
    if (dash < 0) {
      throw badCompact(s, "embed takes VxD,VxD[+DENSE]-H...-OUT");
    }
    String fieldsPart = rest.substring(0, dash);
    int dense = 0;
    int plus = fieldsPart.indexOf('+');
    if (plus >= 0) {
      dense = Integer.parseInt(fieldsPart.substring(plus + 1));
      fieldsPart = fieldsPart.substring(0, plus);
    }
    List<LayerSpec.Embedding.Field> fields = new ArrayList<>();
    for (String f : fieldsPart.split(",")) {
      String[] vd = f.toLowerCase(Locale.ROOT).split("x");
      if (vd.length != 2) {
        throw badCompact(s, "an embedding field is VOCABULARYxDIM, got '" + f + "'");
      }
      fields.add(new LayerSpec.Embedding.Field(Integer.parseInt(vd[0]), Integer.parseInt(vd[1])));
    }
    LayerSpec.Embedding emb = new LayerSpec.Embedding(fields, dense);
    int[] tail = widths(rest.substring(dash + 1));
    int[] w = new int[tail.length + 1];
    w[0] = emb.outputWidth();
    System.arraycopy(tail, 0, w, 1, tail.length);
    return mlp(List.of(dense), w, LayerSpec.Activation.Kind.RELU, List.of(emb));
  }

  private static ModelSpec mlp(
      List<Integer> input, int[] w, LayerSpec.Activation.Kind act, List<LayerSpec> prefix) {
    List<LayerSpec> layers = new ArrayList<>(prefix);
    for (int i = 0; i + 1 < w.length; i++) {
      if (i > 0) {
        layers.add(new LayerSpec.Activation(act));
      }
      layers.add(new LayerSpec.Linear(w[i], w[i + 1]));
    }
    Task task = w[w.length - 1] == 1 ? Task.REGRESSION : Task.CLASSIFICATION;
    return new ModelSpec(input, layers, task);
  }

  private static int[] widths(String s) {
    String[] parts = s.split("-");
    int[] w = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      w[i] = Integer.parseInt(parts[i].strip());
    }
    return w;
  }

  private static LayerSpec.Activation.Kind activation(String s) {
    try {
      return LayerSpec.Activation.Kind.valueOf(s.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("activation must be relu or tanh, got '" + s + "'");
    }
  }

  private static IllegalArgumentException badCompact(String s, String why) {
    return new IllegalArgumentException(
        "bad model spec '" + s + "': " + why + " (forms: logreg:784-10, mlp:784-1000-10[:tanh], "
            + "cnn:mnist, embed:943x16,1682x16-64-1, or JSON)");
  }

  // ---- JSON form ----

  private static ModelSpec fromJson(String s) {
    JsonNode root;
    try {
      root = JSON.readTree(s);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("model spec is not valid JSON: " + e.getOriginalMessage());
    }
    List<Integer> input = new ArrayList<>();
    JsonNode in = root.path("input");
    if (!in.isArray()) {
      throw new IllegalArgumentException("model spec JSON needs \"input\": [dims of one example]");
    }
    in.forEach(n -> input.add(n.asInt()));
    List<LayerSpec> layers = new ArrayList<>();
    JsonNode ls = root.path("layers");
    if (!ls.isArray()) {
      throw new IllegalArgumentException("model spec JSON needs \"layers\": [...]");
    }
    for (int i = 0; i < ls.size(); i++) {
      layers.add(layerFromJson(i, ls.get(i)));
    }
    String taskName = root.path("task").asText("classification");
    Task task;
    try {
      task = Task.valueOf(taskName.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "model.task must be classification or regression, got '" + taskName + "'");
    }
    return new ModelSpec(input, layers, task);
  }

  private static LayerSpec layerFromJson(int index, JsonNode n) {
    String type = n.path("type").asText("");
    return switch (type) {
      case "linear" -> new LayerSpec.Linear(req(index, n, "in"), req(index, n, "out"));
      case "relu" -> new LayerSpec.Activation(LayerSpec.Activation.Kind.RELU);
      case "tanh" -> new LayerSpec.Activation(LayerSpec.Activation.Kind.TANH);
      case "conv2d" -> new LayerSpec.Conv2d(
          req(index, n, "in"), req(index, n, "out"), req(index, n, "kernel"),
          n.path("stride").asInt(1), n.path("padding").asInt(0));
      case "maxpool2d" -> new LayerSpec.MaxPool2d(
          req(index, n, "kernel"), n.path("stride").asInt(req(index, n, "kernel")));
      case "flatten" -> new LayerSpec.Flatten();
      case "layernorm" -> new LayerSpec.LayerNorm(req(index, n, "dim"));
      case "groupnorm" -> new LayerSpec.GroupNorm(req(index, n, "groups"), req(index, n, "channels"));
      case "batchnorm" -> new LayerSpec.BatchNorm(n.path("channels").asInt(0));
      case "embedding" -> {
        List<LayerSpec.Embedding.Field> fields = new ArrayList<>();
        for (JsonNode f : n.path("fields")) {
          fields.add(new LayerSpec.Embedding.Field(f.path(0).asInt(), f.path(1).asInt()));
        }
        yield new LayerSpec.Embedding(fields, n.path("dense").asInt(0));
      }
      default -> throw new IllegalArgumentException(
          "model.layers[" + index + "]: unknown layer type '" + type + "' (supported: linear, relu,"
              + " tanh, conv2d, maxpool2d, flatten, layernorm, groupnorm, embedding)");
    };
  }

  private static int req(int index, JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.canConvertToInt()) {
      throw new IllegalArgumentException(
          "model.layers[" + index + "] (" + n.path("type").asText() + ") needs integer \"" + field + "\"");
    }
    return v.asInt();
  }

  /** The JSON form of this spec; {@link #parse(String)} reads it back to an equal spec. */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode in = root.putArray("input");
    input.forEach(in::add);
    root.put("task", task.name().toLowerCase(Locale.ROOT));
    ArrayNode ls = root.putArray("layers");
    for (LayerSpec l : layers) {
      ObjectNode o = ls.addObject();
      o.put("type", l.type());
      if (l instanceof LayerSpec.Linear x) {
        o.put("in", x.in()).put("out", x.out());
      } else if (l instanceof LayerSpec.Conv2d x) {
        o.put("in", x.in()).put("out", x.out()).put("kernel", x.kernel())
            .put("stride", x.stride()).put("padding", x.padding());
      } else if (l instanceof LayerSpec.MaxPool2d x) {
        o.put("kernel", x.kernel()).put("stride", x.stride());
      } else if (l instanceof LayerSpec.LayerNorm x) {
        o.put("dim", x.dim());
      } else if (l instanceof LayerSpec.GroupNorm x) {
        o.put("groups", x.groups()).put("channels", x.channels());
      } else if (l instanceof LayerSpec.BatchNorm x) {
        o.put("channels", x.channels());
      } else if (l instanceof LayerSpec.Embedding x) {
        ArrayNode fs = o.putArray("fields");
        x.fields().forEach(f -> fs.addArray().add(f.vocabulary()).add(f.dim()));
        o.put("dense", x.dense());
      }
    }
    return root.toString();
  }
}

package io.dpstream.dp;

import java.util.List;
import java.util.Map;

/**
 * The registry of per-example gradient rules, by exact layer class. A layer with parameters and
 * no rule here cannot be trained privately and is refused when the model is built.
 */
final class GhostRules {
  private static final Map<Class<? extends Layer>, GhostRule<?>> RULES = Map.of(
      Layers.Linear.class, new LinearGhostRule(),
      Layers.Convolution.class, new Conv2dGhostRule(),
      Layers.Embedding.class, new EmbeddingGhostRule(),
      Layers.LayerNorm.class, new NormGhostRules.LayerNormRule(),
      Layers.GroupNorm.class, new NormGhostRules.GroupNormRule());

  private GhostRules() {}

  /**
   * The rule for a layer.
   *
   * @throws IllegalArgumentException naming the layer when its type has no rule
   */
  static GhostRule<?> ruleFor(Layer layer) {
    GhostRule<?> rule = RULES.get(layer.getClass());
    if (rule == null) {
      throw new IllegalArgumentException(layer.describe() + " has parameters but no per-example "
          + "gradient rule is registered for " + layer.getClass().getSimpleName()
          + "; it cannot be trained with DP-SGD");
    }
    return rule;
  }

  @SuppressWarnings("unchecked")
  static GhostRule.UserGradients prepare(Layer layer, List<Tape.Tap> taps, UserLayout layout) {
    return ((GhostRule<Layer>) ruleFor(layer)).prepare(layer, taps, layout);
  }
}

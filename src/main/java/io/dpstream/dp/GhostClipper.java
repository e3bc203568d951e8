package io.dpstream.dp;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;

/**
 * Phase 1 of a DP-SGD step (DESIGN §2, step 3): Σ_u clip_C(g_u) over the sampled users, where g_u
 * is the weighted mean of user u's records' gradients. One forward and one backward pass of
 * Σ_i loss_i with probes on every parameterised layer's output, then per layer its rule's per-user
 * squared norms, the clipping factors c_u = min(1, C / (‖g_u‖ + 1e-6)) (Abadi et al. 2016, Alg. 1;
 * the 1e-6 as Opacus), and per layer the clipped sum as matrix products.
 */
final class GhostClipper {

  /** The clipped sum and operator-only statistics (these are not differentially private). */
  record ClippedSum(List<NDArray> sums, double clippedFraction, double meanLoss) {}

  private final DpModel model;
  private final Scalars scalars;

  /** @param model its parameters' manager also owns the clipper's constants */
  GhostClipper(DpModel model) {
    this.model = model;
    this.scalars = new Scalars(model.parameters.get(0).array().getManager());
  }

  /**
   * @param batch the sampled users' records, user after user
   * @param layout which record belongs to which user
   * @param clipNorm C > 0
   * @param sumScale factor applied to every clipped user gradient, where it is free (the trainer
   *     passes 1/B to fold in the division by the expected batch size); 1 for the plain sum
   * @param step the step's manager, owner of every array made here
   */
  ClippedSum clipAndAccumulate(Batch batch, UserLayout layout, double clipNorm, double sumScale,
      NDManager step) {
    Tape tape = new Tape(step);
    NDArray perExampleLoss;
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray output = model.forward(batch, tape);
      perExampleLoss = Batch.perExampleLoss(model.spec.task(), output, batch);
      collector.backward(perExampleLoss.sum());
    }
    List<Layer> trained = new ArrayList<>();
    List<GhostRule.UserGradients> prepared = new ArrayList<>();
    NDArray normSquared = null;
    for (Layer layer : model.layers) {
      if (layer.parameters().isEmpty()) {
        continue;
      }
      GhostRule.UserGradients g = GhostRules.prepare(layer, tape.taps(layer), layout);
      trained.add(layer);
      prepared.add(g);
      normSquared = normSquared == null ? g.normSquared() : normSquared.add(g.normSquared());
    }
    // The Gram-matrix sums can come out a rounding error below zero for a user whose gradient is
    // (nearly) zero; sqrt would then give NaN and poison the whole step.
    NDArray norms = normSquared.maximum(scalars.of(0)).sqrt();
    // s·min(1, C/(‖g‖ + 1e-6)) = min(s, s·C/(‖g‖ + 1e-6)): the factor and the sum's scale at once
    NDArray userScale = norms.add(scalars.of(1e-6)).pow(scalars.of(-1))
        .muli(scalars.of(clipNorm * sumScale)).minimum(scalars.of(sumScale));
    NDArray exampleScale = layout.weighted(layout.toExamples(userScale));
    List<NDArray> sums = new ArrayList<>();
    for (GhostRule.UserGradients g : prepared) {
      sums.addAll(g.clippedSum(userScale, exampleScale));
    }
    NDArray overClip = norms.gt(scalars.of(clipNorm));
    double clipped = StagingBuffers.scalar(overClip.sum()) / layout.users;
    double meanLoss =
        StagingBuffers.scalar(layout.weighted(perExampleLoss.stopGradient()).sum()) / layout.users;
    return new ClippedSum(sums, clipped, meanLoss);
  }
}

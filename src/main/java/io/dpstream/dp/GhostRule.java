package io.dpstream.dp;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * The per-example gradient rule of one layer type: from the layer's recorded inputs and
 * per-example output gradients, the squared norm of each user's gradient and the clipped sum of
 * users' gradients, without a loop over examples. Registered by layer class in {@link GhostRules}.
 *
 * <p>A user's gradient is g_u = Σ_{i∈u} w_i·g_i with w_i = weight_i / records of u
 * ({@link UserLayout#exampleWeight}); its squared norm needs the cross terms ⟨g_i, g_j⟩ of a
 * user's records, which every rule computes exactly.
 *
 * @param <L> the layer type
 */
interface GhostRule<L extends Layer> {

  /**
   * Prepares one layer's per-user quantities for a step.
   *
   * @param layer the layer
   * @param taps its recorded sites (one for most layers, one per field for embeddings), after
   *     backward of Σ_i loss_i
   * @param layout which examples belong to which user
   */
  UserGradients prepare(L layer, List<Tape.Tap> taps, UserLayout layout);

  /** One layer's per-user gradients for one step, never materialised where the rule can avoid it. */
  interface UserGradients {
    /** (U) squared L2 norm of each user's gradient restricted to this layer's parameters. */
    NDArray normSquared();

    /**
     * Σ_u c_u·g_u for each of the layer's parameters, in {@link Layer#parameters()} order.
     *
     * @param userScale (U) clipping factors c_u
     * @param exampleScale (N) c_{u(i)}·w_i, the same factors spread to examples
     */
    List<NDArray> clippedSum(NDArray userScale, NDArray exampleScale);
  }
}

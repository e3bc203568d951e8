package io.dpstream.dp;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-user gradients formed explicitly from per-example gradients (N, ...) of each parameter: the
 * exact choice when a layer's parameters are small next to its activations (Li et al. 2022 pick
 * it for convolutions when 2T² > p·d). Users' records are combined with their weights w_i before
 * the norm, so cross terms are exact.
 */
final class MaterializedGradients implements GhostRule.UserGradients {
  private final List<NDArray> perUser = new ArrayList<>();
  private final List<long[]> shapes = new ArrayList<>();
  private NDArray normSquared;

  /**
   * @param perExample per-example gradients, (N, parameter shape...) each
   * @param layout the step's user layout
   */
  MaterializedGradients(List<NDArray> perExample, UserLayout layout) {
    for (NDArray g : perExample) {
      NDArray u = layout.userSum(UserLayout.scaleRows(g, layout.exampleWeight));
      perUser.add(u);
      shapes.add(g.getShape().slice(1).getShape());
      NDArray sq = u.reshape(u.getShape().get(0), -1).square().sum(new int[] {1});
      normSquared = normSquared == null ? sq : normSquared.add(sq);
    }
  }

  @Override
  public NDArray normSquared() {
    return normSquared;
  }

  @Override
  public List<NDArray> clippedSum(NDArray userScale, NDArray exampleScale) {
    List<NDArray> sums = new ArrayList<>();
    for (int p = 0; p < perUser.size(); p++) {
      NDArray flat = perUser.get(p).reshape(perUser.get(p).getShape().get(0), -1);
      sums.add(userScale.expandDims(0).matMul(flat).reshape(shapes.get(p)));
    }
    return sums;
  }
}

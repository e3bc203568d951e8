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
  /** Per-user gradients (U, ...), or per-example ones (N, ...) when every user has one record. */
  private final List<NDArray> rows = new ArrayList<>();
  private final List<long[]> shapes = new ArrayList<>();
  private final boolean perExample;
  private NDArray normSquared;

  /**
   * @param perExampleGradients per-example gradients, (N, parameter shape...) each
   * @param layout the step's user layout
   */
  MaterializedGradients(List<NDArray> perExampleGradients, UserLayout layout) {
    perExample = layout.singleRecord();
    for (NDArray g : perExampleGradients) {
      shapes.add(g.getShape().slice(1).getShape());
      NDArray flat = g.reshape(g.getShape().get(0), -1);
      NDArray row = perExample
          ? flat // weights are applied as scalars below, no copy
          : layout.userSum(UserLayout.scaleRows(flat, layout.exampleWeight));
      rows.add(row);
      NDArray sq = UserLayout.rowSquaredNorms(row);
      normSquared = normSquared == null ? sq : normSquared.addi(sq);
    }
    if (perExample) {
      layout.timesWeightSquaredInPlace(normSquared);
    }
  }

  @Override
  public NDArray normSquared() {
    return normSquared;
  }

  @Override
  public List<NDArray> clippedSum(NDArray userScale, NDArray exampleScale) {
    NDArray scale = (perExample ? exampleScale : userScale).expandDims(0);
    List<NDArray> sums = new ArrayList<>();
    for (int p = 0; p < rows.size(); p++) {
      sums.add(scale.matMul(rows.get(p)).reshape(shapes.get(p)));
    }
    return sums;
  }
}

package io.dpstream.dp;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;

/**
 * Embedding tables, one per field. Example i's gradient of a table is o_i in row x_i and zero
 * elsewhere, so ⟨g_i, g_j⟩ = [x_i = x_j]·(o_i·o_j) (Li et al. 2022, Sec. 4). One record per user:
 * ‖g_i‖² = ‖o_i‖². Several: per-user Gram of the output gradients masked by equal ids. The clipped
 * sum scatters s_i·o_i into rows x_i.
 */
final class EmbeddingGhostRule implements GhostRule<Layers.Embedding> {

  @Override
  public UserGradients prepare(Layers.Embedding layer, List<Tape.Tap> taps, UserLayout layout) {
    NDArray normSquared = null;
    for (Tape.Tap tap : taps) {
      NDArray part;
      if (layout.singleRecord()) {
        NDArray perRecord = UserLayout.rowSquaredNorms(tap.outputGradient());
        part = layout.timesWeightSquaredInPlace(perRecord);
      } else {
        NDArray ow = UserLayout.scaleRows(tap.outputGradient(), layout.exampleWeight);
        NDArray op = layout.padded(ow);
        NDArray ids = layout.padded(tap.input());
        NDArray same = ids.expandDims(2).eq(ids.expandDims(1)).toType(DataType.FLOAT32, false);
        part = op.batchMatMul(op.transpose(0, 2, 1)).mul(same).sum(new int[] {1, 2});
      }
      normSquared = normSquared == null ? part : normSquared.add(part);
    }
    NDArray result = normSquared;
    return new UserGradients() {
      @Override
      public NDArray normSquared() {
        return result;
      }

      @Override
      public List<NDArray> clippedSum(NDArray userScale, NDArray exampleScale) {
        List<NDArray> sums = new ArrayList<>();
        for (int f = 0; f < taps.size(); f++) {
          Tape.Tap tap = taps.get(f);
          NDArray os = UserLayout.scaleRows(tap.outputGradient(), exampleScale);
          // the scatter-add Σ_i s_i·o_i into rows x_i is the gradient of Σ_i ⟨s_i·o_i, T[x_i]⟩
          // with respect to a table T: autograd's embedding backward does it without a
          // (N, vocabulary) one-hot matrix. T is a zero stand-in, so the model is untouched.
          NDArray stand = os.getManager().zeros(layer.tables.get(f).getShape());
          stand.setRequiresGradient(true);
          try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(stand.get(new NDIndex("{}", tap.input())).mul(os).sum());
          }
          sums.add(stand.getGradient());
        }
        return sums;
      }
    };
  }
}

package io.dpstream.dp;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Linear layers. Example i's weight gradient is the outer product o_i·a_iᵀ of its output gradient
 * and input, so ⟨g_i, g_j⟩ = (a_i·a_j + 1)(o_i·o_j), the +1 from the bias (Goodfellow 2015; Li et
 * al. 2022, "ghost norm"). One record per user: ‖g_i‖² = (‖a_i‖² + 1)‖o_i‖². Several: per-user
 * Gram matrices of the padded (U, M, ·) blocks, one batched product each. The clipped sum is the
 * single product (diag(s)·O)ᵀ·A (Bu et al. 2023, book-keeping).
 */
final class LinearGhostRule implements GhostRule<Layers.Linear> {

  @Override
  public UserGradients prepare(Layers.Linear layer, List<Tape.Tap> taps, UserLayout layout) {
    Tape.Tap tap = taps.get(0);
    NDArray a = tap.input();
    NDArray o = tap.outputGradient();
    NDArray normSquared;
    if (layout.singleRecord()) {
      // (‖a‖² + 1)·‖o‖² as ‖a‖²·‖o‖² + ‖o‖²: array operands only (see Scalars)
      NDArray oo = UserLayout.rowSquaredNorms(o);
      NDArray perRecord = UserLayout.rowSquaredNorms(a).muli(oo).addi(oo);
      normSquared = layout.timesWeightSquaredInPlace(perRecord);
    } else {
      NDArray ow = UserLayout.scaleRows(o, layout.exampleWeight);
      NDArray ap = layout.padded(a);
      NDArray op = layout.padded(ow);
      NDArray gramA = ap.batchMatMul(ap.transpose(0, 2, 1));
      NDArray gramO = op.batchMatMul(op.transpose(0, 2, 1));
      normSquared = gramA.add(1).mul(gramO).sum(new int[] {1, 2});
    }
    return new UserGradients() {
      @Override
      public NDArray normSquared() {
        return normSquared;
      }

      @Override
      public List<NDArray> clippedSum(NDArray userScale, NDArray exampleScale) {
        // in place: o is this layer's own output gradient, read for the last time here
        NDArray os = UserLayout.scaleRowsInPlace(o, exampleScale);
        return List.of(os.transpose().matMul(a), os.sum(new int[] {0}));
      }
    };
  }
}

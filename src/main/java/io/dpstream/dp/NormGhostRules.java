package io.dpstream.dp;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * LayerNorm and GroupNorm, exactly. Their affine parameters act per feature (per channel), so
 * example i's gradients are γ: Σ o_i ∘ x̂_i and β: Σ o_i, summed over the positions that share a
 * parameter, with x̂ recomputed from the recorded input. These are as small as the parameters, so
 * users' gradients are formed from them ({@link MaterializedGradients}).
 */
final class NormGhostRules {
  private NormGhostRules() {}

  /** LayerNorm over the last axis (D): per-example gradients (N, D). */
  static final class LayerNormRule implements GhostRule<Layers.LayerNorm> {
    @Override
    public UserGradients prepare(Layers.LayerNorm layer, List<Tape.Tap> taps, UserLayout layout) {
      Tape.Tap tap = taps.get(0);
      NDArray x = tap.input();
      long n = x.getShape().get(0);
      long d = x.getShape().get(x.getShape().dimension() - 1);
      NDArray o = tap.outputGradient().reshape(n, -1, d);
      NDArray xhat = Layers.LayerNorm.normalized(x).reshape(n, -1, d);
      return new MaterializedGradients(
          List.of(o.mul(xhat).sum(new int[] {1}), o.sum(new int[] {1})), layout);
    }
  }

  /** GroupNorm over (N, C, ...): per-example gradients (N, C). */
  static final class GroupNormRule implements GhostRule<Layers.GroupNorm> {
    @Override
    public UserGradients prepare(Layers.GroupNorm layer, List<Tape.Tap> taps, UserLayout layout) {
      Tape.Tap tap = taps.get(0);
      NDArray x = tap.input();
      long n = x.getShape().get(0);
      long c = x.getShape().get(1);
      NDArray o = tap.outputGradient().reshape(n, c, -1);
      NDArray xhat = layer.normalized(x).reshape(n, c, -1);
      return new MaterializedGradients(
          List.of(o.mul(xhat).sum(new int[] {2}), o.sum(new int[] {2})), layout);
    }
  }
}

package io.dpstream.dp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.convolutional.Conv2d;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * 2-D convolutions, exactly. The input is unfolded into patches U_i (C·k·k, T) by one gather
 * (im2col; zero padding reads an appended zero column); example i's weight gradient is then
 * O_i·U_iᵀ (out, C·k·k), one batched product over the batch, and its bias gradient the sum of O_i
 * over positions (Rochette et al. 2019; Opacus grad_sample/conv.py). These per-example gradients
 * are small for the convolutions of image classifiers, so users' gradients are formed from them
 * ({@link MaterializedGradients}).
 */
final class Conv2dGhostRule implements GhostRule<Layers.Convolution> {

  /**
   * Inputs with at most this many channels (first layers of image models) use the grouped
   * convolution: with few rows and many positions per patch matrix it ran about 3 times faster
   * than unfolding for the MNIST CNN's first layer; for its second (16 channels) unfolding won.
   */
  static final int GROUPED_MAX_CHANNELS = 3;

  /** im2col indices by input geometry, in read-only direct buffers that arrays alias (no copy). */
  private final Map<List<Long>, ByteBuffer> unfoldIndex = new ConcurrentHashMap<>();

  @Override
  public UserGradients prepare(Layers.Convolution layer, List<Tape.Tap> taps, UserLayout layout) {
    Tape.Tap tap = taps.get(0);
    NDArray x = tap.input();
    NDArray o = tap.outputGradient();
    Shape xs = x.getShape();
    Shape os = o.getShape();
    long n = xs.get(0);
    long channels = xs.get(1);
    long outChannels = os.get(1);
    long positions = os.get(2) * os.get(3);
    long patch = channels * layer.kernel * layer.kernel;
    NDArray o3 = o.reshape(n, outChannels, positions);
    NDArray weightGrad = channels <= GROUPED_MAX_CHANNELS
        ? groupedConvolution(layer, x, o)
        : unfolded(layer, x, o3, patch, positions);
    NDArray biasGrad = o3.sum(new int[] {2});
    return new MaterializedGradients(List.of(weightGrad, biasGrad), layout);
  }

  /**
   * Per-example weight gradients (N, out, C, k, k) from patches: G_i = O_i·U_iᵀ, one batched
   * product per chunk of examples.
   */
  private NDArray unfolded(Layers.Convolution layer, NDArray x, NDArray o3, long patch, long positions) {
    Shape xs = x.getShape();
    Shape os = o3.getShape();
    long n = xs.get(0);
    long channels = xs.get(1);
    long outChannels = os.get(1);
    long ho = (xs.get(2) + 2L * layer.padding - layer.kernel) / layer.stride + 1;
    long wo = (xs.get(3) + 2L * layer.padding - layer.kernel) / layer.stride + 1;
    ByteBuffer index = unfoldIndex.computeIfAbsent(
        List.of(channels, xs.get(2), xs.get(3), ho, wo,
            (long) layer.kernel, (long) layer.stride, (long) layer.padding),
        k -> {
          long[] ix = unfold(k);
          ByteBuffer b = ByteBuffer.allocateDirect(8 * ix.length).order(ByteOrder.nativeOrder());
          b.asLongBuffer().put(ix);
          return b.asReadOnlyBuffer().order(ByteOrder.nativeOrder());
        });
    NDManager outer = x.getManager();
    NDArray indexArray = outer.create(index.duplicate().order(ByteOrder.nativeOrder()),
        new Shape(index.capacity() / 8), DataType.INT64);
    // unfold a chunk of examples at a time, so the patches never take more than ~4 MB
    long chunk = Math.max(1, (1L << 20) / (patch * positions));
    NDList parts = new NDList();
    for (long start = 0; start < n; start += chunk) {
      long end = Math.min(n, start + chunk);
      try (NDManager scratch = outer.newSubManager()) {
        NDArray xc = x.get(new NDIndex(start + ":" + end));
        xc.attach(scratch);
        NDArray flat = xc.reshape(end - start, -1);
        flat = flat.concat(scratch.zeros(new Shape(end - start, 1)), 1);
        NDArray patches = flat.get(new NDIndex(":, {}", indexArray))
            .reshape(end - start, patch, positions);
        NDArray oc = o3.get(new NDIndex(start + ":" + end));
        oc.attach(scratch);
        NDArray g = oc.batchMatMul(patches.transpose(0, 2, 1));
        g.attach(outer);
        parts.add(g);
      }
    }
    return (parts.size() == 1 ? parts.head() : NDArrays.concat(parts, 0))
        .reshape(n, outChannels, channels, layer.kernel, layer.kernel);
  }

  /**
   * Per-example weight gradients (N, out, C, k, k) as one grouped convolution, the batch in the
   * groups (Rochette et al. 2019, Sec. 3): G_i[o, c] = X_i[c] ⋆ O_i[o] with the layer's stride as
   * dilation; offsets beyond k (when (H + 2p − k) is not a multiple of the stride) are cropped.
   */
  private static NDArray groupedConvolution(Layers.Convolution layer, NDArray x, NDArray o) {
    Shape xs = x.getShape();
    Shape os = o.getShape();
    long n = xs.get(0);
    long channels = xs.get(1);
    long outChannels = os.get(1);
    int k = layer.kernel;
    NDArray weight = o.reshape(n * outChannels, 1, os.get(2), os.get(3));
    NDArray g = Conv2d.conv2d(x.transpose(1, 0, 2, 3), weight, null, new Shape(1, 1),
        new Shape(layer.padding, layer.padding), new Shape(layer.stride, layer.stride), (int) n)
        .singletonOrThrow();
    if (g.getShape().get(2) > k || g.getShape().get(3) > k) {
      g = g.get(new NDIndex(":, :, :" + k + ", :" + k));
    }
    return g.reshape(channels, n, outChannels, k, k).transpose(1, 2, 0, 3, 4);
  }

  /**
   * im2col indices into an example's flattened (C·H·W) input plus one zero slot at C·H·W: entry
   * (c·k·k + kh·k + kw)·T + (oh·Wo + ow), matching the (out, C, k, k) weight layout.
   */
  private static long[] unfold(List<Long> key) {
    int c = key.get(0).intValue();
    int h = key.get(1).intValue();
    int w = key.get(2).intValue();
    int ho = key.get(3).intValue();
    int wo = key.get(4).intValue();
    int k = key.get(5).intValue();
    int s = key.get(6).intValue();
    int p = key.get(7).intValue();
    long zero = (long) c * h * w;
    int t = ho * wo;
    long[] index = new long[c * k * k * t];
    for (int ci = 0; ci < c; ci++) {
      for (int kh = 0; kh < k; kh++) {
        for (int kw = 0; kw < k; kw++) {
          int row = (ci * k + kh) * k + kw;
          for (int oh = 0; oh < ho; oh++) {
            for (int ow = 0; ow < wo; ow++) {
              int ih = oh * s + kh - p;
              int iw = ow * s + kw - p;
              boolean inside = ih >= 0 && ih < h && iw >= 0 && iw < w;
              index[row * t + oh * wo + ow] = inside ? ((long) ci * h + ih) * w + iw : zero;
            }
          }
        }
      }
    }
    return index;
  }
}

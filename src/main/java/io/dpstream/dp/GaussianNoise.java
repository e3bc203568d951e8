package io.dpstream.dp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Gaussian noise for one step, N(0, std²) per coordinate (DESIGN §2, step 4).
 *
 * <p>Each call draws a fresh 256-bit key from {@link SecureRandom} and reads uniforms from the
 * AES-256-CTR key stream: a cryptographically secure generator seeded anew every step, so the
 * noise of one step cannot be predicted from any other step's, nor recovered by searching a small
 * seed space (a 32-bit engine seed would allow exactly that). Each 32-bit word gives a 24-bit
 * uniform v = (2k + 1)/2²⁴ − 1 in the open interval (−1, 1), and z = √2·erfinv(v) is computed on
 * the model's device (inverse-CDF sampling). As in every float32 DP library, the samples are
 * discretised (tails beyond about 5.4σ are not produced); the floating-point attacks of Mironov
 * 2012 on the Laplace mechanism are not addressed here.
 */
final class GaussianNoise {
  private final SecureRandom seeds;

  GaussianNoise() {
    this(new SecureRandom());
  }

  GaussianNoise(SecureRandom seeds) {
    this.seeds = seeds;
  }

  /**
   * Noise of the given total size, as one flat float32 array on {@code m}'s device.
   *
   * @param size number of coordinates, >= 0
   * @param std standard deviation σ·C, >= 0
   */
  NDArray sample(NDManager m, long size, double std) {
    int n = Math.toIntExact(size);
    byte[] key = new byte[32];
    seeds.nextBytes(key);
    byte[] stream;
    try {
      Cipher aes = Cipher.getInstance("AES/CTR/NoPadding");
      aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
      stream = aes.doFinal(new byte[4 * n]);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-CTR is not available in this JVM", e);
    }
    IntBuffer words = ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      int k = words.get(i) >>> 8;
      v[i] = (float) ((2.0 * k + 1.0) / (1 << 24) - 1.0);
    }
    return m.create(v, new Shape(n)).erfinv().mul((float) (Math.sqrt(2.0) * std));
  }
}

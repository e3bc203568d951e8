package io.dpstream.dp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.security.SecureRandom;
import java.util.Arrays;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.special.Erf;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GaussianNoiseTest {

  /**
   * 200,000 draws of N(0, std²): mean within 5 standard errors of 0, sample deviation within 1%
   * (about 6 standard errors), and a Kolmogorov-Smirnov test against N(0, std²) not rejected at
   * 0.001, while the same draws are rejected against a 10% larger deviation. For a scaled std
   * (0.7) and for {@link GaussianNoise#NATURAL_STD}, drawn without the scaling pass.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void drawsAreGaussianWithTheRequestedDeviation(boolean natural) {
    double std = natural ? GaussianNoise.NATURAL_STD : 0.7;
    int n = 200_000;
    try (NDManager m = NDManager.newBaseManager()) {
      float[] z;
      try (GaussianNoise noise = new GaussianNoise(m)) {
        z = noise.next(n, std, m).toFloatArray();
      }
      double[] x = new double[n];
      double sum = 0;
      double sq = 0;
      for (int i = 0; i < n; i++) {
        x[i] = z[i];
        sum += z[i];
        sq += (double) z[i] * z[i];
      }
      double mean = sum / n;
      double sd = Math.sqrt(sq / n - mean * mean);
      assertEquals(0, mean, 5 * std / Math.sqrt(n));
      assertEquals(std, sd, 0.01 * std);
      KolmogorovSmirnovTest ks = new KolmogorovSmirnovTest();
      assertTrue(ks.kolmogorovSmirnovTest(new NormalDistribution(null, 0, std, 1e-9), x) > 1e-3);
      assertTrue(ks.kolmogorovSmirnovTest(new NormalDistribution(null, 0, 1.1 * std, 1e-9), x) < 1e-3);
      assertTrue(Arrays.stream(x).allMatch(Double::isFinite));
    }
  }

  /**
   * The transform on its own, over its whole domain: erfinv of every one of the 2²² uniforms a
   * word can give, against a double-precision reference (Commons Math, Giles 2010's approximation,
   * far finer than float32), is within one float32 ulp, and √2·|erfinv| stays within the 5.2 the
   * documentation states as the samples' bound in standard deviations.
   */
  @Test
  void erfinvOfEveryPossibleUniformIsWithinOneUlp() {
    int n = 1 << 22;
    float[] v = new float[n];
    for (int j = 0; j < n; j++) {
      v[j] = GaussianNoise.uniformOpen(j << 1); // the 22 bits that floatBits keeps
    }
    try (NDManager m = NDManager.newBaseManager()) {
      float[] z = m.create(v).erfinv().toFloatArray();
      double worst = 0;
      double largest = 0;
      for (int j = 0; j < n; j++) {
        double exact = Erf.erfInv(v[j]);
        worst = Math.max(worst, Math.abs(z[j] - exact) / Math.ulp((float) exact));
        largest = Math.max(largest, Math.abs(z[j]));
      }
      assertTrue(worst <= 1, "largest error " + worst + " ulp");
      assertTrue(Math.sqrt(2) * largest <= 5.2, "largest sample " + Math.sqrt(2) * largest);
    }
  }

  @Test
  void everyCallDrawsFreshNoise() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] a;
      float[] b;
      try (GaussianNoise noise = new GaussianNoise(m)) {
        a = noise.next(1000, 1, m).toFloatArray();
        noise.prepare(1000, 1);
        b = noise.next(1000, 1, m).toFloatArray(); // the prepared one
      }
      int equal = 0;
      for (int i = 0; i < a.length; i++) {
        equal += a[i] == b[i] ? 1 : 0;
      }
      assertTrue(equal < 5, equal + " equal coordinates");
    }
  }

  /**
   * A draw made in the background (where a core is free for it) and one made on the caller's
   * thread are the same function of the key: equal keys give equal noise, and the background draw
   * is the one {@code next} hands out.
   */
  @Test
  void backgroundAndCallerDrawsAgree() throws Exception {
    int n = (int) GaussianNoise.BACKGROUND_FROM + 4099;
    try (NDManager m = NDManager.newBaseManager()) {
      float[] background;
      float[] inline;
      try (GaussianNoise noise = new GaussianNoise(m, seeded(11), d -> true)) {
        noise.prepare(n, 0.5);
        background = noise.next(n, 0.5, m).toFloatArray();
      }
      try (GaussianNoise noise = new GaussianNoise(m, seeded(11), d -> false)) {
        noise.prepare(n, 0.5); // no core free: drawn by next()
        inline = noise.next(n, 0.5, m).toFloatArray();
      }
      assertArrayEquals(background, inline);
      float[] other;
      try (GaussianNoise noise = new GaussianNoise(m, seeded(12), d -> true)) {
        noise.prepare(n, 0.5);
        other = noise.next(n, 0.5, m).toFloatArray();
      }
      int equal = 0;
      for (int i = 0; i < n; i++) {
        equal += other[i] == inline[i] ? 1 : 0;
      }
      assertTrue(equal < 5, equal + " equal coordinates from different keys");
    }
  }

  /** A SecureRandom whose output is fixed by {@code seed}, to draw the same key twice. */
  private static SecureRandom seeded(long seed) throws Exception {
    SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
    r.setSeed(seed);
    return r;
  }

  /**
   * The key stream is produced in chunks of 1024 words: a draw must continue the stream from chunk
   * to chunk, never restart it (which would repeat the first chunk's noise, unseen by the
   * distribution tests above).
   */
  @Test
  void chunksOfOneDrawDoNotRepeat() {
    int chunk = 1024;
    try (NDManager m = NDManager.newBaseManager()) {
      float[] z;
      try (GaussianNoise noise = new GaussianNoise(m)) {
        z = noise.next(8L * chunk + 17, 1, m).toFloatArray();
      }
      for (int c = 1; c * chunk < z.length; c++) {
        int equal = 0;
        for (int i = 0; i < chunk && c * chunk + i < z.length; i++) {
          equal += z[i] == z[c * chunk + i] ? 1 : 0;
        }
        assertTrue(equal < 5, "chunk " + c + " repeats " + equal + " values of chunk 0");
      }
    }
  }

  @Test
  void everyRandomWordMapsStrictlyInsideMinusOneToOne() {
    // Extreme words once mapped to exactly 1 (float rounding), where erfinv is infinite.
    for (int word : new int[] {0, -1, 0xFFFFFF00, 0x000000FF, 0x80000000, 0x7FFFFFFF}) {
      float v = GaussianNoise.uniformOpen(word);
      assertTrue(v > -1f && v < 1f, Integer.toHexString(word) + " -> " + v);
    }
    assertEquals(1f - 0x1p-22f, GaussianNoise.uniformOpen(-1));
    assertEquals(-1f + 0x1p-22f, GaussianNoise.uniformOpen(0));
    // symmetric: the complement of a word maps to the opposite value, exactly
    java.util.Random r = new java.util.Random(7);
    for (int i = 0; i < 10_000; i++) {
      int word = r.nextInt();
      assertEquals(-GaussianNoise.uniformOpen(~word), GaussianNoise.uniformOpen(word));
      // an odd multiple of 2^-22: exact, and never 0 or ±1
      float scaled = GaussianNoise.uniformOpen(word) * 0x1p22f;
      assertEquals(Math.rint(scaled), scaled);
      assertEquals(1, Math.floorMod((long) scaled, 2));
    }
  }
}

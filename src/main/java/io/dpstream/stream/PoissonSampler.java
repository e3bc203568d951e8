package io.dpstream.stream;

import java.security.SecureRandom;

/**
 * Independent Bernoulli(q) coins, one per eligible user and step: Poisson sampling at the user
 * level (DESIGN §2; the sampling that the subsampled-Gaussian accountant of Mironov, Talwar &amp;
 * Zhang 2019 assumes). Coins come from a {@link SecureRandom}, read in blocks so that a coin costs
 * a few nanoseconds: an adversary who sees which users were sampled in the past learns nothing
 * about future coins. Not thread-safe: one sampler per gate task.
 */
public final class PoissonSampler {
  private static final double TWO_TO_MINUS_53 = 0x1.0p-53;

  private final SecureRandom random;
  private final double q;
  private final byte[] block = new byte[8192];
  private int next = block.length;

  /**
   * @param q the sampling rate in (0, 1]
   * @param random the source of randomness (a default {@code new SecureRandom()} in production)
   */
  public PoissonSampler(double q, SecureRandom random) {
    if (!(q > 0 && q <= 1)) throw new IllegalArgumentException("sampling rate must be in (0, 1], got " + q);
    this.q = q;
    this.random = random;
  }

  /** One coin: true with probability q. */
  public boolean sample() {
    if (next == block.length) {
      random.nextBytes(block);
      next = 0;
    }
    long bits = 0;
    for (int i = 0; i < 8; i++) bits = (bits << 8) | (block[next++] & 0xFF);
    // A uniform double in [0, 1) from the top 53 bits, as java.util.Random#nextDouble does.
    return (bits >>> 11) * TWO_TO_MINUS_53 < q;
  }

  public double rate() {
    return q;
  }
}

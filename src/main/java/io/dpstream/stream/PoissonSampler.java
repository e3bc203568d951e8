package io.dpstream.stream;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Independent Bernoulli(q) coins, one per eligible user and step: Poisson sampling at the user
 * level (DESIGN §2; the sampling the subsampled-Gaussian accountant of Mironov, Talwar &amp; Zhang
 * 2019 assumes).
 *
 * <p>The coins must be unpredictable, so they come from a cryptographically secure generator: the
 * ChaCha20 keystream (RFC 8439) under a 256-bit key and nonce drawn from a {@link SecureRandom},
 * re-keyed from it every 64 MiB of keystream. This is the construction of OpenBSD's arc4random and
 * Linux's getrandom; it costs about 30 ns per coin where {@code SecureRandom.nextBytes} costs 150 to
 * 300 ns, which matters when a step visits a million users. Not thread-safe: one sampler per gate
 * task.
 */
public final class PoissonSampler {
  private static final double TWO_TO_MINUS_53 = 0x1.0p-53;
  private static final long REKEY_BYTES = 64L << 20;

  private final SecureRandom seeds;
  private final double q;
  private final byte[] zeros = new byte[8192];
  private final byte[] block = new byte[8192];
  private int next = block.length;
  private long sinceRekey = REKEY_BYTES;
  private Cipher keystream;

  /**
   * @param q the sampling rate in (0, 1]
   * @param seeds where keys and nonces come from (a default {@code new SecureRandom()} in
   *     production)
   * @throws IllegalArgumentException if q is outside (0, 1]
   */
  public PoissonSampler(double q, SecureRandom seeds) {
    if (!(q > 0 && q <= 1)) throw new IllegalArgumentException("sampling rate must be in (0, 1], got " + q);
    this.q = q;
    this.seeds = seeds;
  }

  /** One coin: true with probability q. */
  public boolean sample() {
    if (next == block.length) refill();
    long bits = 0;
    for (int i = 0; i < 8; i++) bits = (bits << 8) | (block[next++] & 0xFF);
    // A uniform double in [0, 1) from the top 53 bits, as java.util.Random#nextDouble does.
    return (bits >>> 11) * TWO_TO_MINUS_53 < q;
  }

  public double rate() {
    return q;
  }

  private void refill() {
    try {
      if (sinceRekey >= REKEY_BYTES) {
        byte[] key = new byte[32];
        byte[] nonce = new byte[12];
        seeds.nextBytes(key);
        seeds.nextBytes(nonce);
        keystream = Cipher.getInstance("ChaCha20");
        keystream.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new ChaCha20ParameterSpec(nonce, 0));
        sinceRekey = 0;
      }
      // Encrypting zeros yields the keystream itself.
      keystream.update(zeros, 0, zeros.length, block, 0);
      sinceRekey += block.length;
      next = 0;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20 unavailable in this JVM", e);
    }
  }
}

package io.dpstream.dp;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Gaussian noise for DP-SGD steps, N(0, std²) per coordinate (DESIGN §2, step 4).
 *
 * <p>Every step's noise comes from a fresh 256-bit key drawn from {@link SecureRandom}, expanded
 * by AES-256-CTR: a cryptographically secure generator seeded anew every step, so one step's
 * noise cannot be predicted from another's nor recovered by searching a seed space. (PyTorch's
 * CPU generator, mt19937, keeps only 32 bits of its seed, which an attacker could enumerate.)
 * 22 bits j of each 32-bit word give v = (2j + 1)/2²² − 1, exact in float32 and inside (−1, 1)
 * (see {@link #uniformOpen}), and z = √2·erfinv(v) is computed on the model's device
 * (inverse-CDF sampling). Samples are discretised and |z| ≤ 5.2; the floating-point attacks of
 * Mironov 2012 are not addressed, as in other float32 DP-SGD libraries. erfinv(v) itself has
 * standard deviation {@link #NATURAL_STD} = 1/√2: draws of that deviation skip the scaling pass,
 * and the trainer asks for them (it folds the scale into the clipping factors and the optimiser).
 *
 * <p>The noise does not depend on data, so where a core is free for it a daemon thread draws a
 * step's noise on the device while the step computes its clipped sum, and the step then only adds
 * it. Small draws, and every draw where PyTorch's threads already use every core, are made on the
 * step's own thread (see {@link #coreFreeForDraw}). {@link #close()} stops the thread.
 */
final class GaussianNoise implements AutoCloseable {
  private final SecureRandom seeds;
  private final Predicate<Device> backgroundPays;
  private final NDManager holder;
  private final ExecutorService producer = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "dp-noise");
    t.setDaemon(true);
    return t;
  });
  /**
   * Draws of fewer coordinates are not worth a hand-off to the background thread: handing one
   * over and collecting it cost about 0.15 ms of the calling thread's time (measured on the
   * 2-core CPU machine), drawing costs about 4 ns per coordinate.
   */
  static final long BACKGROUND_FROM = 32_768;
  /**
   * The standard deviation of erfinv(v) for v uniform on (−1, 1): draws of exactly this deviation
   * are erfinv's output unscaled, one pass over the coordinates fewer (measured on the 2-core CPU
   * machine with two intra-op threads: 0.25 to 0.4 ms of a 795,010-coordinate draw, whose
   * arrays no longer fit in cache between steps).
   */
  static final double NATURAL_STD = Math.sqrt(0.5);
  /** Key-stream calls of {@link #warmKeyStream}. */
  private static final int WARM_CALLS = 20_000;
  private static final AtomicBoolean KEY_STREAM_WARMED = new AtomicBoolean();
  /** Key-stream chunk: 4 KiB, see {@link #keyStream}. */
  private static final int CHUNK_WORDS = 1024;
  private static final byte[] ZERO_CHUNK = new byte[4 * CHUNK_WORDS];
  /** Words of the key stream in the byte order of the float32 arrays they become. */
  private static final VarHandle NATIVE_INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.nativeOrder());
  /** Float32 bits of 2 + 2⁻²² (exponent of [2, 4), lowest mantissa bit set). */
  private static final int TWO_PLUS_ODD = 0x40000001;
  /** The 22 mantissa bits of a word that {@link #floatBits} keeps: all but the lowest. */
  private static final int RANDOM_MANTISSA = 0x007FFFFE;
  // used by one draw at a time (draws never overlap)
  private final StagingBuffers staging = new StagingBuffers();
  private final Scalars constants;
  private final byte[] chunk = new byte[4 * CHUNK_WORDS];
  /** AES-256-CTR, keyed afresh for every draw (looking up the algorithm costs about 0.1 ms). */
  private final Cipher aes;
  /**
   * On the CPU, the uniforms' native array, kept from draw to draw (4 bytes per coordinate). Where
   * the allocator hands freed arrays back to the system, a fresh multi-megabyte array per draw
   * costs about as much as the draw itself, its pages new to the process each time (measured for
   * 795,010 coordinates: 4.4 ms of CPU per draw with a fresh array, 2.3 ms reusing one). On glibc
   * with {@link NativeHeapReuse} a fresh array cost the same as this one (A/B in one process:
   * 14.8 against 14.9 ms per two-thread step); the kept array covers the other allocators.
   */
  private NDArray uniformArray;
  private ByteBuffer uniformTarget;
  private CompletableFuture<NDArray> prepared;
  private long preparedSize = -1;
  private double preparedStd = Double.NaN;

  /** @param parent manager on the model's device; noise waits in a child of it */
  GaussianNoise(NDManager parent) {
    this(parent, new SecureRandom(), GaussianNoise::coreFreeForDraw);
  }

  /**
   * @param seeds source of each draw's key
   * @param backgroundPays whether {@link #prepare} may draw in the background on this device
   */
  GaussianNoise(NDManager parent, SecureRandom seeds, Predicate<Device> backgroundPays) {
    this.seeds = seeds;
    this.backgroundPays = backgroundPays;
    this.aes = newKeyStream();
    this.holder = parent.newSubManager();
    this.constants = new Scalars(holder);
    if (KEY_STREAM_WARMED.compareAndSet(false, true)) {
      producer.execute(GaussianNoise::warmKeyStream);
    }
  }

  /**
   * Runs AES-CTR on one block {@link #WARM_CALLS} times with a throwaway key, once per process on
   * the noise thread, so that the JIT compiles the key stream's path to its AES-NI stub before
   * training needs it. A small model's draw makes only a few key-stream calls (8 for 7,850
   * coordinates), so the path would stay interpreted for thousands of steps: measured on the 2-core
   * CPU machine, those 8 calls took 0.19 ms per draw before compilation and 0.007 ms after, the
   * whole draw 0.32 against 0.11 ms. The warm-up costs about 0.2 s of the noise thread's time at
   * start-up (fewer calls, 8,000 or 12,000, did not get the path compiled); a background draw
   * asked for meanwhile waits behind it, once.
   */
  private static void warmKeyStream() {
    Cipher aes = newKeyStream();
    rekey(aes, new byte[32]);
    byte[] block = new byte[16];
    // stops early when close() interrupts the thread
    for (int i = 0; i < WARM_CALLS && !Thread.currentThread().isInterrupted(); i++) {
      try {
        aes.update(ZERO_CHUNK, 0, block.length, block, 0);
      } catch (GeneralSecurityException e) {
        return; // a draw reports it
      }
    }
  }

  private static Cipher newKeyStream() {
    try {
      return Cipher.getInstance("AES/CTR/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-CTR is not available in this JVM", e);
    }
  }

  /** Starts {@code aes}'s key stream afresh from a 256-bit key, counter 0. */
  private static void rekey(Cipher aes, byte[] key) {
    try {
      aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-CTR rejected a 256-bit key", e);
    }
  }

  /**
   * One step's noise: a flat float32 array of {@code size} draws of N(0, std²), owned by
   * {@code owner} on return: the draw {@link #prepare} started for this size and std, else a new
   * one. Each draw is used once.
   *
   * @param size number of coordinates, >= 0
   * @param std standard deviation, >= 0; {@link #NATURAL_STD} costs one pass less than any other
   */
  synchronized NDArray next(long size, double std, NDManager owner) {
    NDArray noise = null;
    if (prepared != null) {
      NDArray ready = await(prepared);
      prepared = null;
      if (preparedSize == size && preparedStd == std) {
        noise = ready;
      } else {
        ready.close();
      }
    }
    if (noise == null) {
      // on the calling thread: no draw is running now (one prepared was awaited above), so the
      // producer's buffers are free
      noise = draw(holder, size, std);
    }
    noise.attach(owner);
    return noise;
  }

  /**
   * Starts drawing a step's noise on the background thread, from a fresh key, unless a draw of
   * this size and std is already waiting (one left by a step that failed before adding it: never
   * used, so still fresh), the draw is smaller than {@link #BACKGROUND_FROM} or no core is free
   * for it: {@link #next} then makes it on the calling thread. The trainer calls it when a step
   * starts, so that the draw runs while the step computes its clipped sum, and collects it with
   * {@link #next}.
   */
  synchronized void prepare(long size, double std) {
    if (size < BACKGROUND_FROM || !backgroundPays.test(holder.getDevice())) {
      return; // drawn by next() on the calling thread
    }
    if (prepared != null) {
      if (preparedSize == size && preparedStd == std) {
        return;
      }
      await(prepared).close();
    }
    preparedSize = size;
    preparedStd = std;
    prepared = CompletableFuture.supplyAsync(() -> draw(holder, size, std), producer);
  }

  /**
   * Whether a draw in the background has a core of its own: always on an accelerator, whose host
   * thread only writes the key stream; on the CPU, when PyTorch's intra-op threads leave a core
   * free. Where they do not, a concurrent draw preempts them in the middle of their parallel
   * regions, each of which waits for its slowest thread, and the draw's own OpenMP team keeps
   * spinning after it. Measured on the 2-core CPU machine with two intra-op threads, {@code
   * mlp:784-1000-10}, batch 256: DP steps took 19 to 26 ms with the draw in the background and 14
   * to 16 ms with it on the step's thread, and the non-private steps run between them 15 to 22 ms
   * against 11 to 12.
   */
  static boolean coreFreeForDraw(Device device) {
    return !device.equals(Device.cpu())
        || JniUtils.getNumThreads() < Runtime.getRuntime().availableProcessors();
  }

  private static NDArray await(CompletableFuture<NDArray> draw) {
    try {
      return draw.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for noise", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("noise generation failed", e.getCause());
    }
  }

  /**
   * Maps a random 32-bit word to a uniform value in the open interval (−1, 1): f − 3, where f is the
   * float32 with the exponent of [2, 4), 22 mantissa bits j from the word and the lowest mantissa
   * bit set, f = 2 + (2j + 1)·2⁻²². So v = (2j + 1)/2²² − 1, an odd multiple of 2⁻²², exact in
   * float32 (Sterbenz), symmetric (the complement of a word gives −v) and never ±1, where erfinv
   * is infinite. Built from bits rather than by converting an integer to float, so that the
   * per-word work is two integer operations, which the JIT vectorises; the subtraction of 3 is one
   * pass on the device.
   */
  static float uniformOpen(int word) {
    return Float.intBitsToFloat(floatBits(word)) - 3f;
  }

  /** The float32 bits of f ∈ (2, 4) for a random word, see {@link #uniformOpen}. */
  static int floatBits(int word) {
    return (word & RANDOM_MANTISSA) | TWO_PLUS_ODD;
  }

  /**
   * Noise from a fresh key, owned by {@code m}: on the producer thread, or on the caller's for a
   * draw {@link #next} makes itself (never two at once).
   */
  private NDArray draw(NDManager m, long size, double std) {
    ThreadGradMode.offOutsideCollectors();
    int n = Math.toIntExact(size);
    byte[] key = new byte[32];
    seeds.nextBytes(key);
    rekey(aes, key);
    // On the CPU the uniforms are written straight into the kept native array's memory;
    // elsewhere they go through a reused direct buffer and are copied to the device.
    boolean cpu = m.getDevice().equals(Device.cpu());
    NDArray uniform = null;
    ByteBuffer target;
    if (cpu) {
      if (uniformArray == null || uniformArray.size() != n) {
        if (uniformArray != null) {
          uniformArray.close();
        }
        uniformArray = m.create(new Shape(n), DataType.FLOAT32);
        uniformTarget = uniformArray.toByteBuffer(true);
      }
      uniform = uniformArray;
      target = uniformTarget;
    } else {
      target = staging.direct("uniform", 4 * n);
    }
    for (int done = 0; done < n; done += CHUNK_WORDS) {
      int words = Math.min(CHUNK_WORDS, n - done);
      keyStream(4 * words);
      toFloatBits(chunk, words);
      target.put(4 * done, chunk, 0, 4 * words);
    }
    if (!cpu) {
      uniform = m.create(target, new Shape(n), DataType.FLOAT32);
    }
    NDArray z = uniform.subi(constants.of(3)).erfinv();
    if (std != NATURAL_STD) {
      z.muli(constants.of(Math.sqrt(2.0) * std));
    }
    if (!cpu) {
      uniform.close();
    }
    return z;
  }

  /**
   * {@link #floatBits} of each word of {@code bytes}, in place. A method of its own, called once
   * per chunk, so that the JIT compiles (and vectorises) it as a whole after a few steps instead
   * of compiling the per-step draw's loop on stack replacement.
   */
  private static void toFloatBits(byte[] bytes, int words) {
    for (int i = 0; i < words; i++) {
      NATIVE_INT.set(bytes, 4 * i, floatBits((int) NATIVE_INT.get(bytes, 4 * i)));
    }
  }

  /**
   * The next {@code bytes} bytes of the AES-CTR key stream into {@link #chunk}. Small chunks on
   * purpose: the JIT replaces CounterMode's loop with its AES-NI stub only in compiled callers,
   * which one multi-megabyte call per step never produces (measured: about 10 ms for 3.2 MB
   * through the Java loop, 0.5 ms once the stub is used).
   */
  private void keyStream(int bytes) {
    try {
      int written = aes.update(ZERO_CHUNK, 0, bytes, chunk, 0);
      if (written != bytes) {
        throw new IllegalStateException("AES-CTR returned " + written + " of " + bytes + " bytes");
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-CTR failed", e);
    }
  }

  /** Waits until a draw started by {@link #prepare} is finished, if there is one. */
  synchronized void awaitPrepared() {
    if (prepared != null) {
      await(prepared);
    }
  }

  @Override
  public synchronized void close() {
    producer.shutdownNow();
    try {
      producer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    holder.close();
  }
}

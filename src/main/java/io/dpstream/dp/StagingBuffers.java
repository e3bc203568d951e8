package io.dpstream.dp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * Reusable direct buffers for moving step data from Java arrays into native arrays.
 *
 * <p>DJL's {@code NDManager.create(float[])} copies into a fresh direct ByteBuffer that the
 * PyTorch tensor then aliases; that memory returns only when the garbage collector finds the
 * buffer, so a long run's native memory would grow with its steps. Here each named slot owns one
 * native-order direct buffer, reused from step to step. An array made from a slot aliases it:
 * the caller must be done with it (closed, or its step's manager closed) before the same slot is
 * filled again. Not thread-safe: one instance per thread.
 */
final class StagingBuffers {
  private final Map<String, ByteBuffer> slots = new HashMap<>();

  /** A float32 array of {@code shape} holding {@code data}, aliasing slot {@code slot}. */
  NDArray floats(NDManager m, String slot, float[] data, Shape shape) {
    ByteBuffer b = buffer(slot, 4 * data.length);
    b.asFloatBuffer().put(data);
    return m.create(b, shape, DataType.FLOAT32);
  }

  /** An int64 array of {@code shape} holding {@code data}, aliasing slot {@code slot}. */
  NDArray longs(NDManager m, String slot, long[] data, Shape shape) {
    ByteBuffer b = buffer(slot, 8 * data.length);
    b.asLongBuffer().put(data);
    return m.create(b, shape, DataType.INT64);
  }

  /**
   * Reads a one-element float32 or int64 array through a view of its own memory: DJL's
   * {@code getFloat()} would copy it into a fresh direct buffer each time.
   */
  static double scalar(NDArray a) {
    ByteBuffer b = a.toByteBuffer(true).order(ByteOrder.nativeOrder());
    return a.getDataType() == DataType.INT64 ? b.getLong(0) : b.getFloat(0);
  }

  /**
   * Slot {@code slot}'s memory as a native-order view of {@code bytes} bytes, to be filled by the
   * caller before an array is made from it.
   */
  ByteBuffer direct(String slot, int bytes) {
    return buffer(slot, bytes);
  }

  private ByteBuffer buffer(String slot, int bytes) {
    ByteBuffer b = slots.get(slot);
    if (b == null || b.capacity() < bytes) {
      b = ByteBuffer.allocateDirect(Math.max(bytes, 64)).order(ByteOrder.nativeOrder());
      slots.put(slot, b);
    }
    b.clear();
    ByteBuffer view = b.slice().order(ByteOrder.nativeOrder());
    view.limit(bytes);
    return view;
  }
}

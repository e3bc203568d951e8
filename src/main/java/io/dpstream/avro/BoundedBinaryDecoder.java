package io.dpstream.avro;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * An Avro binary decoder over one byte array that never allocates more than the bytes it was
 * given. Avro's own {@code BinaryDecoder} trusts a length prefix: a corrupt or hostile record
 * whose string length reads 2^30 makes it allocate a gigabyte before it notices the input is
 * short, and a few such records at once end the JVM with {@link OutOfMemoryError}. Here every
 * length (string, bytes) and every array or map block count is checked against the bytes that
 * remain before anything is allocated, so the memory one decode can take is bounded by the size
 * of its input (which the gate bounds with {@code gate.maxRecordBytes}).
 *
 * <p>The block-count bound assumes items of at least one byte; that holds for every dpstream
 * schema (arrays of float, int, records with fields), and a count above it is reported as
 * corrupt rather than decoded.
 *
 * <p>Errors are {@link IOException}s (truncated or corrupt input) whose messages name what was
 * wrong; the decoder never throws anything else for bad bytes.
 */
public final class BoundedBinaryDecoder extends Decoder {
  private final ByteBuffer in;

  /** Decodes {@code bytes[offset, offset + length)}. */
  public BoundedBinaryDecoder(byte[] bytes, int offset, int length) {
    this.in = ByteBuffer.wrap(bytes, offset, length).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Bytes not consumed yet. */
  @Override
  public int remainingBytes() {
    return in.remaining();
  }

  @Override
  public void readNull() {}

  @Override
  public boolean readBoolean() throws IOException {
    int b = readByte();
    if (b == 0) return false;
    if (b == 1) return true;
    throw new IOException("corrupt boolean byte " + b);
  }

  @Override
  public int readInt() throws IOException {
    long n = readLong();
    if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE)
      throw new IOException("int out of range: " + n);
    return (int) n;
  }

  /** Zig-zag variable-length long, at most 10 bytes (Avro specification, "Binary Encoding"). */
  @Override
  public long readLong() throws IOException {
    long raw = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      int b = readByte();
      raw |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) return (raw >>> 1) ^ -(raw & 1);
    }
    throw new IOException("corrupt varint: more than 10 bytes");
  }

  @Override
  public float readFloat() throws IOException {
    need(4, "float");
    return in.getFloat();
  }

  @Override
  public double readDouble() throws IOException {
    need(8, "double");
    return in.getDouble();
  }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    int n = length("string");
    Utf8 out = old != null ? old : new Utf8();
    out.setByteLength(n);
    in.get(out.getBytes(), 0, n);
    return out;
  }

  @Override
  public String readString() throws IOException {
    int n = length("string");
    String s = new String(in.array(), in.arrayOffset() + in.position(), n, StandardCharsets.UTF_8);
    in.position(in.position() + n);
    return s;
  }

  @Override
  public void skipString() throws IOException {
    skip(length("string"));
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    int n = length("bytes");
    byte[] b = new byte[n];
    in.get(b);
    return ByteBuffer.wrap(b);
  }

  @Override
  public void skipBytes() throws IOException {
    skip(length("bytes"));
  }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    need(length, "fixed");
    in.get(bytes, start, length);
  }

  @Override
  public void skipFixed(int length) throws IOException {
    skip(length);
  }

  @Override
  public int readEnum() throws IOException {
    return readInt();
  }

  @Override
  public long readArrayStart() throws IOException {
    return blockCount("array");
  }

  @Override
  public long arrayNext() throws IOException {
    return blockCount("array");
  }

  @Override
  public long skipArray() throws IOException {
    return skipBlocks("array");
  }

  @Override
  public long readMapStart() throws IOException {
    return blockCount("map");
  }

  @Override
  public long mapNext() throws IOException {
    return blockCount("map");
  }

  @Override
  public long skipMap() throws IOException {
    return skipBlocks("map");
  }

  @Override
  public int readIndex() throws IOException {
    return readInt();
  }

  private int readByte() throws IOException {
    if (!in.hasRemaining()) throw new EOFException("truncated: input ended inside a value");
    return in.get() & 0xff;
  }

  /** A length prefix, checked against the bytes left before anyone allocates it. */
  private int length(String what) throws IOException {
    long n = readLong();
    if (n < 0) throw new IOException("negative " + what + " length " + n);
    if (n > in.remaining())
      throw new EOFException(what + " length " + n + " exceeds the " + in.remaining() + " bytes left");
    return (int) n;
  }

  /**
   * The item count of the next block. A negative count is followed by the block's byte size
   * (Avro specification); its absolute value is the count.
   */
  private long blockCount(String what) throws IOException {
    long n = readLong();
    if (n < 0) {
      if (n == Long.MIN_VALUE) throw new IOException("corrupt " + what + " block count");
      n = -n;
      readLong(); // the block's size in bytes: not needed to read it
    }
    if (n > in.remaining())
      throw new EOFException(what + " block of " + n + " items exceeds the " + in.remaining() + " bytes left");
    return n;
  }

  /** Skips whole blocks that carry their byte size; returns the count of a block that does not. */
  private long skipBlocks(String what) throws IOException {
    while (true) {
      long n = readLong();
      if (n == 0) return 0;
      if (n > 0) {
        if (n > in.remaining())
          throw new EOFException(what + " block of " + n + " items exceeds the " + in.remaining() + " bytes left");
        return n;
      }
      if (n == Long.MIN_VALUE) throw new IOException("corrupt " + what + " block count");
      long size = readLong();
      if (size < 0 || size > in.remaining())
        throw new EOFException(what + " block size " + size + " exceeds the " + in.remaining() + " bytes left");
      skip((int) size);
    }
  }

  private void need(int n, String what) throws IOException {
    if (n < 0 || n > in.remaining())
      throw new EOFException("truncated: " + what + " needs " + n + " bytes, " + in.remaining() + " left");
  }

  private void skip(int n) throws IOException {
    need(n, "skip");
    in.position(in.position() + n);
  }
}

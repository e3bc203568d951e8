package io.dpstream.stream;

import io.dpstream.avro.BoundedBinaryDecoder;
import io.dpstream.avro.TrainingRecord;
import io.dpstream.avro.TrustedAvroTypes;
import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * Decodes a {@link TrainingRecord} from Avro single-object encoding (a 2-byte marker {@code C3 01},
 * the writer schema's 8-byte little-endian CRC-64-AVRO fingerprint, then the binary record) with
 * memory bounded by the input: lengths are checked before anything is allocated ({@link
 * BoundedBinaryDecoder}), unlike {@code TrainingRecord.fromByteBuffer}, which allocates whatever a
 * corrupt length field says. Stricter than Avro too: bytes left over after the record are an error
 * (a framing fault, not a record).
 *
 * <p>Knows the compiled schema and any older writer schemas it is given (schemas evolve by adding
 * optional fields with defaults, so older records resolve to the current type). Not thread-safe:
 * one instance per gate task.
 */
public final class TrainingRecordDecoder {
  static {
    TrustedAvroTypes.install();
  }

  /** The encoding is not a TrainingRecord: truncated, corrupt, or framed wrongly. */
  public static class UndecodableException extends IOException {
    UndecodableException(String message) {
      super(message);
    }
  }

  /** Single-object encoded, but with a writer schema fingerprint this decoder does not know. */
  public static final class UnknownSchemaException extends UndecodableException {
    UnknownSchemaException(String message) {
      super(message);
    }
  }

  private static final int HEADER_BYTES = 10;
  private final Map<Long, SpecificDatumReader<TrainingRecord>> readers = new HashMap<>();

  /** A decoder of records written with the compiled schema only. */
  public TrainingRecordDecoder() {
    this(List.of());
  }

  /** A decoder of records written with the compiled schema or any of {@code olderWriters}. */
  public TrainingRecordDecoder(Collection<Schema> olderWriters) {
    SpecificData model = SpecificData.getForClass(TrainingRecord.class);
    Schema current = TrainingRecord.getClassSchema();
    readers.put(SchemaNormalization.parsingFingerprint64(current), new SpecificDatumReader<>(current, current, model));
    for (Schema writer : olderWriters) {
      readers.put(SchemaNormalization.parsingFingerprint64(writer), new SpecificDatumReader<>(writer, current, model));
    }
  }

  /**
   * @param value the whole encoded value
   * @throws UnknownSchemaException if the fingerprint names no known writer schema
   * @throws UndecodableException for anything else that is not exactly one encoded record
   */
  public TrainingRecord decode(byte[] value) throws UndecodableException {
    if (value.length < HEADER_BYTES || value[0] != (byte) 0xC3 || value[1] != (byte) 0x01)
      throw new UndecodableException("no Avro single-object marker C3 01");
    long fingerprint = 0;
    for (int i = 9; i >= 2; i--) fingerprint = (fingerprint << 8) | (value[i] & 0xff);
    SpecificDatumReader<TrainingRecord> reader = readers.get(fingerprint);
    if (reader == null)
      throw new UnknownSchemaException(
          String.format("unknown writer schema fingerprint %016x (not a TrainingRecord schema this gate knows)", fingerprint));
    BoundedBinaryDecoder in = new BoundedBinaryDecoder(value, HEADER_BYTES, value.length - HEADER_BYTES);
    TrainingRecord record;
    try {
      record = reader.read(null, in);
    } catch (IOException | RuntimeException e) {
      // Avro reports some corruptions as runtime errors (a union branch or enum index out of range).
      throw new UndecodableException("corrupt record: " + e.getMessage());
    }
    if (in.remainingBytes() > 0)
      throw new UndecodableException(in.remainingBytes() + " bytes left over after the record");
    return record;
  }
}

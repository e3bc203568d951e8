package io.dpstream.stream;

import io.dpstream.avro.BudgetAlert;
import io.dpstream.avro.PrivacyLedgerEntry;
import io.dpstream.avro.StepMessage;
import io.dpstream.avro.TrainingRecord;
import io.dpstream.avro.TrustedAvroTypes;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Decoders of the messages the gate writes (Avro single-object encoding), for the trainer, the
 * {@code alerts} command and tests. Each throws {@link IllegalArgumentException} on bytes that are
 * not such a message.
 *
 * <p>Avro 1.12 refuses to instantiate generated classes of nested records (a union of
 * UserContribution and StepMarker, the UserLedgerState inside PrivacyLedgerEntry) unless they are
 * trusted; loading this class trusts {@code io.dpstream.avro} once for the JVM, in addition to
 * whatever was trusted before.
 */
public final class GateMessages {

  static {
    TrustedAvroTypes.install();
  }

  private GateMessages() {}


  public static StepMessage stepMessage(byte[] bytes) {
    try {
      return StepMessage.fromByteBuffer(ByteBuffer.wrap(bytes));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a StepMessage: " + e.getMessage(), e);
    }
  }

  public static PrivacyLedgerEntry ledgerEntry(byte[] bytes) {
    try {
      return PrivacyLedgerEntry.fromByteBuffer(ByteBuffer.wrap(bytes));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a PrivacyLedgerEntry: " + e.getMessage(), e);
    }
  }

  public static BudgetAlert budgetAlert(byte[] bytes) {
    try {
      return BudgetAlert.fromByteBuffer(ByteBuffer.wrap(bytes));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a BudgetAlert: " + e.getMessage(), e);
    }
  }

  public static TrainingRecord trainingRecord(byte[] bytes) {
    try {
      return TrainingRecord.fromByteBuffer(ByteBuffer.wrap(bytes));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a TrainingRecord: " + e.getMessage(), e);
    }
  }
}

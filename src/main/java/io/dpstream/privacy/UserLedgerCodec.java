package io.dpstream.privacy;

import io.dpstream.avro.TrustedAvroTypes;
import io.dpstream.avro.UserLedgerState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Converts a {@link UserLedger} to and from its Avro form ({@code schemas/UserLedgerState.avsc})
 * in single-object encoding, for the gate's state store and the privacy-ledger topic. Every field
 * round-trips; records written before {@code regime} and {@code rdp} existed read with their
 * defaults ("" and empty: a ledger of the reading policy's regime, see {@link UserLedger}).
 */
public final class UserLedgerCodec {
  private UserLedgerCodec() {}

  static {
    TrustedAvroTypes.install();
  }

  public static UserLedgerState toAvro(UserLedger ledger) {
    return UserLedgerState.newBuilder()
        .setSteps(ledger.steps())
        .setEpsilon(ledger.epsilon())
        .setRegime(ledger.regime())
        .setRdp(Arrays.stream(ledger.rdpView()).boxed().toList())
        .build();
  }

  public static UserLedger fromAvro(UserLedgerState state) {
    double[] rdp = state.getRdp().stream().mapToDouble(Double::doubleValue).toArray();
    return new UserLedger(state.getSteps(), state.getEpsilon(), state.getRegime(), rdp);
  }

  public static byte[] encode(UserLedger ledger) {
    try {
      ByteBuffer buf = toAvro(ledger).toByteBuffer();
      byte[] out = new byte[buf.remaining()];
      buf.get(out);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Decodes bytes written by {@link #encode}; throws IllegalArgumentException if they are not. */
  public static UserLedger decode(byte[] bytes) {
    try {
      return fromAvro(UserLedgerState.fromByteBuffer(ByteBuffer.wrap(bytes)));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a UserLedgerState: " + e.getMessage(), e);
    }
  }
}

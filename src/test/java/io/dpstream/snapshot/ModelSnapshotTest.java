package io.dpstream.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.privacy.AccountantKind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelSnapshotTest {

  @Test
  void sha256IsTheStandardDigestOfTheParameters() {
    // FIPS 180-2 example: SHA-256("abc").
    ModelSnapshot s =
        ModelSnapshot.of("m", 1, 0, Instant.EPOCH, "mlp:2-2",
            "abc".getBytes(StandardCharsets.US_ASCII), TestSnapshots.PRIVACY);
    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", s.parametersSha256());
  }

  @Test
  void aChecksumThatDoesNotMatchIsRefusedNamingTheField() {
    var e = assertThrows(IllegalArgumentException.class, () -> new ModelSnapshot("m", 1, 0,
        Instant.EPOCH, "mlp:2-2", ByteBuffer.wrap(new byte[] {1, 2}), TestSnapshots.PRIVACY,
        "00".repeat(32)));
    assertTrue(e.getMessage().contains("parametersSha256"), e.getMessage());
  }

  @Test
  void parametersAreCopiedAndReadOnly() {
    byte[] params = {1, 2, 3};
    ModelSnapshot s =
        ModelSnapshot.of("m", 1, 0, Instant.EPOCH, "x", params, TestSnapshots.PRIVACY);
    params[0] = 9;
    assertArrayEquals(new byte[] {1, 2, 3}, s.parameterBytes());
    assertTrue(s.parameters().isReadOnly());
    ByteBuffer view = s.parameters();
    view.get();
    assertEquals(3, s.parameters().remaining(), "each view has its own position");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a/b", "a b", "é"})
  void badModelIdsAreRefused(String id) {
    var e = assertThrows(IllegalArgumentException.class,
        () -> ModelSnapshot.of(id, 1, 0, Instant.EPOCH, "x", new byte[0], TestSnapshots.PRIVACY));
    assertTrue(e.getMessage().startsWith("modelId"), e.getMessage());
  }

  @Test
  void versionStartsAtOne() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> ModelSnapshot.of("m", 0, 0, Instant.EPOCH, "x", new byte[0], TestSnapshots.PRIVACY));
    assertTrue(e.getMessage().startsWith("version"), e.getMessage());
  }

  @Test
  void privacyStatementFieldsAreValidatedByName() {
    assertThrows(IllegalArgumentException.class,
        () -> new PrivacyStatement(0, 1e-5, AccountantKind.PLD, 1, 0.1, 1, 0), "epsilonCap");
    var e = assertThrows(IllegalArgumentException.class,
        () -> new PrivacyStatement(1, 1, AccountantKind.PLD, 1, 0.1, 1, 0));
    assertTrue(e.getMessage().startsWith("delta"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new PrivacyStatement(1, 1e-5, AccountantKind.PLD, 1, 1.5, 1, 0));
    assertTrue(e.getMessage().startsWith("samplingRate"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new PrivacyStatement(1, 1e-5, AccountantKind.RDP, Double.NaN, 0.1, 1, 0));
    assertTrue(e.getMessage().startsWith("noiseMultiplier"), e.getMessage());
  }

  @Test
  void codecRoundTripsEveryField() {
    ModelSnapshot s = TestSnapshots.snapshot("model-1", 7, 1234);
    byte[] bytes = SnapshotCodec.encode(s);
    // Avro single-object encoding starts with the marker C3 01.
    assertEquals((byte) 0xC3, bytes[0]);
    assertEquals((byte) 0x01, bytes[1]);
    ModelSnapshot back = SnapshotCodec.decode(bytes);
    assertEquals(s, back);
    assertEquals(s.privacy(), back.privacy());
    assertEquals(s.time(), back.time());
  }

  @Test
  void codecRefusesAFlippedParameterByte() {
    ModelSnapshot s = TestSnapshots.snapshot("m", 1, 100);
    byte[] bytes = SnapshotCodec.encode(s);
    int at = indexOf(bytes, s.parameterBytes());
    assertTrue(at > 0);
    bytes[at + 50] ^= 1;
    var e = assertThrows(IllegalArgumentException.class, () -> SnapshotCodec.decode(bytes));
    assertTrue(e.getMessage().contains("parametersSha256"), e.getMessage());
  }

  @Test
  void timeKeepsTheWiresMillisecondsSoARoundTripIsExact() {
    ModelSnapshot s = ModelSnapshot.of("m", 1, 0, Instant.ofEpochSecond(10, 123_456_789), "x",
        new byte[0], TestSnapshots.PRIVACY);
    assertEquals(Instant.ofEpochSecond(10, 123_000_000), s.time());
    assertEquals(s, SnapshotCodec.decode(SnapshotCodec.encode(s)));
  }

  @Test
  void codecRefusesGarbage() {
    assertThrows(IllegalArgumentException.class,
        () -> SnapshotCodec.decode(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) continue outer;
      }
      return i;
    }
    return -1;
  }
}

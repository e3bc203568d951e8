package io.dpstream.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.avro.SnapshotChunk;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Chunking and reassembly without Kafka: the records the publisher makes, fed in various ways. */
class SnapshotAssemblerTest {
  private static final int CHUNK = 1000;

  /** A record as the follower sees it: key string and value bytes. */
  record Rec(String key, byte[] value) {}

  private static List<Rec> records(SnapshotPublisher publisher, ModelSnapshot s) {
    List<Rec> out = new ArrayList<>();
    for (ProducerRecord<byte[], byte[]> r : publisher.records(s)) {
      out.add(new Rec(new String(r.key(), StandardCharsets.UTF_8), r.value()));
    }
    return out;
  }

  private static List<Rec> records(ModelSnapshot s) {
    return records(new SnapshotPublisher("t", 1, CHUNK), s);
  }

  private static Optional<ModelSnapshot> feed(SnapshotAssembler a, List<Rec> recs) {
    Optional<ModelSnapshot> last = Optional.empty();
    for (Rec r : recs) {
      Optional<ModelSnapshot> s = a.offer(r.key(), r.value());
      if (s.isPresent()) last = s;
    }
    return last;
  }

  private static SnapshotAssembler assembler() {
    return new SnapshotAssembler("m", SnapshotFollower.DEFAULT_MAX_SNAPSHOT_BYTES);
  }

  @Test
  void aSmallSnapshotIsOneChunkThenTheManifest() {
    ModelSnapshot s = TestSnapshots.snapshot("m", 1, 100);
    List<Rec> recs = records(s);
    assertEquals(List.of("m/chunk-0", "m"), recs.stream().map(Rec::key).toList());
    SnapshotAssembler a = assembler();
    assertEquals(Optional.empty(), a.offer(recs.get(0).key(), recs.get(0).value()));
    assertEquals(Optional.of(s), a.offer(recs.get(1).key(), recs.get(1).value()));
    assertEquals(1, a.currentVersion());
    assertEquals(0, a.pendingBytes());
  }

  @Test
  void emptyParametersRoundTrip() {
    ModelSnapshot s = TestSnapshots.snapshot("m", 1, 0);
    ModelSnapshot back = feed(assembler(), records(s)).orElseThrow();
    assertEquals(0, back.parametersSize());
    assertEquals(s, back);
  }

  @Test
  void anEncodingOfExactlyThreeChunksMakesThreeFullChunks() {
    ModelSnapshot s = snapshotEncodingTo(3 * CHUNK);
    ChunkedSnapshot cut = ChunkedSnapshot.of(s, CHUNK);
    assertEquals(3, cut.chunks().size());
    for (SnapshotChunk c : cut.chunks()) assertEquals(CHUNK, c.getPayload().remaining());
    assertEquals(3 * CHUNK, cut.manifest().getTotalSize());
    assertEquals(s, feed(assembler(), records(s)).orElseThrow());
  }

  @Test
  void oneByteMoreThanAMultipleMakesALastChunkOfOneByte() {
    ModelSnapshot s = snapshotEncodingTo(3 * CHUNK + 1);
    ChunkedSnapshot cut = ChunkedSnapshot.of(s, CHUNK);
    assertEquals(4, cut.chunks().size());
    assertEquals(1, cut.chunks().get(3).getPayload().remaining());
    assertEquals(s, feed(assembler(), records(s)).orElseThrow());
  }

  /** Finds a snapshot whose single-object encoding is exactly {@code size} bytes. */
  private static ModelSnapshot snapshotEncodingTo(int size) {
    // Avro writes the parameter length as a varint (1 to 3 bytes here): start just below.
    int base = SnapshotCodec.encode(TestSnapshots.snapshot("m", 1, 0)).length;
    for (int n = Math.max(0, size - base - 3); n < size; n++) {
      ModelSnapshot s = TestSnapshots.snapshot("m", 1, n);
      int len = SnapshotCodec.encode(s).length;
      if (len == size) return s;
      if (len > size) break;
    }
    throw new AssertionError("no parameter size encodes to " + size + " bytes");
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void chunksInAnyOrderReassemble(long seed) {
    ModelSnapshot s = TestSnapshots.snapshot("m", 1, 10 * CHUNK + 123);
    List<Rec> recs = records(s);
    List<Rec> chunks = new ArrayList<>(recs.subList(0, recs.size() - 1));
    Collections.shuffle(chunks, new Random(seed));
    chunks.add(recs.get(recs.size() - 1));
    assertEquals(s, feed(assembler(), chunks).orElseThrow());
  }

  @Test
  void duplicateChunksReassemble() {
    ModelSnapshot s = TestSnapshots.snapshot("m", 1, 5 * CHUNK);
    List<Rec> recs = records(s);
    List<Rec> doubled = new ArrayList<>();
    for (Rec r : recs.subList(0, recs.size() - 1)) {
      doubled.add(r);
      doubled.add(r);
    }
    doubled.add(recs.get(recs.size() - 1));
    SnapshotAssembler a = assembler();
    assertEquals(s, feed(a, doubled).orElseThrow());
    assertEquals(0, a.rejectedVersions());
  }

  @Test
  void aMissingChunkRejectsTheVersionAndTheNextOneStillComes() {
    SnapshotPublisher p = new SnapshotPublisher("t", 1, CHUNK);
    List<Rec> v1 = records(p, TestSnapshots.snapshot("m", 1, 4 * CHUNK));
    v1.remove(2);
    SnapshotAssembler a = assembler();
    assertEquals(Optional.empty(), feed(a, v1));
    assertEquals(1, a.rejectedVersions());
    assertEquals(0, a.currentVersion());
    ModelSnapshot s2 = TestSnapshots.snapshot("m", 2, 4 * CHUNK);
    assertEquals(s2, feed(a, records(p, s2)).orElseThrow());
  }

  @Test
  void aFlippedPayloadByteIsRejectedAndTheGoodVersionStays() {
    SnapshotPublisher p = new SnapshotPublisher("t", 1, CHUNK);
    SnapshotAssembler a = assembler();
    ModelSnapshot good = TestSnapshots.snapshot("m", 1, 3 * CHUNK);
    assertEquals(good, feed(a, records(p, good)).orElseThrow());

    List<Rec> v2 = records(p, TestSnapshots.snapshot("m", 2, 3 * CHUNK));
    SnapshotChunk c = SnapshotCodec.decodeChunk(v2.get(1).value());
    byte[] payload = new byte[c.getPayload().remaining()];
    c.getPayload().get(payload);
    payload[17] ^= 0x40;
    c.setPayload(ByteBuffer.wrap(payload));
    v2.set(1, new Rec(v2.get(1).key(), SnapshotCodec.encodeChunk(c)));

    assertEquals(Optional.empty(), feed(a, v2));
    assertEquals(1, a.rejectedVersions());
    assertEquals(1, a.currentVersion());
  }

  @Test
  void garbageInAChunkIsSkippedAndItsVersionRejected() {
    List<Rec> recs = records(TestSnapshots.snapshot("m", 1, 3 * CHUNK));
    recs.set(0, new Rec(recs.get(0).key(), "not avro at all".getBytes(StandardCharsets.UTF_8)));
    SnapshotAssembler a = assembler();
    assertEquals(Optional.empty(), feed(a, recs));
    assertEquals(1, a.malformedRecords());
    assertEquals(1, a.rejectedVersions());
  }

  @Test
  void aChunkUnderTheWrongKeyIsMalformed() {
    List<Rec> recs = records(TestSnapshots.snapshot("m", 1, 3 * CHUNK));
    Rec moved = new Rec("m/chunk-1", recs.get(0).value());
    SnapshotAssembler a = assembler();
    assertEquals(Optional.empty(), a.offer(moved.key(), moved.value()));
    assertEquals(1, a.malformedRecords());
  }

  @Test
  void aManifestWithoutChunksIsRejected() {
    List<Rec> recs = records(TestSnapshots.snapshot("m", 1, 100));
    SnapshotAssembler a = assembler();
    Rec manifest = recs.get(recs.size() - 1);
    assertEquals(Optional.empty(), a.offer(manifest.key(), manifest.value()));
    assertEquals(1, a.rejectedVersions());
  }

  @Test
  void versionsNeverGoBackwards() {
    SnapshotPublisher p = new SnapshotPublisher("t", 1, CHUNK);
    List<Rec> v1 = records(p, TestSnapshots.snapshot("m", 1, 2 * CHUNK));
    List<Rec> v2 = records(p, TestSnapshots.snapshot("m", 2, 2 * CHUNK));
    SnapshotAssembler a = assembler();
    assertEquals(2, feed(a, v2).orElseThrow().version());
    assertEquals(Optional.empty(), feed(a, v1));
    assertEquals(Optional.empty(), feed(a, v2), "the same version again is not news");
    assertEquals(2, a.currentVersion());
    assertEquals(0, a.pendingBytes(), "chunks of old versions are not even buffered");
  }

  @Test
  void aNewerVersionsChunksDiscardAnIncompleteOlderOne() {
    SnapshotPublisher p = new SnapshotPublisher("t", 1, CHUNK);
    List<Rec> v1 = records(p, TestSnapshots.snapshot("m", 1, 20 * CHUNK));
    ModelSnapshot s2 = TestSnapshots.snapshot("m", 2, 2 * CHUNK);
    List<Rec> v2 = records(p, s2);
    SnapshotAssembler a = assembler();
    feed(a, v1.subList(0, 15));
    assertTrue(a.pendingBytes() >= 15 * CHUNK);
    feed(a, v2.subList(0, 1));
    assertTrue(a.pendingBytes() <= CHUNK, "only version 2's chunk is held: " + a.pendingBytes());
    // The older manifest now finds nothing to commit; the newer one commits.
    assertEquals(Optional.empty(), feed(a, v1.subList(v1.size() - 1, v1.size())));
    assertEquals(s2, feed(a, v2.subList(1, v2.size())).orElseThrow());
  }

  @Test
  void aSnapshotOverTheSizeLimitIsNeverBuffered() {
    List<Rec> recs = records(TestSnapshots.snapshot("m", 1, 10 * CHUNK));
    SnapshotAssembler a = new SnapshotAssembler("m", 5 * CHUNK);
    assertEquals(Optional.empty(), feed(a, recs));
    assertEquals(0, a.pendingBytes());
    assertEquals(1, a.rejectedVersions());
    assertTrue(a.malformedRecords() > 0);
  }

  @Test
  void otherModelsAndTombstonesAreIgnored() {
    SnapshotAssembler a = assembler();
    List<Rec> other = records(TestSnapshots.snapshot("mm", 1, 3 * CHUNK));
    assertEquals(Optional.empty(), feed(a, other));
    assertEquals(Optional.empty(), a.offer("m", null));
    assertEquals(Optional.empty(), a.offer("m/chunk-0", null));
    assertEquals(0, a.pendingBytes());
    assertEquals(0, a.malformedRecords());
    assertEquals(0, a.rejectedVersions());
  }

  @Test
  void aShrinkingModelTombstonesItsStaleChunkKeys() {
    SnapshotPublisher p = new SnapshotPublisher("t", 1, CHUNK);
    records(p, TestSnapshots.snapshot("m", 1, 5 * CHUNK));
    List<ProducerRecord<byte[], byte[]>> v2 = p.records(TestSnapshots.snapshot("m", 2, 10));
    List<String> keys =
        v2.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList();
    assertEquals("m/chunk-0", keys.get(0));
    assertEquals("m", keys.get(keys.size() - 1), "the manifest comes last");
    assertTrue(keys.contains("m/chunk-5"));
    assertFalse(keys.contains("m/chunk-6"));
    for (int i = 1; i < v2.size() - 1; i++) assertNull(v2.get(i).value(), keys.get(i));
    int partition = v2.get(0).partition();
    assertTrue(v2.stream().allMatch(r -> r.partition() == partition), "one partition per model");
  }

  @Test
  void theManifestPartitionIsTheDefaultPartitionersForTheModelId() {
    // Kafka's default partitioner: murmur2 of the key bytes, made positive, modulo partitions.
    byte[] key = "model-42".getBytes(StandardCharsets.UTF_8);
    int expected =
        (org.apache.kafka.common.utils.Utils.murmur2(key) & 0x7fffffff) % 12;
    assertEquals(expected, SnapshotPublisher.partitionFor("model-42", 12));
  }

  @Test
  void reassembledParametersAreByteIdentical() {
    ModelSnapshot s = TestSnapshots.snapshot("m", 1, 7 * CHUNK + 5);
    ModelSnapshot back = feed(assembler(), records(s)).orElseThrow();
    assertArrayEquals(s.parameterBytes(), back.parameterBytes());
  }
}

/**
 * Model snapshots: the DP output users consume (DESIGN.md §3, steps 7 and 8).
 *
 * <ul>
 *   <li>{@link io.dpstream.snapshot.ModelSnapshot} and {@link
 *       io.dpstream.snapshot.PrivacyStatement}: the value published, with its guarantee and the
 *       SHA-256 of its parameters ({@code schemas/ModelSnapshot.avsc});
 *   <li>{@link io.dpstream.snapshot.SnapshotPublisher}: the records that publish a snapshot on the
 *       compacted {@code model-snapshots} topic (chunks, then a manifest; the key scheme is
 *       explained there), for the trainer's own transaction; {@link
 *       io.dpstream.snapshot.TransactionalSnapshotPublisher} for tools;
 *   <li>{@link io.dpstream.snapshot.SnapshotFollower}: follows the topic and holds the newest
 *       complete, verified snapshot ({@link io.dpstream.snapshot.SnapshotAssembler} does the
 *       reassembly and checks, without Kafka);
 *   <li>{@link io.dpstream.snapshot.SnapshotPredictor} and {@link
 *       io.dpstream.snapshot.ModelRunner}: the seam to the inference engine; {@link
 *       io.dpstream.snapshot.SnapshotServer} serves HTTP JSON predictions through it and reports
 *       requests, refusals and loads to a {@link io.dpstream.snapshot.ServingObserver} (the
 *       Prometheus one lives in {@code io.dpstream.metrics}: this package imports no metrics
 *       library).
 * </ul>
 */
package io.dpstream.snapshot;

/**
 * Data sets as streams of training examples: readers for MNIST and Fashion-MNIST (IDX), UCI
 * Adult, MovieLens 100K and any CSV, and a seeded synthetic source of skewed user events.
 *
 * <p>The front door is {@link io.dpstream.data.DatasetReader#open}{@code (kind, dir).read(split)},
 * which returns a {@link io.dpstream.data.DatasetSplit}: the {@link io.dpstream.data.Example}s in
 * the order they are streamed, and their {@link io.dpstream.data.DatasetShape} (input width,
 * classes, categorical id spaces). {@link io.dpstream.data.Split#TEST} is what experiments
 * evaluate on. Examples become Avro {@code TrainingRecord}s with a user id and an event time
 * assigned by {@link io.dpstream.data.UserIdAssignment} and {@link
 * io.dpstream.data.EventTimeAssignment} ({@link io.dpstream.data.DatasetSplit#records}). {@link
 * io.dpstream.data.SyntheticSource} is an infinite iterator of records for the demo.
 *
 * <p>This package reads files only; writing to Kafka is {@code io.dpstream.kafka.
 * TrainingRecordProducer}'s job. Bad files raise {@link
 * io.dpstream.data.MalformedDatasetException}, naming the file.
 */
package io.dpstream.data;

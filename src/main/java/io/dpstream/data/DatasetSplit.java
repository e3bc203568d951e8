package io.dpstream.data;

import io.dpstream.avro.TrainingRecord;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The examples of one split of a data set, in the order they are to be streamed, with their
 * shape.
 *
 * @param kind the data set
 * @param split train or test
 * @param shape input width, classes and categorical id spaces
 * @param examples the examples, unmodifiable
 */
public record DatasetSplit(
    DatasetKind kind, Split split, DatasetShape shape, List<Example> examples) {

  public DatasetSplit {
    if (kind == null) throw new IllegalArgumentException("kind must be set");
    if (split == null) throw new IllegalArgumentException("split must be set");
    if (shape == null) throw new IllegalArgumentException("shape must be set");
    examples = List.copyOf(examples);
  }

  public int size() {
    return examples.size();
  }

  /**
   * The examples as Avro records, lazily, with user ids and event times assigned by index (0 for
   * the first example).
   *
   * @throws IllegalArgumentException (when the stream is consumed) if {@code users} needs a user
   *     id the data does not have
   */
  public Stream<TrainingRecord> records(UserIdAssignment users, EventTimeAssignment times) {
    return IntStream.range(0, examples.size())
        .mapToObj(
            i -> {
              Example e = examples.get(i);
              return e.toRecord(users.userIdFor(i, e), times.eventTimeFor(i, e));
            });
  }

  @Override
  public String toString() {
    return "DatasetSplit[" + kind + " " + split.cliName() + ", " + examples.size()
        + " examples, " + shape + "]";
  }
}

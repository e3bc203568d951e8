package io.dpstream.dp;

import java.util.List;

/**
 * The records one sampled user contributes to a step. The user's gradient is the weighted mean of
 * these records' gradients ({@link Example#weight()} / number of records), clipped as one vector.
 *
 * @param userId the user, the unit of privacy; not null
 * @param examples at least one record, at most {@link DpSgdConfig#maxRecordsPerUser()}
 */
public record UserExamples(String userId, List<Example> examples) {
  public UserExamples {
    if (userId == null) {
      throw new IllegalArgumentException("userExamples.userId must not be null");
    }
    if (examples == null || examples.isEmpty()) {
      throw new IllegalArgumentException("userExamples.examples of user " + userId + " is empty");
    }
    examples = List.copyOf(examples);
  }
}

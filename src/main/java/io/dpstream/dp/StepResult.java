package io.dpstream.dp;

/**
 * What one step did. {@code step}, {@code learningRate} are public; the other fields depend on the
 * sampled users' data and are NOT differentially private: for operators (metrics on privileged
 * endpoints), never for published outputs.
 *
 * @param step 1-based index of the step just taken (equals stepsTaken() afterwards)
 * @param learningRate learning rate used
 * @param users sampled users in the step (not DP)
 * @param examples records in the step (not DP)
 * @param clippedFraction share of users whose gradient norm exceeded C (not DP)
 * @param meanLoss mean over users of their weighted mean record loss, before the update (not DP;
 *     NaN for an empty step)
 */
public record StepResult(
    long step, double learningRate, int users, int examples, double clippedFraction, double meanLoss) {}

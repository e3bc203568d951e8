package io.dpstream.stream;

import io.dpstream.avro.PrivacyMetrics;
import io.dpstream.dp.StepResult;

/**
 * What the trainer did in one step, for progress lines and tests. Everything but {@code step},
 * {@code gateStep} and {@code snapshotVersion} is privileged (not DP).
 *
 * @param step DP-SGD steps taken, this one included
 * @param gateStep the gate step trained on
 * @param complete whether every gate partition's part arrived in time
 * @param metrics the privacy-metrics record published for the step
 * @param result the dp engine's report
 * @param snapshotVersion the newest snapshot version published, 0 before the first
 */
public record TrainedStep(
    long step,
    long gateStep,
    boolean complete,
    PrivacyMetrics metrics,
    StepResult result,
    long snapshotVersion) {}

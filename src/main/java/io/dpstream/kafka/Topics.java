package io.dpstream.kafka;

import java.util.List;

/**
 * Every topic dpstream reads or writes, in one place. Names are defaults; a deployment may prefix
 * them (see {@link #withPrefix}). Privileged topics (not DP outputs: the ledger, alerts, the raw
 * records and contributions) must be protected with ACLs; only {@link #MODEL_SNAPSHOTS} is a DP
 * output.
 */
public final class Topics {
  public static final String TRAINING_RECORDS = "training-records";
  public static final String TRAINING_RECORDS_DLQ = "training-records-dlq";
  public static final String STEP_CONTRIBUTIONS = "step-contributions";
  public static final String PRIVACY_LEDGER = "privacy-ledger";
  public static final String BUDGET_ALERTS = "budget-alerts";
  public static final String MODEL_SNAPSHOTS = "model-snapshots";
  public static final String PRIVACY_METRICS = "privacy-metrics";
  public static final String TRAINER_CHECKPOINTS = "trainer-checkpoints";

  /** Topics whose latest value per key is all that matters: compacted. */
  public static final List<String> COMPACTED =
      List.of(PRIVACY_LEDGER, MODEL_SNAPSHOTS, TRAINER_CHECKPOINTS);

  public static final List<String> ALL =
      List.of(
          TRAINING_RECORDS,
          TRAINING_RECORDS_DLQ,
          STEP_CONTRIBUTIONS,
          PRIVACY_LEDGER,
          BUDGET_ALERTS,
          MODEL_SNAPSHOTS,
          PRIVACY_METRICS,
          TRAINER_CHECKPOINTS);

  private Topics() {}
}

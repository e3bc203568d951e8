package io.dpstream.snapshot;

import io.dpstream.privacy.AccountantKind;
import java.time.Instant;
import java.util.Random;

/** Snapshots for tests: random parameters from a seed, a fixed privacy statement. */
final class TestSnapshots {
  static final PrivacyStatement PRIVACY =
      new PrivacyStatement(4.0, 1e-5, AccountantKind.PLD, 1.1, 0.01, 1.0, 250);

  private TestSnapshots() {}

  static ModelSnapshot snapshot(String modelId, long version, int parameterBytes) {
    byte[] params = new byte[parameterBytes];
    new Random(version * 31 + parameterBytes).nextBytes(params);
    return ModelSnapshot.of(
        modelId,
        version,
        version * 10,
        Instant.ofEpochMilli(1_700_000_000_000L + version),
        "mlp:784-1000-10",
        params,
        PRIVACY);
  }
}

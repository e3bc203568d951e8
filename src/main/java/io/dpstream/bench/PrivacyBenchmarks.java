package io.dpstream.bench;

import io.dpstream.privacy.AccountantKind;
import io.dpstream.privacy.BudgetPolicy;
import io.dpstream.privacy.BudgetPolicyConfig;
import io.dpstream.privacy.Calibration;
import io.dpstream.privacy.PldAccountant;
import io.dpstream.privacy.RdpAccountant;
import io.dpstream.privacy.UserLedger;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The privacy package's cost, each beside a baseline measured in the same run ({@code dpstream
 * bench privacy} prints the ratios): PLD ε for 100,000 steps (baseline: RDP ε of the same
 * schedule), noise and step-cap calibration under PLD (baseline: the same under RDP), and a
 * ledger admission check plus charge (baseline: allocating a bare two-field ledger).
 */
public class PrivacyBenchmarks {

  /** q = 0.001, σ = 0.8, 100,000 steps, δ = 1e-5: many users, a long stream (ε ≈ 2.6). */
  static final double Q = 0.001;
  static final double SIGMA = 0.8;
  static final long STEPS = 100_000;
  static final double DELTA = 1e-5;

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 2, time = 2)
  @Measurement(iterations = 3, time = 3)
  @Fork(1)
  public double pldEpsilon100kSteps() {
    return new PldAccountant().epsilon(Q, SIGMA, STEPS, DELTA);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 2, time = 2)
  @Measurement(iterations = 3, time = 3)
  @Fork(1)
  public double rdpEpsilon100kStepsBaseline() {
    return new RdpAccountant().epsilon(Q, SIGMA, STEPS, DELTA);
  }

  /** The Opacus setting: σ for ε = 8 at δ = 1e-5, q = 0.04, 2250 steps. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 1, time = 5)
  @Measurement(iterations = 3, time = 5)
  @Fork(1)
  public double pldCalibrateNoise() {
    return Calibration.noiseMultiplier(AccountantKind.PLD, 8, DELTA, 0.04, 2250).noiseMultiplier();
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 1, time = 2)
  @Measurement(iterations = 3, time = 2)
  @Fork(1)
  public double rdpCalibrateNoiseBaseline() {
    return Calibration.noiseMultiplier(AccountantKind.RDP, 8, DELTA, 0.04, 2250).noiseMultiplier();
  }

  /** The step cap for ε = 2 at δ = 1e-5, q = 0.001, σ = 0.8 (about 80,000 steps). */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 1, time = 5)
  @Measurement(iterations = 3, time = 5)
  @Fork(1)
  public long pldCalibrateMaxSteps() {
    return Calibration.maxSteps(AccountantKind.PLD, 2, DELTA, Q, SIGMA).maxSteps();
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 1, time = 2)
  @Measurement(iterations = 3, time = 2)
  @Fork(1)
  public long rdpCalibrateMaxStepsBaseline() {
    return Calibration.maxSteps(AccountantKind.RDP, 2, DELTA, Q, SIGMA).maxSteps();
  }

  /** A policy and a user half-way to its cap, as the gate holds them. */
  @State(Scope.Thread)
  public static class Ledgers {
    BudgetPolicy policy;
    UserLedger ledger;

    @Setup
    public void setUp() {
      policy = BudgetPolicy.create(new BudgetPolicyConfig(8, DELTA, 0.01, 1.0, AccountantKind.PLD));
      UserLedger l = UserLedger.EMPTY;
      for (long i = 0; i < policy.maxSteps() / 2; i++) l = policy.charge(l);
      ledger = l;
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @Warmup(iterations = 2, time = 1)
  @Measurement(iterations = 5, time = 1)
  @Fork(1)
  public UserLedger ledgerCheckAndCharge(Ledgers s) {
    return s.policy.mayTakeStep(s.ledger) ? s.policy.charge(s.ledger) : s.ledger;
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @Warmup(iterations = 2, time = 1)
  @Measurement(iterations = 5, time = 1)
  @Fork(1)
  public UserLedger ledgerAllocationBaseline(Ledgers s) {
    return new UserLedger(s.ledger.steps() + 1, s.ledger.epsilon());
  }
}

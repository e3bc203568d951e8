package io.dpstream.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BudgetPolicyTest {

  private static final BudgetPolicyConfig RDP_CONFIG =
      new BudgetPolicyConfig(2.0, 1e-5, 0.01, 1.0, AccountantKind.RDP);

  /** The cap is the accountant's largest step count at (ε_cap, δ/2), and charging walks up to it. */
  @Test
  void capIsTheAccountantsAtHalfDelta() {
    BudgetPolicy policy = BudgetPolicy.create(RDP_CONFIG);
    long cap = Calibration.maxSteps(AccountantKind.RDP, 2.0, 0.5e-5, 0.01, 1.0).maxSteps();
    assertEquals(cap, policy.maxSteps());
    RdpAccountant rdp = new RdpAccountant();
    assertTrue(rdp.epsilon(0.01, 1.0, cap, 0.5e-5) <= 2.0);
    assertTrue(rdp.epsilon(0.01, 1.0, cap + 1, 0.5e-5) > 2.0);

    UserLedger ledger = UserLedger.EMPTY;
    double prev = 0;
    for (long i = 0; i < cap; i++) {
      assertTrue(policy.mayTakeStep(ledger));
      ledger = policy.charge(ledger);
      assertTrue(ledger.epsilon() >= prev && ledger.epsilon() <= 2.0);
      // the ledger's ε bounds the true ε of its step count
      if (i % 97 == 0) assertTrue(ledger.epsilon() >= rdp.epsilon(0.01, 1.0, i + 1, 0.5e-5) - 1e-12);
      prev = ledger.epsilon();
    }
    assertEquals(cap, ledger.steps());
    assertEquals(policy.regime(), ledger.regime());
    assertFalse(policy.mayTakeStep(ledger));
    UserLedger full = ledger;
    assertThrows(IllegalStateException.class, () -> policy.charge(full));
    assertSame(policy, BudgetPolicy.create(RDP_CONFIG)); // cached
  }

  /** The ledger's RDP is the sum of its steps' RDP at the filter's orders. */
  @Test
  void ledgerAccumulatesRdp() {
    BudgetPolicy policy = BudgetPolicy.withStepCap(RDP_CONFIG, 10);
    UserLedger ledger = UserLedger.EMPTY;
    for (int i = 0; i < 5; i++) ledger = policy.charge(ledger);
    double[] one = RenyiFilter.stepRdp(0.01, 1.0);
    for (int k = 0; k < one.length; k++) assertEquals(5 * one[k], ledger.rdp()[k], 1e-15);
  }

  /**
   * Regime change: a user charged a quarter of the cap under (q=0.01, σ=1) meets a policy with
   * (q=0.02, σ=1.5), both at ε_cap = 8. The
   * filter decides on the whole history, the ledger turns mixed, and the user stops exactly
   * where the RDP accumulated over both regimes would leave every order's budget. Soundness is
   * checked against the non-adaptive accountant: the RDP ε of the actual schedule stays within
   * ε_cap at δ/2 (the filter's union bound only makes it stricter).
   */
  @Test
  void regimeChangeIsFilteredOnTheWholeHistory() {
    BudgetPolicy first = BudgetPolicy.create(
        new BudgetPolicyConfig(8.0, 1e-5, 0.01, 1.0, AccountantKind.RDP));
    BudgetPolicy second = BudgetPolicy.create(
        new BudgetPolicyConfig(8.0, 1e-5, 0.02, 1.5, AccountantKind.RDP));

    UserLedger ledger = UserLedger.EMPTY;
    long firstSteps = first.maxSteps() / 4;
    for (long i = 0; i < firstSteps; i++) ledger = first.charge(ledger);

    long secondSteps = 0;
    while (second.mayTakeStep(ledger)) {
      ledger = second.charge(ledger);
      secondSteps++;
      assertEquals(BudgetPolicy.MIXED_REGIME, ledger.regime());
      assertTrue(ledger.epsilon() <= 8.0, "filter epsilon " + ledger.epsilon());
    }
    assertTrue(secondSteps > 0, "the user had budget left");
    // fewer than a fresh user would get under the second policy
    assertTrue(secondSteps < second.maxSteps(), secondSteps + " vs " + second.maxSteps());
    double actual = new RdpAccountant().epsilon(List.of(
        new GaussianSteps(0.01, 1.0, firstSteps), new GaussianSteps(0.02, 1.5, secondSteps)),
        0.5e-5);
    assertTrue(actual <= 8.0, "schedule epsilon " + actual);
    // the filter's own check: some order stays within budget, none after one more step
    RenyiFilter filter = new RenyiFilter(8.0, 0.5e-5);
    assertTrue(filter.epsilon(ledger.rdp()) <= 8.0);
    assertFalse(filter.admits(ledger.rdp(), RenyiFilter.stepRdp(0.02, 1.5)));
    // once mixed, always mixed: the first policy also asks the filter now, and refuses
    assertFalse(first.mayTakeStep(ledger));
  }

  /** The filter's budgets are the Balle et al. conversion inverted at δ/|Λ|. */
  @Test
  void filterBudgetsInvertTheConversion() {
    RenyiFilter filter = new RenyiFilter(3.0, 1e-6);
    double[] b = filter.budgets();
    for (int k = 0; k < b.length; k++) {
      double alpha = RenyiFilter.ORDERS.get(k);
      double eps = RdpAccountant.conversionAt(alpha, b[k], 1e-6 / RenyiFilter.ORDERS.size());
      if (b[k] > 0) assertEquals(3.0, eps, 1e-12);
    }
  }

  /** A ledger whose history is unknown (no RDP) is refused by a policy of another regime. */
  @Test
  void unknownHistoryInAnotherRegimeIsRefused() {
    BudgetPolicy policy = BudgetPolicy.withStepCap(RDP_CONFIG, 100);
    UserLedger legacy = new UserLedger(3, 0.1);
    assertTrue(policy.mayTakeStep(legacy)); // taken as this policy's regime
    assertEquals(4, policy.charge(legacy).steps());
    UserLedger foreign = new UserLedger(3, 0.1, BudgetPolicy.regimeId(0.5, 3.0), new double[0]);
    assertFalse(policy.mayTakeStep(foreign));
  }

  /** PLD policies: a larger cap than RDP's for the same settings, and the ledger ε stays below the cap. */
  @Test
  void pldPolicyAllowsMoreStepsThanRdp() {
    BudgetPolicy pld = BudgetPolicy.create(
        new BudgetPolicyConfig(1.0, 1e-5, 0.001, 1.0, AccountantKind.PLD));
    BudgetPolicy rdp = BudgetPolicy.create(
        new BudgetPolicyConfig(1.0, 1e-5, 0.001, 1.0, AccountantKind.RDP));
    assertTrue(pld.maxSteps() > rdp.maxSteps(), pld.maxSteps() + " vs " + rdp.maxSteps());
    assertTrue(pld.epsilonAfter(pld.maxSteps()) <= 1.0);
    assertTrue(pld.epsilonAfter(1) > 0);
    assertTrue(pld.epsilonAfter(pld.maxSteps() / 2) <= pld.epsilonAfter(pld.maxSteps()));
  }
}

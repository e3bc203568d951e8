package io.dpstream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.privacy.AccountantKind;
import io.dpstream.privacy.BudgetPolicy;
import io.dpstream.privacy.BudgetPolicyConfig;
import io.dpstream.privacy.UserLedger;
import io.dpstream.privacy.UserLedgerCodec;
import org.junit.jupiter.api.Test;

class EpsilonScheduleTest {
  private static final BudgetPolicyConfig CONFIG =
      new BudgetPolicyConfig(1.0, 1e-5, 0.01, 1.0, AccountantKind.RDP);

  @Test
  void canonicalLedgersAreTheEmptyLedgerChargedByThePolicyBytesIncluded() {
    BudgetPolicy policy = BudgetPolicy.withStepCap(CONFIG, 40);
    EpsilonSchedule schedule = new EpsilonSchedule(policy, 0.8);
    UserLedger l = UserLedger.EMPTY;
    for (int n = 0; n <= 40; n++) {
      EpsilonSchedule.CanonicalLedger c = schedule.canonicalAfter(n);
      assertEquals(l, c.ledger(), "after " + n);
      assertEquals(UserLedgerCodec.toAvro(l), c.state());
      assertArrayEquals(UserLedgerCodec.encode(l), c.stored());
      assertTrue(c.isStoredAs(UserLedgerCodec.encode(l)));
      assertEquals(n < 40, policy.mayTakeStep(c.ledger()));
      if (n < 40) l = policy.charge(l);
    }
    // Another ledger with the same step count is not canonical.
    UserLedger sameSteps = new UserLedger(3, schedule.epsilonAfter(3));
    assertFalse(schedule.canonicalAfter(3).isStoredAs(UserLedgerCodec.encode(sameSteps)));
  }

  @Test
  void capsAboveTheBoundKeepNoCanonicalLedgers() {
    EpsilonSchedule schedule =
        new EpsilonSchedule(BudgetPolicy.withStepCap(CONFIG, EpsilonSchedule.MAX_CANONICAL + 1), 0.8);
    assertNull(schedule.canonicalAfter(0));
    assertNull(schedule.canonicalAfter(EpsilonSchedule.MAX_CANONICAL + 1));
  }
}

package io.dpstream.stream;

import io.dpstream.avro.UserLedgerState;
import io.dpstream.privacy.BudgetPolicy;
import io.dpstream.privacy.UserLedger;
import io.dpstream.privacy.UserLedgerCodec;
import java.util.Arrays;

/**
 * ε after each number of steps under one fixed {@link BudgetPolicy}, computed once by charging an
 * empty ledger step by step (the policy's own arithmetic, nothing re-derived here), so that the gate
 * can state a pooled user's ε and detect thresholds without touching their stored ledger.
 *
 * <p>For caps up to {@link #MAX_CANONICAL} steps it also keeps those ledgers themselves, with their
 * stored bytes: the <em>canonical</em> ledger after n steps, the one every user charged only under
 * this policy has (charging is deterministic, so a user's ledger after n steps of one regime is the
 * same value, bit for bit, whoever they are). The gate recognises a stored canonical ledger by
 * comparing bytes, and then writes the canonical ledger n + k steps later without decoding,
 * charging or encoding anything: the result is the one {@code k} calls of {@link
 * BudgetPolicy#charge} would give, since that is how the table was built. Any other stored ledger
 * (charged under another regime, or written by an older encoding) takes the general path.
 *
 * <p>Immutable; shared by the tasks of every stream thread.
 */
final class EpsilonSchedule {
  /** Policies with larger step caps would need a different representation. */
  static final long MAX_TABLE = 50_000_000;

  /**
   * Caps up to this keep their canonical ledgers (about 800 bytes of heap per step: ledger, Avro
   * form and bytes); above it the gate always takes the general path.
   */
  static final long MAX_CANONICAL = 8192;

  /** One canonical ledger: the value, its Avro form and its stored (single-object) bytes. */
  record CanonicalLedger(UserLedger ledger, UserLedgerState state, byte[] stored) {
    /** Whether {@code bytes} (a stored ledger) are this ledger's stored bytes. */
    boolean isStoredAs(byte[] bytes) {
      return Arrays.equals(stored, bytes);
    }
  }

  private final double[] epsilon;
  private final long warningSteps;
  /** canonical[n]: the ledger after n steps, n ≤ the cap; null when the cap exceeds MAX_CANONICAL. */
  private final CanonicalLedger[] canonical;

  EpsilonSchedule(BudgetPolicy policy, double warningEpsilon) {
    long max = policy.maxSteps();
    if (max > MAX_TABLE)
      throw new IllegalArgumentException(
          "the budget allows " + max + " steps per user; the gate supports at most " + MAX_TABLE);
    epsilon = new double[(int) max + 1];
    canonical = max <= MAX_CANONICAL ? new CanonicalLedger[(int) max + 1] : null;
    UserLedger l = UserLedger.EMPTY;
    if (canonical != null) canonical[0] = canonical(l);
    long warn = Long.MAX_VALUE;
    for (int s = 1; s <= max; s++) {
      l = policy.charge(l);
      epsilon[s] = l.epsilon();
      if (canonical != null) canonical[s] = canonical(l);
      if (warn == Long.MAX_VALUE && l.epsilon() >= warningEpsilon) warn = s;
    }
    this.warningSteps = warn;
  }

  private static CanonicalLedger canonical(UserLedger l) {
    UserLedgerState state = UserLedgerCodec.toAvro(l);
    return new CanonicalLedger(l, state, UserLedgerCodec.encode(l));
  }

  /**
   * The canonical ledger after {@code steps} steps (0 ≤ steps ≤ the cap): {@link UserLedger#EMPTY}
   * charged {@code steps} times by the policy; null when this schedule keeps none (cap above
   * {@link #MAX_CANONICAL}).
   */
  CanonicalLedger canonicalAfter(long steps) {
    return canonical == null ? null : canonical[(int) steps];
  }

  /** ε after {@code steps} steps, for 0 ≤ steps ≤ the policy's cap. */
  double epsilonAfter(long steps) {
    return epsilon[(int) steps];
  }

  /** The step count at which ε first reaches the warning level (Long.MAX_VALUE if never). */
  long warningSteps() {
    return warningSteps;
  }

  /** The policy's cap in steps. */
  long maxSteps() {
    return epsilon.length - 1;
  }
}

package io.dpstream.privacy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class UserLedgerCodecTest {

  @Test
  void roundTripsEveryField() {
    double[] rdp = new double[RenyiFilter.ORDERS.size()];
    for (int k = 0; k < rdp.length; k++) rdp[k] = 0.001 * (k + 1);
    UserLedger ledger = new UserLedger(42, 1.25, BudgetPolicy.regimeId(0.01, 1.1), rdp);
    UserLedger back = UserLedgerCodec.decode(UserLedgerCodec.encode(ledger));
    assertEquals(ledger, back);
    assertArrayEquals(rdp, back.rdp());
    assertEquals(UserLedger.EMPTY, UserLedgerCodec.decode(UserLedgerCodec.encode(UserLedger.EMPTY)));
  }

  @Test
  void ledgerIsImmutable() {
    double[] rdp = new double[RenyiFilter.ORDERS.size()];
    UserLedger ledger = new UserLedger(1, 0.1, "r", rdp);
    rdp[0] = 9;
    ledger.rdp()[1] = 9;
    assertEquals(0, ledger.rdp()[0]);
    assertEquals(0, ledger.rdp()[1]);
  }

  @Test
  void rejectsGarbageAndBadValues() {
    assertThrows(IllegalArgumentException.class, () -> UserLedgerCodec.decode(new byte[] {1, 2, 3}));
    assertThrows(IllegalArgumentException.class, () -> new UserLedger(-1, 0));
    assertThrows(IllegalArgumentException.class, () -> new UserLedger(1, -0.5));
    assertThrows(IllegalArgumentException.class, () -> new UserLedger(1, 0.5, "", new double[3]));
  }
}

package io.dpstream.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;

class LogSpaceTest {

  /** The fast log erfc against commons-math's erfc wherever the latter does not underflow. */
  @Test
  void logErfcMatchesCommonsMath() {
    for (double x = -6; x < 26; x += 0.0137) {
      double want = Math.log(Erf.erfc(x));
      assertEquals(want, LogSpace.logErfc(x), 1e-13 * Math.max(1, Math.abs(want)), "x = " + x);
    }
  }

  /** Far tail: log erfc(x) ~ −x² − log(x√π) (A&S 7.1.23), continuous across the 20 switch. */
  @Test
  void logErfcFarTail() {
    assertEquals(-1e4 - Math.log(100 * Math.sqrt(Math.PI)) + Math.log1p(-1.0 / 2e4),
        LogSpace.logErfc(100), 1e-8);
    assertEquals(LogSpace.logErfc(19.999999), LogSpace.logErfc(20.000001), 1e-4);
  }

  @Test
  void addAndSubInvertEachOther() {
    double a = Math.log(3e-300);
    double b = Math.log(1e-300);
    assertEquals(Math.log(4e-300), LogSpace.add(a, b), 1e-12);
    assertEquals(Math.log(2e-300), LogSpace.sub(a, b), 1e-12);
    assertEquals(Double.NEGATIVE_INFINITY, LogSpace.sub(a, a));
    assertEquals(800 + Math.log1p(Math.exp(-800)), LogSpace.log1pExp(800), 0);
  }
}

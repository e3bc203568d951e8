package io.dpstream.stream;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.distribution.BinomialDistribution;
import org.apache.commons.math3.stat.inference.ChiSquareTest;

/**
 * Pearson's chi-square goodness-of-fit of observed counts against Binomial(n, q), with adjacent
 * outcomes merged until every bin expects at least 5 observations (the usual validity rule).
 */
final class BinomialFit {
  private BinomialFit() {}

  static double pValue(int n, double q, int[] observations) {
    BinomialDistribution b = new BinomialDistribution(null, n, q);
    long[] observedPerOutcome = new long[n + 1];
    for (int x : observations) observedPerOutcome[x]++;
    int total = observations.length;
    List<Double> expected = new ArrayList<>();
    List<Long> observed = new ArrayList<>();
    double e = 0;
    long o = 0;
    for (int k = 0; k <= n; k++) {
      e += total * b.probability(k);
      o += observedPerOutcome[k];
      if (e >= 5 && total * (1 - b.cumulativeProbability(k)) >= 5) {
        expected.add(e);
        observed.add(o);
        e = 0;
        o = 0;
      }
    }
    // The upper tail joins the last bin.
    int last = expected.size() - 1;
    expected.set(last, expected.get(last) + e);
    observed.set(last, observed.get(last) + o);
    if (expected.size() < 3) throw new IllegalArgumentException("too few observations for a fit");
    return new ChiSquareTest()
        .chiSquareTest(
            expected.stream().mapToDouble(Double::doubleValue).toArray(),
            observed.stream().mapToLong(Long::longValue).toArray());
  }
}

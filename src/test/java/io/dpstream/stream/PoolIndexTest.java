package io.dpstream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolIndexTest {
  @Test
  void addIndexesAUserOnceWithTheirPoolsNumbersAndIteratesInThePoolStoresKeyOrder() {
    PoolIndex index = new PoolIndex();
    byte[] pool =
        UserPool.append(UserPool.append(null, 3, 7, 11, 5_000, new byte[] {1}, 4), 0, 0, 12, 6_000, new byte[] {2}, 4);
    index.add(PoolIndex.key("\uD83D\uDE00"), pool);
    index.add(PoolIndex.key("\uFFFD"), pool);
    index.add(PoolIndex.key("b"), pool);
    PoolIndex.Entry e = index.get(PoolIndex.key("b"));
    assertEquals(3, e.baseSteps);
    assertEquals(7, e.asOf);
    assertEquals(11, e.oldestStep);
    assertEquals(5_000, e.oldestMillis);
    assertThrows(IllegalStateException.class, () -> index.add(PoolIndex.key("b"), pool));
    e.refresh(UserPool.expire(UserPool.withBase(pool, 4, 9), 13, 2, 0, 0));
    assertEquals(4, e.baseSteps);
    assertEquals(9, e.asOf);
    assertEquals(12, e.oldestStep);
    assertEquals(6_000, e.oldestMillis);
    List<String> order = new ArrayList<>();
    index.iterator().forEachRemaining(x -> order.add(PoolIndex.userId(x.getKey())));
    // The pool store's order (unsigned UTF-8 bytes), not String.compareTo's: U+FFFD sorts after
    // U+1F600 in UTF-16 but before it in UTF-8.
    assertEquals(List.of("b", "\uFFFD", "\uD83D\uDE00"), order);
    assertTrue("\uFFFD".compareTo("\uD83D\uDE00") > 0);
    var it = index.iterator();
    it.next();
    it.remove();
    assertEquals(2, index.size());
    assertEquals(null, index.get(PoolIndex.key("b")));
  }
}

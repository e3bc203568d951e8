package io.dpstream.snapshot;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Holds the newest loaded model and lends it to requests. A replaced model is closed when the
 * last request using it returns, never under a running prediction (reference counting).
 */
final class ModelSlot implements AutoCloseable {

  /** A loaded model with its snapshot; counts the slot's reference plus each request's. */
  static final class Loaded {
    final ModelSnapshot snapshot;
    final ModelRunner runner;
    private final AtomicInteger refs = new AtomicInteger(1);

    Loaded(ModelSnapshot snapshot, ModelRunner runner) {
      this.snapshot = snapshot;
      this.runner = runner;
    }

    private boolean acquire() {
      while (true) {
        int r = refs.get();
        if (r == 0) return false;
        if (refs.compareAndSet(r, r + 1)) return true;
      }
    }

    private void release() {
      if (refs.decrementAndGet() == 0) runner.close();
    }
  }

  private final AtomicReference<Loaded> current = new AtomicReference<>();

  /** Installs a newly loaded model; the replaced one closes after its last request. */
  void replace(ModelSnapshot snapshot, ModelRunner runner) {
    Loaded old = current.getAndSet(new Loaded(snapshot, runner));
    if (old != null) old.release();
  }

  /** The snapshot of the model currently held. */
  Optional<ModelSnapshot> snapshot() {
    Loaded l = current.get();
    return l == null ? Optional.empty() : Optional.of(l.snapshot);
  }

  /**
   * Runs {@code use} with the current model, keeping it open until {@code use} returns.
   *
   * @return empty if no model is loaded
   */
  <T> Optional<T> withModel(Function<Loaded, T> use) {
    while (true) {
      Loaded l = current.get();
      if (l == null) return Optional.empty();
      if (!l.acquire()) continue; // replaced and closed meanwhile: take the newer one
      try {
        return Optional.ofNullable(use.apply(l));
      } finally {
        l.release();
      }
    }
  }

  @Override
  public void close() {
    Loaded old = current.getAndSet(null);
    if (old != null) old.release();
  }
}

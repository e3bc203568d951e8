package io.dpstream.snapshot;

import java.util.Locale;

/**
 * What a {@link SnapshotServer} reports as it runs: one call per answered request, one per request
 * it refused and why, the rows it predicted, and each snapshot it loaded or failed to load. The
 * Prometheus implementation ({@code io.dpstream.metrics.PrometheusServingObserver}) turns these
 * into counters, gauges and histograms; keeping the interface here leaves the snapshot package free
 * of any metrics library. Implementations must be thread-safe (requests run on several threads),
 * cheap (they are on the request path) and must not throw.
 */
public interface ServingObserver {

  /** Why a request got no predictions: a small fixed set, so that labels stay bounded. */
  enum Rejection {
    /** 400: the body is not JSON, not {@code {"rows": [...]}}, or has a bad Content-Length. */
    MALFORMED,
    /** 400: a row the model refuses (wrong feature count, categorical id out of range, ...). */
    INVALID_ROW,
    /** 413: the body is larger than the server's limit. */
    BODY_TOO_LARGE,
    /** 413: more rows than the server's limit. */
    TOO_MANY_ROWS,
    /** 503: no snapshot is loaded yet. */
    NO_SNAPSHOT,
    /** 405: a method the endpoint does not accept. */
    METHOD_NOT_ALLOWED,
    /** 404: no such endpoint. */
    NOT_FOUND;

    /** The label value: the constant's name in lower case, e.g. {@code too_many_rows}. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A request was answered.
   *
   * @param endpoint {@code predict}, {@code health}, {@code snapshot} or {@code other} (any path
   *     the server does not serve), never the raw path, so that labels stay bounded
   * @param status the HTTP status sent, 100..599
   * @param seconds wall time from the request's arrival to the end of its answer, &gt;= 0
   */
  void requestAnswered(String endpoint, int status, double seconds);

  /** A request was refused for {@code reason}; also counted by {@link #requestAnswered}. */
  void requestRejected(Rejection reason);

  /** A {@code /predict} request answered 200 with {@code rows} predictions, &gt;= 1. */
  void rowsPredicted(int rows);

  /** {@code snapshot} was loaded and is served from now on. */
  void snapshotLoaded(ModelSnapshot snapshot);

  /** {@code snapshot} could not be loaded; the previous model, if any, keeps serving. */
  void snapshotLoadFailed(ModelSnapshot snapshot);

  /** An observer that ignores everything. */
  ServingObserver NONE =
      new ServingObserver() {
        @Override
        public void requestAnswered(String endpoint, int status, double seconds) {}

        @Override
        public void requestRejected(Rejection reason) {}

        @Override
        public void rowsPredicted(int rows) {}

        @Override
        public void snapshotLoaded(ModelSnapshot snapshot) {}

        @Override
        public void snapshotLoadFailed(ModelSnapshot snapshot) {}
      };
}

package io.dpstream.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP JSON predictions from the newest snapshot ({@code dpstream serve}). Feed it snapshots with
 * {@link #load} (e.g. as a {@link SnapshotFollower} listener); it builds each one's model with a
 * {@link SnapshotPredictor} off the request path and swaps it in.
 *
 * <p>Endpoints (every answer is JSON and, once a model is loaded, carries {@code "snapshot"}: the
 * model id, version, step, time, spec, parameter SHA-256 and privacy statement of the model that
 * answered, also in the header {@code Dpstream-Snapshot-Version}):
 *
 * <ul>
 *   <li>{@code POST /predict} with {@code {"rows": [{"features": [...], "categoricalIds":
 *       [...]}, ...]}} → 200 {@code {"snapshot": {...}, "predictions": [{"label": k,
 *       "probabilities": [...]} | {"value": v}, ...]}}; 400 for a malformed body or a row the
 *       model refuses, 413 for a body over {@code maxBodyBytes} or more than {@code maxRows} rows,
 *       503 before the first snapshot;
 *   <li>{@code GET /health} → 200 {@code {"status": "serving", ...}} once a model is loaded, else
 *       503 {@code {"status": "waiting for a snapshot"}};
 *   <li>{@code GET /snapshot} → the snapshot description, 503 before the first.
 * </ul>
 *
 * Wrong methods get 405, unknown paths 404, a failure of the model itself 500. Errors are {@code
 * {"error": "..."}}.
 *
 * <p>A {@link ServingObserver} hears of every answered request (endpoint, status, latency), every
 * refused one and why, the rows predicted, and every snapshot loaded or failed to load.
 */
public final class SnapshotServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SnapshotServer.class);
  /** Strict: a body holding anything after its JSON value is malformed, not silently cut. */
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  static final String VERSION_HEADER = "Dpstream-Snapshot-Version";
  /** Most bytes of an oversized body read (and discarded) so that its 413 answer arrives. */
  static final long DRAIN_BYTES = 64L << 20;

  /**
   * Limits of the server.
   *
   * @param maxBodyBytes largest request body accepted, in bytes, at least 1
   * @param maxRows most rows per request, at least 1
   * @param threads request threads, at least 1
   */
  public record Limits(int maxBodyBytes, int maxRows, int threads) {
    public Limits {
      if (maxBodyBytes < 1) throw new IllegalArgumentException("maxBodyBytes must be at least 1");
      if (maxRows < 1) throw new IllegalArgumentException("maxRows must be at least 1");
      if (threads < 1) throw new IllegalArgumentException("threads must be at least 1");
    }

    /** 1 MiB bodies, 10 000 rows, 4 threads. */
    public static Limits defaults() {
      return new Limits(1 << 20, 10_000, 4);
    }
  }

  private final SnapshotPredictor predictor;
  private final Limits limits;
  private final ServingObserver observer;
  private final ModelSlot slot = new ModelSlot();
  private final HttpServer http;
  private final ExecutorService executor;
  private volatile String lastLoadError;
  private volatile boolean closed;

  /**
   * Binds the server (port 0 picks a free one) and starts answering.
   *
   * @param predictor builds models from snapshots; null to pick one per snapshot with {@link
   *     SnapshotPredictor#forSpec}
   */
  public SnapshotServer(InetSocketAddress address, SnapshotPredictor predictor, Limits limits)
      throws IOException {
    this(address, predictor, limits, ServingObserver.NONE);
  }

  /**
   * As {@link #SnapshotServer(InetSocketAddress, SnapshotPredictor, Limits)}, reporting requests
   * and loads to {@code observer}.
   */
  public SnapshotServer(InetSocketAddress address, SnapshotPredictor predictor, Limits limits,
      ServingObserver observer) throws IOException {
    this.predictor = predictor;
    this.limits = Objects.requireNonNull(limits, "limits");
    this.observer = Objects.requireNonNull(observer, "observer");
    AtomicInteger n = new AtomicInteger();
    this.executor = Executors.newFixedThreadPool(limits.threads(), r -> {
      Thread t = new Thread(r, "serve-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.http = HttpServer.create(address, 64);
    http.createContext("/", this::handle);
    http.setExecutor(executor);
    http.start();
    log.info("serving predictions on http://{}:{}/predict", address.getHostString(), port());
  }

  /** The port the server listens on. */
  public int port() {
    return http.getAddress().getPort();
  }

  /**
   * Builds the model of {@code snapshot} and serves it from now on. A failure is logged and
   * reported by {@code /health}; the previous model keeps serving. Snapshots at or below the
   * version served are ignored. Loads are serialised; requests keep being answered meanwhile.
   */
  public synchronized void load(ModelSnapshot snapshot) {
    Optional<ModelSnapshot> served = slot.snapshot();
    if (served.isPresent() && served.get().version() >= snapshot.version()) return;
    try {
      SnapshotPredictor p = predictor != null ? predictor
          : SnapshotPredictor.forSpec(snapshot.modelSpec());
      slot.replace(snapshot, p.load(snapshot));
      lastLoadError = null;
      log.info("serving model {} version {}", snapshot.modelId(), snapshot.version());
    } catch (RuntimeException e) {
      lastLoadError = "could not load version " + snapshot.version() + ": " + e.getMessage();
      log.error("could not load model {} version {}", snapshot.modelId(), snapshot.version(), e);
      observer.snapshotLoadFailed(snapshot);
      return;
    }
    observer.snapshotLoaded(snapshot);
  }

  /** Whether the server still answers requests: true from construction until {@link #close}. */
  public boolean running() {
    return !closed && !executor.isShutdown();
  }

  /** The snapshot whose model is being served. */
  public Optional<ModelSnapshot> served() {
    return slot.snapshot();
  }

  @Override
  public void close() {
    closed = true;
    http.stop(1);
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    slot.close();
  }

  private void handle(HttpExchange ex) throws IOException {
    long start = System.nanoTime();
    try {
      route(ex);
    } catch (RuntimeException e) {
      log.error("request {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
      if (ex.getResponseCode() == -1) {
        error(ex, 500, "internal error: " + e, slot.snapshot());
      }
    } finally {
      ex.close();
      // -1: no answer went out (the client left before it); nothing to count
      int status = ex.getResponseCode();
      if (status != -1) {
        observer.requestAnswered(endpointLabel(ex.getRequestURI().getPath()), status,
            (System.nanoTime() - start) / 1e9);
      }
    }
  }

  /** The endpoint a path names, for metrics: one of a fixed few, never the raw path. */
  static String endpointLabel(String path) {
    return switch (path) {
      case "/predict" -> "predict";
      case "/health" -> "health";
      case "/snapshot" -> "snapshot";
      default -> "other";
    };
  }

  private void route(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String method = ex.getRequestMethod();
    switch (path) {
      case "/predict" -> {
        if (!method.equals("POST")) methodNotAllowed(ex, "POST");
        else predict(ex);
      }
      case "/health" -> {
        if (!method.equals("GET") && !method.equals("HEAD")) methodNotAllowed(ex, "GET");
        else health(ex);
      }
      case "/snapshot" -> {
        if (!method.equals("GET") && !method.equals("HEAD")) methodNotAllowed(ex, "GET");
        else snapshot(ex);
      }
      default -> reject(ex, 404, ServingObserver.Rejection.NOT_FOUND, "no such endpoint " + path
          + " (endpoints: POST /predict, GET /health, GET /snapshot)", slot.snapshot());
    }
  }

  private void health(HttpExchange ex) throws IOException {
    Optional<ModelSnapshot> s = slot.snapshot();
    ObjectNode body = JSON.createObjectNode();
    body.put("status", s.isPresent() ? "serving" : "waiting for a snapshot");
    if (lastLoadError != null) body.put("lastLoadError", lastLoadError);
    send(ex, s.isPresent() ? 200 : 503, body, s);
  }

  private void snapshot(HttpExchange ex) throws IOException {
    Optional<ModelSnapshot> s = slot.snapshot();
    if (s.isEmpty()) {
      reject(ex, 503, ServingObserver.Rejection.NO_SNAPSHOT, "no snapshot loaded yet", s);
      return;
    }
    send(ex, 200, JSON.createObjectNode(), s);
  }

  private void predict(HttpExchange ex) throws IOException {
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      long declared;
      try {
        declared = Long.parseLong(length.trim());
      } catch (NumberFormatException e) {
        reject(ex, 400, ServingObserver.Rejection.MALFORMED,
            "bad Content-Length '" + length + "'", slot.snapshot());
        return;
      }
      if (declared > limits.maxBodyBytes()) {
        drain(ex.getRequestBody());
        tooLarge(ex);
        return;
      }
    }
    byte[] body = readAtMost(ex.getRequestBody(), limits.maxBodyBytes() + 1);
    if (body.length > limits.maxBodyBytes()) {
      drain(ex.getRequestBody());
      tooLarge(ex);
      return;
    }
    List<FeatureRow> rows;
    try {
      rows = parseRows(body);
    } catch (IllegalArgumentException e) {
      reject(ex, 400, ServingObserver.Rejection.MALFORMED, e.getMessage(), slot.snapshot());
      return;
    }
    if (rows.size() > limits.maxRows()) {
      reject(ex, 413, ServingObserver.Rejection.TOO_MANY_ROWS, rows.size() + " rows exceed the limit of " + limits.maxRows()
          + " per request", slot.snapshot());
      return;
    }
    List<float[]> features = new ArrayList<>(rows.size());
    List<int[]> ids = new ArrayList<>(rows.size());
    for (FeatureRow r : rows) {
      features.add(r.features());
      ids.add(r.categoricalIds());
    }
    Answer answer = slot.withModel(m -> {
      try {
        return new Answer(m.snapshot, m.runner.predict(features, ids), null);
      } catch (IllegalArgumentException e) {
        return new Answer(m.snapshot, null, e.getMessage());
      }
    }).orElse(null);
    if (answer == null) {
      reject(ex, 503, ServingObserver.Rejection.NO_SNAPSHOT, "no snapshot loaded yet"
          + (lastLoadError == null ? "" : " (" + lastLoadError + ")"), Optional.empty());
      return;
    }
    if (answer.error != null) {
      reject(ex, 400, ServingObserver.Rejection.INVALID_ROW, answer.error,
          Optional.of(answer.snapshot));
      return;
    }
    if (answer.predictions.size() != rows.size()) {
      error(ex, 500, "the model returned " + answer.predictions.size() + " predictions for "
          + rows.size() + " rows", Optional.of(answer.snapshot));
      return;
    }
    ObjectNode out = JSON.createObjectNode();
    ArrayNode preds = out.putArray("predictions");
    for (Prediction p : answer.predictions) preds.add(toJson(p));
    // counted before the answer goes out, so that a client that has its answer sees the count
    observer.rowsPredicted(rows.size());
    send(ex, 200, out, Optional.of(answer.snapshot));
  }

  private record Answer(ModelSnapshot snapshot, List<Prediction> predictions, String error) {}

  private List<FeatureRow> parseRows(byte[] body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException("unreadable body: " + e.getMessage());
    }
    if (root == null || !root.isObject() || !root.has("rows") || !root.get("rows").isArray()) {
      throw new IllegalArgumentException(
          "the body must be {\"rows\": [{\"features\": [...], \"categoricalIds\": [...]}, ...]}");
    }
    JsonNode rows = root.get("rows");
    if (rows.isEmpty()) throw new IllegalArgumentException("rows is empty");
    List<FeatureRow> out = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      out.add(FeatureRowParser.fromJson(rows.get(i), "rows[" + i + "]"));
    }
    return out;
  }

  /** JSON form of a prediction: {@code {"label", "probabilities"}} or {@code {"value"}}. */
  static ObjectNode toJson(Prediction p) {
    ObjectNode n = JSON.createObjectNode();
    if (p.label().isPresent()) {
      n.put("label", p.label().getAsInt());
      ArrayNode probs = n.putArray("probabilities");
      for (float f : p.probabilities()) probs.add(f);
    } else {
      n.put("value", p.value());
    }
    return n;
  }

  /** JSON description of a snapshot: identity, checksum and privacy statement. */
  static ObjectNode describe(ModelSnapshot s) {
    ObjectNode n = JSON.createObjectNode();
    n.put("modelId", s.modelId());
    n.put("version", s.version());
    n.put("step", s.step());
    n.put("time", s.time().toString());
    n.put("modelSpec", s.modelSpec());
    n.put("parametersSha256", s.parametersSha256());
    PrivacyStatement p = s.privacy();
    ObjectNode privacy = n.putObject("privacy");
    privacy.put("epsilonCap", p.epsilonCap());
    privacy.put("delta", p.delta());
    privacy.put("accountant", p.accountant().id());
    privacy.put("noiseMultiplier", p.noiseMultiplier());
    privacy.put("samplingRate", p.samplingRate());
    privacy.put("clipNorm", p.clipNorm());
    privacy.put("steps", p.steps());
    return n;
  }

  private void tooLarge(HttpExchange ex) throws IOException {
    reject(ex, 413, ServingObserver.Rejection.BODY_TOO_LARGE, "request body exceeds the limit of " + limits.maxBodyBytes() + " bytes",
        slot.snapshot());
  }

  private void methodNotAllowed(HttpExchange ex, String allowed) throws IOException {
    ex.getResponseHeaders().set("Allow", allowed);
    reject(ex, 405, ServingObserver.Rejection.METHOD_NOT_ALLOWED,
        "use " + allowed + " for " + ex.getRequestURI().getPath(), slot.snapshot());
  }

  private void reject(HttpExchange ex, int status, ServingObserver.Rejection reason,
      String message, Optional<ModelSnapshot> s) throws IOException {
    observer.requestRejected(reason);
    error(ex, status, message, s);
  }

  private static void error(HttpExchange ex, int status, String message,
      Optional<ModelSnapshot> s) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("error", message);
    send(ex, status, body, s);
  }

  private static void send(HttpExchange ex, int status, ObjectNode body,
      Optional<ModelSnapshot> s) throws IOException {
    if (s.isPresent()) {
      body.set("snapshot", describe(s.get()));
      ex.getResponseHeaders().set(VERSION_HEADER, Long.toString(s.get().version()));
    }
    byte[] bytes = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(bytes);
    }
  }

  private static byte[] readAtMost(InputStream in, int max) throws IOException {
    return in.readNBytes(max);
  }

  /**
   * Reads and discards up to {@link #DRAIN_BYTES} of an oversized body. Closing a connection with
   * unread input makes TCP reset it, which can destroy the 413 answer before the client reads it;
   * beyond the cap the connection is closed anyway.
   */
  private static void drain(InputStream in) throws IOException {
    byte[] sink = new byte[64 * 1024];
    long left = DRAIN_BYTES;
    int n;
    while (left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0) {
      left -= n;
    }
  }
}

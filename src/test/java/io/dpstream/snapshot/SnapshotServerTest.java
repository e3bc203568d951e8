package io.dpstream.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** serve's HTTP behaviour with a fake model: status codes, limits, snapshot fields in answers. */
class SnapshotServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client = HttpClient.newHttpClient();
  private SnapshotServer server;

  @BeforeEach
  void start() throws Exception {
    server = new SnapshotServer(new InetSocketAddress("127.0.0.1", 0), new FakeSnapshotPredictor(),
        new SnapshotServer.Limits(1000, 5, 4));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static ModelSnapshot snapshot(long version, String spec) {
    return ModelSnapshot.of("m", version, version * 100, Instant.ofEpochSecond(1_700_000_000),
        spec, new byte[] {1, 2, 3}, TestSnapshots.PRIVACY);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(uri(path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
    return JSON.readTree(r.body());
  }

  private static void assertCarriesSnapshot(HttpResponse<String> r, long version)
      throws Exception {
    JsonNode s = json(r).get("snapshot");
    assertEquals(version, s.get("version").asLong(), r.body());
    assertEquals("m", s.get("modelId").asText());
    assertEquals(version * 100, s.get("step").asLong());
    JsonNode p = s.get("privacy");
    assertEquals(4.0, p.get("epsilonCap").asDouble());
    assertEquals(1e-5, p.get("delta").asDouble());
    assertEquals("pld", p.get("accountant").asText());
    assertEquals(1.1, p.get("noiseMultiplier").asDouble());
    assertEquals(0.01, p.get("samplingRate").asDouble());
    assertEquals(1.0, p.get("clipNorm").asDouble());
    assertEquals(250, p.get("steps").asLong());
    assertEquals(64, s.get("parametersSha256").asText().length());
    assertEquals(String.valueOf(version),
        r.headers().firstValue(SnapshotServer.VERSION_HEADER).orElse(""));
  }

  /** A ServingObserver that records what it hears. */
  private static final class RecordingObserver implements ServingObserver {
    final List<String> answered = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<Rejection> rejected = java.util.Collections.synchronizedList(new ArrayList<>());
    final java.util.concurrent.atomic.AtomicInteger rows = new java.util.concurrent.atomic.AtomicInteger();
    final List<Long> loaded = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<Long> failed = java.util.Collections.synchronizedList(new ArrayList<>());

    @Override
    public void requestAnswered(String endpoint, int status, double seconds) {
      assertTrue(seconds >= 0 && seconds < 60, "latency " + seconds);
      answered.add(endpoint + " " + status);
    }

    @Override
    public void requestRejected(Rejection reason) {
      rejected.add(reason);
    }

    @Override
    public void rowsPredicted(int n) {
      rows.addAndGet(n);
    }

    @Override
    public void snapshotLoaded(ModelSnapshot snapshot) {
      loaded.add(snapshot.version());
    }

    @Override
    public void snapshotLoadFailed(ModelSnapshot snapshot) {
      failed.add(snapshot.version());
    }
  }

  /** Every request is reported with its endpoint and status; every refusal with its reason. */
  @Test
  void theObserverHearsEveryRequestRefusalRowAndLoad() throws Exception {
    RecordingObserver seen = new RecordingObserver();
    try (SnapshotServer observed = new SnapshotServer(new InetSocketAddress("127.0.0.1", 0),
        new FakeSnapshotPredictor(), new SnapshotServer.Limits(1000, 5, 2), seen)) {
      String base = "http://127.0.0.1:" + observed.port();
      java.util.function.BiFunction<String, String, Integer> post = (path, body) -> {
        try {
          return client.send(HttpRequest.newBuilder(URI.create(base + path))
              .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
              HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      };
      assertEquals(503, post.apply("/predict", "{\"rows\": [[1, 2, 3]]}"));
      observed.load(snapshot(1, "fake:nonsense:3"));
      assertEquals(List.of(1L), seen.failed);
      observed.load(snapshot(2, "fake:sum:3"));
      observed.load(snapshot(1, "fake:sum:3")); // older: ignored, not reported
      assertEquals(List.of(2L), seen.loaded);
      assertEquals(200, post.apply("/predict", "{\"rows\": [[1, 2, 3], [4, 5, 6]]}"));
      assertEquals(400, post.apply("/predict", "not json"));
      assertEquals(400, post.apply("/predict", "{\"rows\": [[1, 2]]}"));
      assertEquals(413, post.apply("/predict", "{\"rows\": [[1, 2, 3]], \"pad\": \""
          + "x".repeat(1000) + "\"}"));
      assertEquals(413, post.apply("/predict", "{\"rows\": [" + "[1,2,3],".repeat(5) + "[1,2,3]]}"));
      assertEquals(500, post.apply("/predict", "{\"rows\": [[666, 0, 0]]}"));
      assertEquals(405, post.apply("/health", "{}"));
      assertEquals(404, post.apply("/secret/path", "{}"));
      assertEquals(200, client.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());

      assertEquals(List.of(ServingObserver.Rejection.NO_SNAPSHOT,
          ServingObserver.Rejection.MALFORMED, ServingObserver.Rejection.INVALID_ROW,
          ServingObserver.Rejection.BODY_TOO_LARGE, ServingObserver.Rejection.TOO_MANY_ROWS,
          ServingObserver.Rejection.METHOD_NOT_ALLOWED, ServingObserver.Rejection.NOT_FOUND),
          seen.rejected);
      assertEquals(2, seen.rows.get(), "only the answered rows");
      // answers are reported once sent, so the last report may trail the client by a moment
      List<String> expected = List.of("predict 503", "predict 200", "predict 400", "predict 400",
          "predict 413", "predict 413", "predict 500", "health 405", "other 404", "health 200");
      for (int i = 0; i < 100 && seen.answered.size() < expected.size(); i++) Thread.sleep(20);
      // two request threads: the reports of consecutive requests may swap places
      assertEquals(expected.stream().sorted().toList(),
          List.copyOf(seen.answered).stream().sorted().toList());
      assertTrue(observed.running());
      observed.close();
      assertTrue(!observed.running(), "closed");
    }
  }

  @Test
  void beforeTheFirstSnapshotHealthAndPredictAnswer503() throws Exception {
    HttpResponse<String> health = get("/health");
    assertEquals(503, health.statusCode());
    assertEquals("waiting for a snapshot", json(health).get("status").asText());
    assertEquals(503, post("/predict", "{\"rows\": [[1, 2, 3]]}").statusCode());
    assertEquals(503, get("/snapshot").statusCode());
  }

  @Test
  void healthAndSnapshotCarryTheVersionAndPrivacyStatement() throws Exception {
    server.load(snapshot(1, "fake:sum:3"));
    HttpResponse<String> health = get("/health");
    assertEquals(200, health.statusCode());
    assertEquals("serving", json(health).get("status").asText());
    assertCarriesSnapshot(health, 1);
    HttpResponse<String> snap = get("/snapshot");
    assertEquals(200, snap.statusCode());
    assertCarriesSnapshot(snap, 1);
  }

  @Test
  void predictionsComeWithTheSnapshotThatMadeThem() throws Exception {
    server.load(snapshot(1, "fake:sum:3"));
    HttpResponse<String> r = post("/predict",
        "{\"rows\": [{\"features\": [1, 2, 3.5], \"categoricalIds\": [10]}, [0, 0, -1]]}");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode preds = json(r).get("predictions");
    assertEquals(2, preds.size());
    assertEquals(16.5, preds.get(0).get("value").asDouble(), 1e-6);
    assertEquals(-1.0, preds.get(1).get("value").asDouble(), 1e-6);
    assertCarriesSnapshot(r, 1);
  }

  @Test
  void classificationsHaveALabelAndProbabilities() throws Exception {
    server.load(snapshot(1, "fake:softmax:3"));
    HttpResponse<String> r = post("/predict", "{\"rows\": [[0, 5, 1]]}");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode p = json(r).get("predictions").get(0);
    assertEquals(1, p.get("label").asInt());
    assertEquals(3, p.get("probabilities").size());
    double sum = 0;
    for (JsonNode v : p.get("probabilities")) sum += v.asDouble();
    assertEquals(1.0, sum, 1e-5);
  }

  @Test
  void malformedBodiesAre400WithAReason() throws Exception {
    server.load(snapshot(1, "fake:sum:3"));
    String[][] cases = {
      {"{\"rows\": [[1, 2, 3]", "malformed JSON"},
      {"not json", "malformed JSON"},
      {"{\"rows\": 3}", "the body must be"},
      {"[[1, 2, 3]]", "the body must be"},
      {"{\"rows\": []}", "rows is empty"},
      {"{\"rows\": [[1, 2, 3], [1, \"x\", 3]]}", "rows[1].features[1] is not a number"},
      {"{\"rows\": [{\"features\": [1, 2, 3], \"label\": 1}]}", "unknown field 'label'"},
      {"{\"rows\": [{\"features\": [1, 2, 3], \"categoricalIds\": [-1]}]}",
          "rows[0].categoricalIds[0]"},
      {"{\"rows\": [[1, 2, 1e60]]}", "rows[0].features[2] is out of float range"},
      {"{\"rows\": [[1, 2]]}", "row 0 has 2 features, the model takes 3"},
    };
    for (String[] c : cases) {
      HttpResponse<String> r = post("/predict", c[0]);
      assertEquals(400, r.statusCode(), c[0] + " -> " + r.body());
      String error = json(r).get("error").asText();
      assertTrue(error.contains(c[1]), c[0] + " -> " + error);
      assertCarriesSnapshot(r, 1);
    }
  }

  /** Hostile or odd bodies: each a 400 naming what is wrong, never a 500, never a hang. */
  @Test
  void nonFiniteNumbersWrongShapesAndTrailingGarbageAre400() throws Exception {
    server.load(snapshot(1, "fake:sum:3"));
    String[][] cases = {
      {"{\"rows\": [[NaN, 1, 2]]}", "malformed JSON"},
      {"{\"rows\": [[Infinity, 1, 2]]}", "malformed JSON"},
      {"{\"rows\": [[1e999, 1, 2]]}", "rows[0].features[0] is out of float range"},
      {"{\"rows\": [[-1e39, 1, 2]]}", "rows[0].features[0] is out of float range"},
      {"{\"rows\": [[true, 1, 2]]}", "rows[0].features[0] is not a number"},
      {"{\"rows\": [[\"1\", 1, 2]]}", "rows[0].features[0] is not a number"},
      {"{\"rows\": [null]}", "rows[0] must be an object"},
      {"{\"rows\": [{\"features\": null}]}", "rows[0].features must be an array"},
      {"{\"rows\": [{\"categoricalIds\": [1]}]}", "rows[0] has no features"},
      {"{\"rows\": [{\"features\": [1, 2, 3], \"categoricalIds\": [1.5]}]}", "rows[0].categoricalIds[0]"},
      {"{\"rows\": [{\"features\": [1, 2, 3], \"categoricalIds\": [9999999999]}]}", "rows[0].categoricalIds[0]"},
      {"", "the body must be"},
      {"null", "the body must be"},
      {"{\"rows\": [[1, 2, 3]]} {\"rows\": []}", "malformed JSON"},
      {"{\"rows\": [[1, 2, 3]]} trailing", "malformed JSON"},
      {"\u00ff\u00fe{", "malformed JSON"},
    };
    for (String[] c : cases) {
      HttpResponse<String> r = post("/predict", c[0]);
      assertEquals(400, r.statusCode(), c[0] + " -> " + r.body());
      String error = json(r).get("error").asText();
      assertTrue(error.contains(c[1]), c[0] + " -> " + error);
    }
    assertEquals(200, post("/predict", "{\"rows\": [[1, 2, 3]]}").statusCode(), "still serving");
  }

  /** Bodies within the size limit that a parser could choke on: deep nesting, huge numbers. */
  @Test
  void deepNestingAndHugeNumbersAre400() throws Exception {
    try (SnapshotServer big = new SnapshotServer(new InetSocketAddress("127.0.0.1", 0),
        new FakeSnapshotPredictor(), new SnapshotServer.Limits(1 << 20, 100, 2))) {
      big.load(snapshot(1, "fake:sum:3"));
      URI predict = URI.create("http://127.0.0.1:" + big.port() + "/predict");
      for (String body : List.of(
          "{\"rows\": " + "[".repeat(100_000),
          "{\"rows\": [[1" + "0".repeat(100_000) + ", 1, 2]]}",
          "{\"rows\": [[1, 2, 3]], \"x\": \"" + "y".repeat(500_000))) { // unterminated
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(predict)
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, r.statusCode(), body.substring(0, 40) + " -> " + r.body());
        assertTrue(r.body().length() < 2_000, "the error does not echo the body");
      }
    }
  }

  /** A chunked body (no Content-Length) over the limit is cut off at the limit: 413. */
  @Test
  void aChunkedBodyOverTheLimitIs413() throws Exception {
    server.load(snapshot(1, "fake:sum:3"));
    byte[] body = ("{\"rows\": [[1, 2, 3]], \"pad\": \"" + "x".repeat(50_000) + "\"}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri("/predict"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(413, r.statusCode(), r.body());
  }

  @Test
  void aModelFailureIsA500AndTheServerKeepsAnswering() throws Exception {
    server.load(snapshot(1, "fake:sum:3"));
    HttpResponse<String> r = post("/predict", "{\"rows\": [[666, 0, 0]]}");
    assertEquals(500, r.statusCode(), r.body());
    assertTrue(json(r).get("error").asText().contains("the model broke"));
    assertCarriesSnapshot(r, 1);
    assertEquals(200, post("/predict", "{\"rows\": [[1, 2, 3]]}").statusCode());
  }

  @Test
  void bodiesAndRowCountsOverTheLimitsAre413() throws Exception {
    server.load(snapshot(1, "fake:sum:3"));
    String big = "{\"rows\": [[1, 2, 3]], \"pad\": \"" + "x".repeat(1000) + "\"}";
    HttpResponse<String> r = post("/predict", big);
    assertEquals(413, r.statusCode(), r.body());
    assertTrue(json(r).get("error").asText().contains("1000 bytes"));
    HttpResponse<String> rows = post("/predict", "{\"rows\": [" + "[1,2,3],".repeat(5)
        + "[1,2,3]]}");
    assertEquals(413, rows.statusCode(), rows.body());
    assertTrue(json(rows).get("error").asText().contains("6 rows exceed the limit of 5"));
    assertEquals(200, post("/predict", "{\"rows\": [" + "[1,2,3],".repeat(4)
        + "[1,2,3]]}").statusCode(), "exactly the limit is fine");
  }

  @Test
  void aMuchLargerBodyStillGetsA413Answer() throws Exception {
    server.load(snapshot(1, "fake:sum:3"));
    HttpResponse<String> r = post("/predict", "{\"rows\": [[1, 2, 3]], \"pad\": \""
        + "x".repeat(3_000_000) + "\"}");
    assertEquals(413, r.statusCode());
    assertCarriesSnapshot(r, 1);
  }

  @Test
  void wrongMethodsAndPathsAre405And404() throws Exception {
    server.load(snapshot(1, "fake:sum:3"));
    HttpResponse<String> r = get("/predict");
    assertEquals(405, r.statusCode());
    assertEquals("POST", r.headers().firstValue("Allow").orElse(""));
    assertCarriesSnapshot(r, 1);
    assertEquals(405, post("/health", "{}").statusCode());
    HttpResponse<String> missing = get("/nope");
    assertEquals(404, missing.statusCode());
    assertCarriesSnapshot(missing, 1);
  }

  @Test
  void aNewerSnapshotReplacesTheModelAndAnOlderOneIsIgnored() throws Exception {
    int before = FakeSnapshotPredictor.OPEN.get();
    server.load(snapshot(1, "fake:sum:3"));
    server.load(snapshot(2, "fake:softmax:3"));
    assertEquals(before + 1, FakeSnapshotPredictor.OPEN.get(), "the replaced model was closed");
    server.load(snapshot(1, "fake:sum:3"));
    HttpResponse<String> r = post("/predict", "{\"rows\": [[0, 0, 9]]}");
    assertCarriesSnapshot(r, 2);
    assertEquals(2, json(r).get("predictions").get(0).get("label").asInt());
  }

  @Test
  void aSnapshotThatFailsToLoadLeavesThePreviousServing() throws Exception {
    server.load(snapshot(1, "fake:sum:3"));
    server.load(snapshot(2, "fake:broken:3"));
    HttpResponse<String> health = get("/health");
    assertEquals(200, health.statusCode());
    assertCarriesSnapshot(health, 1);
    assertTrue(json(health).get("lastLoadError").asText().contains("version 2"));
    assertEquals(200, post("/predict", "{\"rows\": [[1, 2, 3]]}").statusCode());
  }

  @Test
  void swappingModelsUnderLoadNeverUsesAClosedModel() throws Exception {
    server.load(snapshot(1, "fake:sum:3"));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> codes = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        codes.add(pool.submit(() -> post("/predict", "{\"rows\": [[1, 2, 3]]}").statusCode()));
      }
      for (long v = 2; v <= 40; v++) server.load(snapshot(v, "fake:sum:3"));
      for (Future<Integer> c : codes) assertEquals(200, c.get());
    } finally {
      pool.shutdown();
    }
    assertCarriesSnapshot(get("/health"), 40);
  }
}

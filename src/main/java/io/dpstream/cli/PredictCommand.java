package io.dpstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpstream.snapshot.FeatureRow;
import io.dpstream.snapshot.FeatureRowParser;
import io.dpstream.snapshot.ModelRunner;
import io.dpstream.snapshot.ModelSnapshot;
import io.dpstream.snapshot.Prediction;
import io.dpstream.snapshot.PrivacyStatement;
import io.dpstream.snapshot.SnapshotFollower;
import io.dpstream.snapshot.SnapshotPredictor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dpstream predict}: rows in, predictions of the newest snapshot out. */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    description = {
        "Predicts with the newest verified snapshot of a model: rows from a file or standard "
            + "input, one JSON line per row on standard output.",
        "Input: JSON lines ({\"features\": [...], \"categoricalIds\": [...]} or [f1, f2, ...]) "
            + "or CSV (the first --categorical-columns columns are ids, the rest features).",
        "Output: {\"row\": i, \"version\": v, \"label\": k, \"probabilities\": [...]} or "
            + "{\"row\": i, \"version\": v, \"value\": x}. The snapshot's version and privacy "
            + "statement go to standard error first."
    })
public final class PredictCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  enum Format { JSONL, CSV }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin SnapshotSourceOptions source;




  @Option(names = "--input", defaultValue = "-", paramLabel = "FILE",
      description = "Rows to predict; - for standard input (default).")
  String input;

  @Option(names = "--format", paramLabel = "jsonl|csv",
      description = "Input format (default: csv for a .csv file, else jsonl).")
  String format;

  @Option(names = "--categorical-columns", paramLabel = "N", defaultValue = "0",
      description = "CSV: how many leading columns are categorical ids (default: 0).")
  int categoricalColumns;

  @Option(names = "--header", description = "CSV: the first line is a header; skip it.")
  boolean header;

  @Option(names = "--wait-seconds", paramLabel = "SECONDS", defaultValue = "30",
      description = "How long to wait for the snapshot topic to be read (default: 30).")
  int waitSeconds;

  @Option(names = "--batch", paramLabel = "ROWS", defaultValue = "256",
      description = "Rows per model call (default: 256).")
  int batch;

  @Override
  public Integer call() throws Exception {
    if (categoricalColumns < 0) {
      throw new IllegalArgumentException("--categorical-columns must be at or above 0");
    }
    if (batch < 1) throw new IllegalArgumentException("--batch must be at least 1");
    if (waitSeconds < 1) throw new IllegalArgumentException("--wait-seconds must be at least 1");
    Format fmt = format();
    if (!input.equals("-") && !Files.isRegularFile(Path.of(input))) {
      throw new IllegalArgumentException("--input: no such file " + input);
    }
    ModelSnapshot snapshot = newestSnapshot();
    PrintWriter err = spec.commandLine().getErr();
    PrivacyStatement p = snapshot.privacy();
    err.printf(Locale.ROOT,
        "model %s version %d (step %d, %s): epsilon cap %s, delta %s, accountant %s, "
            + "sigma %s, q %s, C %s, %d steps%n",
        snapshot.modelId(), snapshot.version(), snapshot.step(), snapshot.modelSpec(),
        p.epsilonCap(), p.delta(), p.accountant().id(), p.noiseMultiplier(), p.samplingRate(),
        p.clipNorm(), p.steps());
    err.flush();
    SnapshotPredictor predictor = SnapshotPredictor.forSpec(snapshot.modelSpec());
    try (ModelRunner runner = predictor.load(snapshot); BufferedReader in = open()) {
      run(runner, snapshot.version(), fmt, in, spec.commandLine().getOut());
    }
    return 0;
  }

  private ModelSnapshot newestSnapshot() throws InterruptedException {
    try (SnapshotFollower follower = source.startFollower()) {
      if (!follower.awaitCaughtUp(Duration.ofSeconds(waitSeconds))) {
        throw new IllegalStateException("could not read topic " + source.topic + " at "
            + source.bootstrapServers + " within " + waitSeconds + " s");
      }
      return follower.latest().orElseThrow(() -> new IllegalStateException(
          "no verified snapshot of model " + source.modelId + " on topic " + source.topic));
    }
  }

  private void run(ModelRunner runner, long version, Format fmt, BufferedReader in,
      PrintWriter out) throws IOException {
    List<FeatureRow> rows = new ArrayList<>(batch);
    long lineNo = 0;
    long first = 0;
    String line;
    while ((line = in.readLine()) != null) {
      lineNo++;
      if (fmt == Format.CSV && header && lineNo == 1) continue;
      if (line.isBlank()) continue;
      rows.add(parse(fmt, line, "line " + lineNo));
      if (rows.size() == batch) {
        first = write(runner, version, rows, first, out);
        rows.clear();
      }
    }
    if (!rows.isEmpty()) write(runner, version, rows, first, out);
    out.flush();
  }

  private FeatureRow parse(Format fmt, String line, String where) {
    if (fmt == Format.CSV) return FeatureRowParser.fromCsv(line, categoricalColumns, where);
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (IOException e) {
      throw new IllegalArgumentException(where + " is not JSON: " + e.getMessage());
    }
    return FeatureRowParser.fromJson(node, where);
  }

  private static long write(ModelRunner runner, long version, List<FeatureRow> rows, long first,
      PrintWriter out) throws IOException {
    List<float[]> f = new ArrayList<>(rows.size());
    List<int[]> c = new ArrayList<>(rows.size());
    for (FeatureRow r : rows) {
      f.add(r.features());
      c.add(r.categoricalIds());
    }
    List<Prediction> preds = runner.predict(f, c);
    if (preds.size() != rows.size()) {
      throw new IllegalStateException("the model returned " + preds.size() + " predictions for "
          + rows.size() + " rows");
    }
    long row = first;
    for (Prediction p : preds) {
      ObjectNode n = JSON.createObjectNode();
      n.put("row", row++);
      n.put("version", version);
      if (p.label().isPresent()) {
        n.put("label", p.label().getAsInt());
        var probs = n.putArray("probabilities");
        for (float v : p.probabilities()) probs.add(v);
      } else {
        n.put("value", p.value());
      }
      out.println(JSON.writeValueAsString(n));
    }
    return row;
  }

  private Format format() {
    if (format == null) {
      return input.toLowerCase(Locale.ROOT).endsWith(".csv") ? Format.CSV : Format.JSONL;
    }
    return switch (format.toLowerCase(Locale.ROOT)) {
      case "jsonl", "json" -> Format.JSONL;
      case "csv" -> Format.CSV;
      default -> throw new IllegalArgumentException(
          "--format must be jsonl or csv, got '" + format + "'");
    };
  }

  private BufferedReader open() throws IOException {
    if (input.equals("-")) {
      return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    }
    try {
      return Files.newBufferedReader(Path.of(input), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("--input: no such file " + input);
    }
  }
}

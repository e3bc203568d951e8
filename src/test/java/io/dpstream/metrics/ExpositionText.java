package io.dpstream.metrics;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed Prometheus text exposition (format 0.0.4): the samples keyed by series, written as
 * {@code name{a="1",b="2"}} with labels sorted by name, and the declared types.
 */
public record ExpositionText(String text, Map<String, Double> samples, Map<String, String> types) {
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)(?: \\d+)?$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** Scrapes the registry the way the HTTP endpoint does for a text-format scraper. */
  public static ExpositionText scrape(PrometheusRegistry registry) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create()
          .write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return parse(out.toString(StandardCharsets.UTF_8));
  }

  public static ExpositionText parse(String text) {
    Map<String, Double> samples = new LinkedHashMap<>();
    Map<String, String> types = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("# HELP")) continue;
      if (line.startsWith("# TYPE ")) {
        String[] parts = line.split(" ");
        types.put(parts[2], parts[3]);
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) throw new IllegalArgumentException("not a sample line: " + line);
      Map<String, String> labels = new TreeMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) labels.put(l.group(1), l.group(2));
      }
      String key = key(m.group(1), labels);
      if (samples.put(key, parseValue(m.group(3))) != null)
        throw new IllegalArgumentException("duplicate series " + key);
    }
    return new ExpositionText(text, samples, types);
  }

  /** The value of a series, e.g. {@code value("x_total", "outcome", "admitted")}; fails if absent. */
  public double value(String name, String... labelPairs) {
    String key = key(name, labels(labelPairs));
    Double v = samples.get(key);
    if (v == null) throw new AssertionError("no series " + key + " in:\n" + text);
    return v;
  }

  public boolean has(String name, String... labelPairs) {
    return samples.containsKey(key(name, labels(labelPairs)));
  }

  private static Map<String, String> labels(String... pairs) {
    if (pairs.length % 2 != 0) throw new IllegalArgumentException("label pairs must be even");
    Map<String, String> labels = new TreeMap<>();
    for (int i = 0; i < pairs.length; i += 2) labels.put(pairs[i], pairs[i + 1]);
    return labels;
  }

  private static String key(String name, Map<String, String> labels) {
    if (labels.isEmpty()) return name;
    StringBuilder b = new StringBuilder(name).append('{');
    labels.forEach((k, v) -> b.append(k).append("=\"").append(v).append("\","));
    b.setLength(b.length() - 1);
    return b.append('}').toString();
  }

  private static double parseValue(String s) {
    return switch (s) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(s);
    };
  }
}

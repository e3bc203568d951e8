package io.dpstream.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The raw settings of one configuration, as dotted keys ({@code privacy.epsilonCap}) with string
 * values, from three layers in increasing precedence: the YAML file, environment variables ({@code
 * DPSTREAM_PRIVACY_EPSILON_CAP}), and command-line overrides. Sections read their keys through the
 * typed getters, which name the setting in every error; {@link #rejectUnread()} then turns any key
 * no section read into an "unknown setting" error, so typos never pass silently.
 *
 * <p>Environment variables are looked up only for keys a section asks for, so unrelated {@code
 * DPSTREAM_*} variables (log level, data paths) are not errors.
 */
public final class Settings {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
  private static final Pattern BYTE_SIZE = Pattern.compile("(\\d+)\\s*(b|kib|mib|gib|tib)?");

  private final Map<String, String> file;
  private final Map<String, String> env;
  private final Map<String, String> overrides;
  private final Set<String> read = new HashSet<>();

  /**
   * @param file flattened YAML keys to values
   * @param env the process environment (or a test's map)
   * @param overrides command-line settings, which win over everything
   */
  public Settings(Map<String, String> file, Map<String, String> env, Map<String, String> overrides) {
    this.file = Map.copyOf(file);
    this.env = Map.copyOf(env);
    this.overrides = Map.copyOf(overrides);
  }

  /** {@code privacy.epsilonCap} → {@code DPSTREAM_PRIVACY_EPSILON_CAP}. */
  public static String envName(String key) {
    String snake = key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').replace('-', '_');
    return "DPSTREAM_" + snake.toUpperCase(Locale.ROOT);
  }

  /** The effective raw value of {@code key}, or null when no layer sets it. */
  public String raw(String key) {
    read.add(key);
    String v = overrides.get(key);
    if (v == null) v = env.get(envName(key));
    if (v == null) v = file.get(key);
    return v == null ? null : v.trim();
  }

  public String string(String key, String dflt) {
    String v = raw(key);
    return v == null ? dflt : v;
  }

  public long longValue(String key, long dflt, long min, long max) {
    String v = raw(key);
    if (v == null) return dflt;
    long n;
    try {
      n = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw bad(key, v, "an integer");
    }
    if (n < min || n > max) throw bad(key, v, "an integer in [" + min + ", " + max + "]");
    return n;
  }

  public int intValue(String key, int dflt, int min, int max) {
    return (int) longValue(key, dflt, min, max);
  }

  /** A finite double; range checks are the section record's job (its errors name the field). */
  public double doubleValue(String key, double dflt) {
    String v = raw(key);
    if (v == null) return dflt;
    try {
      double d = Double.parseDouble(v);
      if (!Double.isFinite(d)) throw bad(key, v, "a finite number");
      return d;
    } catch (NumberFormatException e) {
      throw bad(key, v, "a number");
    }
  }

  public boolean bool(String key, boolean dflt) {
    String v = raw(key);
    if (v == null) return dflt;
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw bad(key, v, "true or false");
    };
  }

  /**
   * A size in bytes: a plain integer, or one with a binary unit ({@code 512KiB}, {@code 64MiB},
   * {@code 1GiB}, {@code 1TiB}; case-insensitive), in {@code [min, max]} bytes.
   */
  public long byteSize(String key, long dflt, long min, long max) {
    String v = raw(key);
    if (v == null) return dflt;
    String expected = "a size in bytes in [" + min + ", " + max + "] such as 67108864, 512KiB, 64MiB or 1GiB";
    Matcher m = BYTE_SIZE.matcher(v.toLowerCase(Locale.ROOT));
    if (!m.matches()) throw bad(key, v, expected);
    int shift =
        switch (m.group(2) == null ? "b" : m.group(2)) {
          case "kib" -> 10;
          case "mib" -> 20;
          case "gib" -> 30;
          case "tib" -> 40;
          default -> 0;
        };
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw bad(key, v, expected);
    }
    if (n > (Long.MAX_VALUE >> shift)) throw bad(key, v, expected);
    n <<= shift;
    if (n < min || n > max) throw bad(key, v, expected);
    return n;
  }

  /** A duration: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 2d}, or ISO-8601. */
  public Duration duration(String key, Duration dflt) {
    String v = raw(key);
    if (v == null) return dflt;
    try {
      return parseDuration(v);
    } catch (IllegalArgumentException e) {
      throw bad(key, v, "a duration such as 500ms, 10s, 5m, 1h or PT10S");
    }
  }

  /** Parses {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 2d}, {@code 0} or ISO-8601. */
  public static Duration parseDuration(String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    if (s.equals("0")) return Duration.ZERO;
    Matcher m = DURATION.matcher(s);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    try {
      return Duration.parse(v.trim().toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a duration: " + v);
    }
  }

  /**
   * Every key under {@code prefix + "."} (file and overrides; environment variables cannot carry
   * dotted Kafka names) with the prefix removed, overrides winning. Used for pass-through maps.
   */
  public Map<String, String> subMap(String prefix) {
    String p = prefix + ".";
    Map<String, String> out = new TreeMap<>();
    for (Map<String, String> layer : java.util.List.of(file, overrides)) {
      for (var e : layer.entrySet()) {
        if (e.getKey().startsWith(p)) {
          read.add(e.getKey());
          out.put(e.getKey().substring(p.length()), e.getValue().trim());
        }
      }
    }
    return new LinkedHashMap<>(out);
  }

  /** Throws naming the first key (file or overrides) that no section read. */
  public void rejectUnread() {
    Set<String> unknown = new TreeSet<>();
    for (String k : file.keySet()) if (!read.contains(k)) unknown.add(k);
    for (String k : overrides.keySet()) if (!read.contains(k)) unknown.add(k);
    if (!unknown.isEmpty())
      throw new IllegalArgumentException(
          "unknown setting '" + unknown.iterator().next() + "'"
              + (unknown.size() > 1 ? " (and " + (unknown.size() - 1) + " more)" : ""));
  }

  /** An error naming the setting, its bad value, and what was expected. */
  public static IllegalArgumentException bad(String key, String value, String expected) {
    return new IllegalArgumentException(
        "setting " + key + ": '" + value + "' is not " + expected);
  }
}

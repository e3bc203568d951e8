package io.dpstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.CapturedLogs;
import io.dpstream.config.DpstreamConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Bad configuration files and flags: each stops the command before it touches Kafka, with exit
 * code 2 and one line on stderr naming the setting (or file) at fault, and no stack trace on
 * stderr or in the log.
 */
class ConfigErrorsTest {
  @TempDir static Path tmp;

  /**
   * @param name the case
   * @param yaml the configuration file's text, or null for no file
   * @param flags further arguments after {@code gate}
   * @param named what the error line must contain (the setting's key, or the file)
   */
  record Case(String name, String yaml, List<String> flags, String named) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> badConfigurations() {
    return Stream.of(
        // YAML syntax and shape
        yaml("unclosed flow sequence", "gate: [1, 2\n", "config.yaml"),
        yaml("tab indentation", "gate:\n\tfeatureCount: 4\n", "config.yaml"),
        yaml("duplicate key", "gate:\n  featureCount: 4\n  featureCount: 5\n", "featureCount"),
        yaml("top level is a list", "- gate\n- privacy\n", "must be a YAML mapping"),
        yaml("a list where a value belongs", "gate:\n  featureCount: [4, 5]\n", "gate.featureCount"),
        // unknown keys
        yaml("unknown section", "gates:\n  featureCount: 4\n", "gates.featureCount"),
        yaml("misspelt key", "privacy:\n  epsilon: 1\n", "privacy.epsilon"),
        flags("unknown --set key", "gate.featurecount=4", "gate.featurecount"),
        // wrong types
        yaml("text for an integer", "gate:\n  featureCount: many\n", "gate.featureCount"),
        yaml("fraction for an integer", "gate:\n  maxRecordsPerUser: 2.5\n", "gate.maxRecordsPerUser"),
        yaml("text for a number", "privacy:\n  delta: small\n", "privacy.delta"),
        yaml("mapping for a number", "privacy:\n  epsilonCap:\n    value: 1\n", "privacy.epsilonCap"),
        yaml("not a duration", "gate:\n  stepPeriod: soon\n", "gate.stepPeriod"),
        yaml("unknown enum", "gate:\n  stepTrigger: hourly\n", "gate.stepTrigger"),
        yaml("unknown accountant", "privacy:\n  accountant: moments\n", "privacy.accountant"),
        flags("NaN epsilon", "privacy.epsilonCap=NaN", "privacy.epsilonCap"),
        flags("infinite sigma", "privacy.noiseMultiplier=Infinity", "privacy.noiseMultiplier"),
        flags("integer overflow", "topics.partitions=99999999999", "topics.partitions"),
        // out of range
        flags("negative q", "privacy.samplingRate=-0.1", "privacy.samplingRate"),
        flags("q above 1", "privacy.samplingRate=1.5", "privacy.samplingRate"),
        flags("q of 0", "privacy.samplingRate=0", "privacy.samplingRate"),
        flags("epsilon 0", "privacy.epsilonCap=0", "privacy.epsilonCap"),
        flags("negative epsilon", "privacy.epsilonCap=-1", "privacy.epsilonCap"),
        flags("delta 1", "privacy.delta=1", "privacy.delta"),
        flags("delta above 1", "privacy.delta=3", "privacy.delta"),
        flags("delta 0", "privacy.delta=0", "privacy.delta"),
        flags("sigma 0", "privacy.noiseMultiplier=0", "privacy.noiseMultiplier"),
        flags("warning fraction 0", "privacy.warningFraction=0", "privacy.warningFraction"),
        flags("step period under 10ms", "gate.stepPeriod=5ms", "gate.stepPeriod"),
        flags("negative retention", "gate.retention=-PT1S", "gate.retention"),
        flags("m above the pool", "gate.recordsPerContribution=64", "gate.recordsPerContribution"),
        flags("record limit too small", "gate.maxRecordBytes=8", "gate.maxRecordBytes"),
        flags("user id limit 0", "gate.maxUserIdBytes=0", "gate.maxUserIdBytes"),
        flags("negative event-time slack", "gate.maxEventTimeAhead=-PT1H", "gate.maxEventTimeAhead"),
        flags("RocksDB memory below 8 MiB", "gate.rocksdbMemory=1MiB", "gate.rocksdbMemory"),
        flags("RocksDB memory not a size", "gate.rocksdbMemory=lots", "gate.rocksdbMemory"),
        flags("RocksDB memory overflowing", "gate.rocksdbMemory=99999999999TiB", "gate.rocksdbMemory"),
        flags("no partitions", "topics.partitions=0", "topics.partitions"),
        flags("replication factor 0", "kafka.replicationFactor=0", "kafka.replicationFactor"),
        flags("clip norm 0", "trainer.clipNorm=0", "trainer.clipNorm"),
        flags("negative learning rate", "trainer.learningRate=-0.1", "trainer.learningRate"),
        flags("momentum 1", "trainer.momentum=1", "trainer.momentum"),
        flags("unknown optimiser", "trainer.optimizer=adagrad", "trainer.optimizer"),
        // files
        new Case("missing file", null, List.of("--config", "no-such-dir/dpstream.yaml"), "no-such-dir/dpstream.yaml"),
        new Case("a directory for a file", null, List.of("--config", "."), "configuration"))
        .map(Arguments::of);
  }

  private static Case yaml(String name, String text, String named) {
    return new Case(name, text, List.of(), named);
  }

  private static Case flags(String name, String setting, String named) {
    return new Case(name, null, List.of("--set", setting), named);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badConfigurations")
  // A configuration that is wrongly accepted would start the gate: fail instead of waiting.
  @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void aBadConfigurationIsOneLineNamingTheSettingAndExitCode2(Case c) throws Exception {
    List<String> args = new ArrayList<>(List.of("gate"));
    if (c.yaml() != null) {
      Path f = tmp.resolve("config.yaml");
      Files.writeString(f, c.yaml());
      args.addAll(List.of("--config", f.toString()));
    }
    args.addAll(c.flags());
    // A valid feature count, so that each case fails on its own setting only.
    if (c.yaml() == null || !c.yaml().contains("featureCount")) args.addAll(List.of("--set", "gate.featureCount=4"));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit;
    try (CapturedLogs logs = CapturedLogs.start()) {
      CommandLine cl = DpstreamCommand.commandLine();
      cl.setOut(new PrintWriter(out));
      cl.setErr(new PrintWriter(err));
      exit = cl.execute(args.toArray(String[]::new));
      assertEquals(List.of(), logs.withThrowable().stream().map(CapturedLogs::describe).toList());
    }
    String e = err.toString();
    assertEquals(2, exit, e);
    assertEquals(1, e.lines().count(), "one line: " + e);
    assertTrue(e.startsWith("dpstream: "), e);
    assertTrue(e.contains(c.named()), "names " + c.named() + ": " + e);
    assertFalse(e.contains("\tat ") || e.contains("Exception"), e);
    assertEquals("", out.toString());
  }

  @Test
  void aBadEnvironmentVariableIsNamedByItsSetting() {
    var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> DpstreamConfig.load(null, Map.of("DPSTREAM_PRIVACY_DELTA", "2"), Map.of()));
    assertTrue(e.getMessage().contains("privacy.delta"), e.getMessage());
  }

  @Test
  void malformedFlagsAreUsageErrorsWithExitCode2() {
    for (List<String> args : List.of(
        List.of("gate", "--set", "gate.featureCount"), // no '='
        List.of("gate", "--config"), // no file
        List.of("gate", "--no-such-flag"))) {
      StringWriter err = new StringWriter();
      CommandLine cl = DpstreamCommand.commandLine();
      cl.setOut(new PrintWriter(new StringWriter()));
      cl.setErr(new PrintWriter(err));
      assertEquals(2, cl.execute(args.toArray(String[]::new)), args + ": " + err);
      assertTrue(err.toString().startsWith("dpstream: "), err.toString());
      assertFalse(err.toString().contains("\tat "), err.toString());
    }
  }
}

package io.dpstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's {@code --help} renders, names its command, and makes picocli warn about nothing. */
class HelpTextTest {

  @Test
  void everyCommandPrintsHelpWithoutWarnings() {
    List<CommandLine> all = new ArrayList<>();
    collect(DpstreamCommand.commandLine(), all);
    assertTrue(all.size() > 20, "expected every subcommand, found " + all.size());
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      for (CommandLine c : all) {
        String usage = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertTrue(usage.contains("Usage: " + c.getCommandSpec().qualifiedName()),
            () -> "help of " + c.getCommandSpec().qualifiedName() + ":\n" + usage);
        assertTrue(usage.contains("--help"), () -> c.getCommandSpec().qualifiedName() + " lacks --help");
      }
    } finally {
      System.setErr(err);
    }
    // picocli reports unescaped '%' and other format faults in descriptions on stderr
    assertEquals("", captured.toString(StandardCharsets.UTF_8));
  }

  private static void collect(CommandLine c, List<CommandLine> into) {
    into.add(c);
    c.getSubcommands().values().stream().distinct().forEach(s -> collect(s, into));
  }
}

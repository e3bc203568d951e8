package io.dpstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpstream.metrics.MetricsServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class MetricsOptionsTest {
  @Command(name = "long-running")
  static final class LongRunning implements Runnable {
    @Mixin MetricsOptions metrics;

    @Override
    public void run() {}
  }

  private static MetricsOptions parse(String... args) {
    LongRunning command = new LongRunning();
    new CommandLine(command).parseArgs(args);
    return command.metrics;
  }

  @Test
  void defaultsToPort9404UnlessTheEnvironmentSaysOtherwise() {
    String env = System.getenv("DPSTREAM_METRICS_PORT");
    int expected = env == null ? MetricsServer.DEFAULT_PORT : Integer.parseInt(env);
    assertEquals(expected, parse().port());
    assertEquals(9500, parse("--metrics-port", "9500").port());
  }

  @Test
  void startsTheEndpointOnTheChosenAddress() throws Exception {
    try (MetricsServer server =
        parse("--metrics-port", "0", "--metrics-bind", "127.0.0.1")
            .start(MetricsServer.newRegistry())) {
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, response.statusCode());
      assertTrue(response.body().contains("jvm_memory_used_bytes"));
    }
  }

  @Test
  void aTakenPortIsABadArgumentNamingTheOption() throws Exception {
    try (MetricsServer first =
        parse("--metrics-port", "0", "--metrics-bind", "127.0.0.1")
            .start(MetricsServer.newRegistry())) {
      String taken = Integer.toString(first.port());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> parse("--metrics-port", taken, "--metrics-bind", "127.0.0.1")
              .start(MetricsServer.newRegistry()));
      assertTrue(e.getMessage().contains("--metrics-port " + taken), e.getMessage());
    }
  }

  @Test
  void rejectsAPortOutOfRangeAsABadArgument() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse("--metrics-port", "70000").start(MetricsServer.newRegistry()));
    assertTrue(e.getMessage().contains("--metrics-port"), e.getMessage());
  }
}

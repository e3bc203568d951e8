package io.dpstream.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node KRaft Kafka broker (broker and controller in one process), started in this
 * JVM. It is the embedded default when no bootstrap servers are given, the broker of {@code
 * dpstream broker}, and the broker of the integration tests.
 *
 * <p>With a data directory, the broker keeps its logs and cluster id across restarts and reuses
 * the same ports when they are free; without one it works in a temporary directory that {@link
 * #close()} deletes.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
  private static final String PORTS_FILE = "dpstream-ports.properties";

  private final Path dataDir;
  private final boolean temporary;
  private final int brokerPort;
  private final int controllerPort;
  private final ExtraListener extra;
  private final int extraPort;
  private KafkaRaftServer server;

  /**
   * A second client listener beside the PLAINTEXT one (which stays the inter-broker listener), for
   * tests of TLS and SASL: e.g. name {@code SECURE}, protocol {@code SASL_SSL}, and the broker
   * settings it needs (keystore, enabled SASL mechanisms, usually prefixed {@code
   * listener.name.secure.}).
   *
   * @param name listener name, upper case letters, digits and underscores
   * @param securityProtocol PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
   * @param brokerProperties broker settings added to the broker's configuration
   */
  public record ExtraListener(String name, String securityProtocol, Map<String, String> brokerProperties) {
    public ExtraListener {
      if (name == null || !name.matches("[A-Z][A-Z0-9_]*") || name.equals("PLAINTEXT") || name.equals("CONTROLLER"))
        throw new IllegalArgumentException("listener name must be upper case and not PLAINTEXT or CONTROLLER: " + name);
      brokerProperties = Map.copyOf(brokerProperties);
    }
  }

  private EmbeddedKafkaBroker(
      Path dataDir, boolean temporary, int brokerPort, int controllerPort, ExtraListener extra, int extraPort) {
    this.dataDir = dataDir;
    this.temporary = temporary;
    this.brokerPort = brokerPort;
    this.controllerPort = controllerPort;
    this.extra = extra;
    this.extraPort = extraPort;
  }

  /** Starts a broker on free loopback ports in a temporary directory. */
  public static EmbeddedKafkaBroker startTemporary() {
    try {
      Path dir = Files.createTempDirectory("dpstream-kafka-");
      return start(dir, true, 0, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts a broker on free loopback ports in a temporary directory, with a second client listener
   * (TLS, SASL) reachable at {@link #bootstrapServers(String)}.
   */
  public static EmbeddedKafkaBroker startTemporary(ExtraListener listener) {
    try {
      Path dir = Files.createTempDirectory("dpstream-kafka-");
      return start(dir, true, 0, listener);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts (or restarts) a broker whose logs live in {@code dataDir}. {@code port} 0 means the port
   * used last time in this directory, or a free one the first time.
   */
  public static EmbeddedKafkaBroker startPersistent(Path dataDir, int port) {
    return start(dataDir, false, port, null);
  }

  private static EmbeddedKafkaBroker start(
      Path dir, boolean temporary, int requestedPort, ExtraListener extra) {
    try {
      Files.createDirectories(dir);
      Properties remembered = readPorts(dir);
      int broker =
          requestedPort != 0
              ? requestedPort
              : Integer.parseInt(remembered.getProperty("broker", "0"));
      int controller = Integer.parseInt(remembered.getProperty("controller", "0"));
      if (broker == 0) broker = freePort();
      if (controller == 0 || controller == broker) controller = freePort();
      int extraPort = 0;
      while (extra != null && (extraPort == 0 || extraPort == broker || extraPort == controller)) extraPort = freePort();
      EmbeddedKafkaBroker b = new EmbeddedKafkaBroker(dir, temporary, broker, controller, extra, extraPort);
      b.startServer();
      if (!temporary) writePorts(dir, broker, controller);
      return b;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the embedded Kafka broker in " + dir, e);
    }
  }

  private void startServer() throws IOException {
    Path logs = dataDir.resolve("logs");
    Properties props = new Properties();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put(
        "listeners",
        "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    props.put("log.dirs", logs.toString());
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "4");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("transaction.state.log.num.partitions", "4");
    if (extra != null) {
      String l = extra.name() + "://127.0.0.1:" + extraPort;
      props.put("listeners", props.getProperty("listeners") + "," + l);
      props.put("advertised.listeners", props.getProperty("advertised.listeners") + "," + l);
      props.put(
          "listener.security.protocol.map",
          props.getProperty("listener.security.protocol.map") + "," + extra.name() + ":" + extra.securityProtocol());
      props.putAll(extra.brokerProperties());
    }
    props.put("share.coordinator.state.topic.replication.factor", "1");
    props.put("share.coordinator.state.topic.min.isr", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    props.put("auto.create.topics.enable", "false");
    // The log cleaner reserves 128 MiB of heap by default; a few MiB suffice embedded.
    props.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
    props.put("num.partitions", "1");
    Path config = dataDir.resolve("server.properties");
    try (var out = Files.newOutputStream(config)) {
      props.store(out, "dpstream embedded broker");
    }
    formatStorage(config);
    server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
    server.startup();
    log.info("Embedded Kafka broker listening on {} (data in {})", bootstrapServers(), dataDir);
  }

  private void formatStorage(Path config) {
    Path idFile = dataDir.resolve("cluster.id");
    try {
      String clusterId;
      if (Files.exists(idFile)) {
        clusterId = Files.readString(idFile).trim();
      } else {
        clusterId = Uuid.randomUuid().toString();
        Files.writeString(idFile, clusterId);
      }
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
        kafka.tools.StorageTool.execute(
            new String[] {
              "format", "-t", clusterId, "-c", config.toString(), "--ignore-formatted"
            },
            ps);
      }
      log.debug("storage format: {}", buf.toString(StandardCharsets.UTF_8).trim());
    } catch (Exception e) {
      throw new IllegalStateException("could not format Kafka storage in " + dataDir, e);
    }
  }

  /** The {@code bootstrap.servers} value for clients of this broker. */
  public String bootstrapServers() {
    return "127.0.0.1:" + brokerPort;
  }

  /**
   * The {@code bootstrap.servers} value of the listener named {@code listenerName}: PLAINTEXT, or
   * the extra listener's name.
   *
   * @throws IllegalArgumentException if this broker has no such listener
   */
  public String bootstrapServers(String listenerName) {
    String n = listenerName.toUpperCase(Locale.ROOT);
    if (n.equals("PLAINTEXT")) return bootstrapServers();
    if (extra != null && n.equals(extra.name())) return "127.0.0.1:" + extraPort;
    throw new IllegalArgumentException("no listener " + listenerName + " on this broker");
  }

  public Path dataDir() {
    return dataDir;
  }

  @Override
  public void close() {
    if (server != null) {
      server.shutdown();
      server.awaitShutdown();
      server = null;
    }
    if (temporary) deleteRecursively(dataDir);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  private static Properties readPorts(Path dir) throws IOException {
    Properties p = new Properties();
    Path f = dir.resolve(PORTS_FILE);
    if (Files.exists(f)) {
      try (var in = Files.newInputStream(f)) {
        p.load(in);
      }
    }
    return p;
  }

  private static void writePorts(Path dir, int broker, int controller) throws IOException {
    Properties p = new Properties();
    p.setProperty("broker", String.valueOf(broker));
    p.setProperty("controller", String.valueOf(controller));
    try (var out = Files.newOutputStream(dir.resolve(PORTS_FILE))) {
      p.store(out, "ports of the dpstream broker in this directory");
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) return;
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.warn("could not delete {}: {}", dir, e.toString());
    }
  }
}

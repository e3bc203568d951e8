package io.dpstream.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed broker certificate for 127.0.0.1 and localhost, and a trust store holding it,
 * generated at run time with the JDK's {@code keytool} (PKCS12 files, EC P-256 keys).
 *
 * @param keyStore the broker's key store
 * @param keyStorePassword its password (also the key's)
 * @param trustStore the clients' trust store
 * @param trustStorePassword its password
 */
public record TestCertificates(Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword) {

  /** Generates the stores in {@code dir}; passwords are random per call. */
  public static TestCertificates generate(Path dir) throws IOException, InterruptedException {
    String keyPassword = "ks-" + java.util.UUID.randomUUID();
    String trustPassword = "ts-" + java.util.UUID.randomUUID();
    Path keyStore = dir.resolve("broker.p12");
    Path cert = dir.resolve("broker.crt");
    Path trustStore = dir.resolve("truststore.p12");
    keytool("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1",
        "-validity", "2", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
        "-keystore", keyStore.toString(), "-storetype", "PKCS12",
        "-storepass", keyPassword, "-keypass", keyPassword);
    keytool("-exportcert", "-rfc", "-alias", "broker", "-keystore", keyStore.toString(),
        "-storepass", keyPassword, "-file", cert.toString());
    keytool("-importcert", "-noprompt", "-alias", "broker", "-file", cert.toString(),
        "-keystore", trustStore.toString(), "-storetype", "PKCS12", "-storepass", trustPassword);
    return new TestCertificates(keyStore, keyPassword, trustStore, trustPassword);
  }

  /**
   * Starts a temporary broker whose listener {@code SECURE} speaks SASL_SSL with SCRAM-SHA-512 and
   * this certificate, and creates the SCRAM user {@code user} (over the PLAINTEXT listener).
   */
  public EmbeddedKafkaBroker startSaslSslBroker(String user, String password) throws Exception {
    return startSaslSslBroker(user, password, java.util.Map.of());
  }

  /** As {@link #startSaslSslBroker(String, String)} with further broker settings (an authorizer). */
  public EmbeddedKafkaBroker startSaslSslBroker(String user, String password, java.util.Map<String, String> more)
      throws Exception {
    String prefix = "listener.name.secure.";
    java.util.Map<String, String> props = new java.util.HashMap<>(more);
    props.putAll(java.util.Map.of(
            prefix + "ssl.keystore.location", keyStore.toString(),
            prefix + "ssl.keystore.password", keyStorePassword,
            prefix + "ssl.key.password", keyStorePassword,
            prefix + "ssl.keystore.type", "PKCS12",
            prefix + "sasl.enabled.mechanisms", "SCRAM-SHA-512",
            prefix + "scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;",
            "sasl.enabled.mechanisms", "SCRAM-SHA-512"));
    EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startTemporary(
        new EmbeddedKafkaBroker.ExtraListener("SECURE", "SASL_SSL", props));
    try (var admin = org.apache.kafka.clients.admin.Admin.create(
        java.util.Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      admin.alterUserScramCredentials(List.of(new org.apache.kafka.clients.admin.UserScramCredentialUpsertion(
          user, new org.apache.kafka.clients.admin.ScramCredentialInfo(
              org.apache.kafka.clients.admin.ScramMechanism.SCRAM_SHA_512, 4096), password))).all().get();
    } catch (Exception e) {
      broker.close();
      throw e;
    }
    return broker;
  }

  /** The {@code kafka} section of a configuration file for {@code broker}'s SECURE listener. */
  public String kafkaYaml(EmbeddedKafkaBroker broker, String user, String password) {
    return String.join("\n",
        "kafka:",
        "  bootstrapServers: " + broker.bootstrapServers("SECURE"),
        "  properties:",
        "    security.protocol: SASL_SSL",
        "    sasl.mechanism: SCRAM-SHA-512",
        "    sasl.jaas.config: >-",
        "      org.apache.kafka.common.security.scram.ScramLoginModule required",
        "      username=\"" + user + "\" password=\"" + password + "\";",
        "    ssl.truststore.location: " + trustStore,
        "    ssl.truststore.type: PKCS12",
        "    ssl.truststore.password: " + trustStorePassword,
        "");
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0)
      throw new IOException("keytool " + args[0] + " failed: " + output);
  }
}

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

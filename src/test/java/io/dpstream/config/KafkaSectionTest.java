package io.dpstream.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class KafkaSectionTest {
  @ParameterizedTest
  @ValueSource(strings = {
    "sasl.jaas.config", "listener.name.secure.scram-sha-512.sasl.jaas.config", "ssl.keystore.password",
    "ssl.key.password", "ssl.truststore.password", "ssl.keystore.key", "sasl.oauthbearer.client.credentials.client.secret",
    "basic.auth.user.info", "SSL.KEYSTORE.PASSWORD", "sasl.login.token"})
  void secretKeysAreRecognised(String key) {
    assertTrue(KafkaSection.isSecret(key), key);
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "security.protocol", "sasl.mechanism", "ssl.truststore.location", "ssl.truststore.type",
    "ssl.keystore.location", "key.serializer", "ssl.endpoint.identification.algorithm", "client.id"})
  void ordinaryKeysAreShown(String key) {
    assertFalse(KafkaSection.isSecret(key), key);
  }

  @Test
  void printingTheSectionNeverShowsASecret() {
    KafkaSection k = new KafkaSection("b:9093", Map.of(
        "security.protocol", "SASL_SSL",
        "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"hunter2\";",
        "ssl.truststore.password", "s3cret"), (short) 1);
    assertFalse(k.toString().contains("hunter2"), k.toString());
    assertFalse(k.toString().contains("s3cret"), k.toString());
    assertTrue(k.toString().contains("security.protocol=SASL_SSL"), k.toString());
    assertTrue(k.toString().contains("sasl.jaas.config=" + KafkaSection.HIDDEN), k.toString());
    // Also inside the whole configuration's record toString.
    DpstreamConfig whole = DpstreamConfig.of(Map.of("kafka.properties.ssl.key.password", "pa55"));
    assertFalse(whole.toString().contains("pa55"), whole.toString());
    // The values themselves stay intact for the clients.
    assertTrue(k.properties().get("sasl.jaas.config").contains("hunter2"));
  }
}

package io.dpstream.data;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 refuses to instantiate generated classes it has not been told to trust; the tests
 * decode what the producer wrote, so they trust {@code io.dpstream.avro} for the test JVM.
 */
final class TrustedAvroClasses {
  private static final String AVRO_PACKAGE = "io.dpstream.avro.";

  static {
    ClassSecurityValidator.ClassSecurityPredicate before = ClassSecurityValidator.getGlobal();
    ClassSecurityValidator.setGlobal(
        c -> c.getName().startsWith(AVRO_PACKAGE) || before.isTrusted(c));
  }

  private TrustedAvroClasses() {}

  /** Idempotent: loading this class does the work. */
  static void trust() {}
}

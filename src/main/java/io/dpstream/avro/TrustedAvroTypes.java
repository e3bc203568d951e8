package io.dpstream.avro;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 instantiates only trusted classes while decoding (nested records, unions, fixed
 * types), and refuses the rest. dpstream's generated schema classes live in this package; this is
 * the one place that adds them to Avro's global trust, keeping whatever was trusted before. Every
 * codec calls {@link #install()} before it decodes.
 */
public final class TrustedAvroTypes {
  private static final String PACKAGE = TrustedAvroTypes.class.getPackageName() + ".";

  static {
    ClassSecurityValidator.ClassSecurityPredicate before = ClassSecurityValidator.getGlobal();
    ClassSecurityValidator.setGlobal(c -> c.getName().startsWith(PACKAGE) || before.isTrusted(c));
  }

  private TrustedAvroTypes() {}

  /** Trusts dpstream's generated types (idempotent: loading this class does the work once). */
  public static void install() {}
}

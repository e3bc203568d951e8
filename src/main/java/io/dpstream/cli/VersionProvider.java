package io.dpstream.cli;

import picocli.CommandLine.IVersionProvider;

/** Reports the version from the jar manifest, or "development" when run from classes. */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = DpstreamCommand.class.getPackage().getImplementationVersion();
    return new String[] {"dpstream " + (v == null ? "development" : v)};
  }
}

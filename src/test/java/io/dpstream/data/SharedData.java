package io.dpstream.data;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real data sets shared beside the repository ({@code ../shared/data}, or the directory in
 * the environment variable DPSTREAM_SHARED_DATA that surefire sets). Tests that need one are
 * skipped, not failed, where it is absent; the data is never copied into the repository.
 */
final class SharedData {
  private SharedData() {}

  /** The directory of one data set, e.g. {@code mnist}; skips the calling test if absent. */
  static Path dir(String name) {
    String env = System.getenv("DPSTREAM_SHARED_DATA");
    Path root = env != null ? Path.of(env) : Path.of("..", "shared", "data");
    Path dir = root.resolve(name);
    assumeTrue(Files.isDirectory(dir), "shared data set " + dir + " is absent");
    return dir;
  }
}

package io.dpstream.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds a data set's files from a {@code --data} path, which may be the file itself, the
 * directory holding the files, or a parent directory with the data set's usual subdirectory
 * (e.g. {@code data/} holding {@code mnist/}, {@code fashion-mnist/}, {@code adult/}, {@code
 * ml-100k/}).
 */
final class DataLocation {
  private DataLocation() {}

  /**
   * The first existing file among {@code candidates} (file names tried in order, e.g. with and
   * without {@code .gz}) in {@code data} or in {@code data/subdirectory}.
   *
   * @throws MalformedDatasetException naming the directory and the names looked for, when none
   *     exists
   */
  static Path find(Path data, String subdirectory, List<String> candidates) {
    if (Files.isRegularFile(data) && candidates.contains(data.getFileName().toString())) {
      return data;
    }
    Path dir = Files.isRegularFile(data) ? data.getParent() : data;
    if (dir == null || !Files.isDirectory(dir)) {
      throw new MalformedDatasetException(data, "no such directory");
    }
    for (Path d : List.of(dir, dir.resolve(subdirectory))) {
      for (String name : candidates) {
        Path p = d.resolve(name);
        if (Files.isRegularFile(p)) return p;
      }
    }
    throw new MalformedDatasetException(
        dir,
        "no " + String.join(" or ", candidates) + " here or in " + subdirectory + "/");
  }
}

package io.dpstream.data;

import java.nio.file.Path;

/**
 * A data set file is missing, is not in the expected format, or holds a value out of range. The
 * message names the file (and the line or item where it helps) and what was expected. It is an
 * {@link IllegalArgumentException} because it is bad input: the command line reports it in one
 * line with exit code 2.
 */
public final class MalformedDatasetException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public MalformedDatasetException(Path file, String problem) {
    super(file + ": " + problem);
  }

  public MalformedDatasetException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }
}

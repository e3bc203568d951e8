package io.dpstream.cli;

/**
 * Whether standard error is an interactive terminal, so that progress bars are drawn only where
 * a person watches them and never into a log file or a pipe.
 */
final class StderrTerminal {
  private StderrTerminal() {}

  /**
   * True when file descriptor 2 is a terminal (isatty(2) through JLine's native library, which the
   * progress bar library brings); where that library cannot load, true when the JVM has a console.
   */
  static boolean isTerminal() {
    try {
      return org.jline.nativ.CLibrary.isatty(2) == 1;
    } catch (Throwable unavailable) {
      return System.console() != null;
    }
  }
}

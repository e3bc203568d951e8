package io.dpstream;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/**
 * Everything logged through logback while open, captured in memory from the root logger (and at
 * the levels asked for, which are restored on close). For tests that assert what a log must never
 * contain: a stack trace, a secret.
 */
public final class CapturedLogs implements AutoCloseable {
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Logger root;
  private final Map<Logger, Level> previousLevels = new LinkedHashMap<>();

  private CapturedLogs(Map<String, Level> levels) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    for (var e : levels.entrySet()) {
      Logger logger = context.getLogger(e.getKey());
      previousLevels.put(logger, logger.getLevel());
      logger.setLevel(e.getValue());
    }
    root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    appender.setContext(context);
    appender.start();
    root.addAppender(appender);
  }

  /** Captures at the configured levels. */
  public static CapturedLogs start() {
    return new CapturedLogs(Map.of());
  }

  /** Captures with some loggers set to other levels meanwhile (e.g. {@code org.apache.kafka} INFO). */
  public static CapturedLogs start(Map<String, Level> levels) {
    return new CapturedLogs(levels);
  }

  /** The events so far (a copy). */
  public List<ILoggingEvent> events() {
    synchronized (appender.list) {
      return new ArrayList<>(appender.list);
    }
  }

  /** Events that carry a throwable: each would print a stack trace. */
  public List<ILoggingEvent> withThrowable() {
    return events().stream().filter(e -> e.getThrowableProxy() != null).toList();
  }

  /** Events at {@code level} or above. */
  public List<ILoggingEvent> atLeast(Level level) {
    return events().stream().filter(e -> e.getLevel().isGreaterOrEqual(level)).toList();
  }

  /** Every message, formatted, with its throwable's messages, one per line. */
  public String text() {
    return events().stream().map(CapturedLogs::describe).collect(Collectors.joining("\n"));
  }

  /** One event as a line: level, logger, message, and its throwables' classes and messages. */
  public static String describe(ILoggingEvent e) {
    StringBuilder b = new StringBuilder()
        .append(e.getLevel()).append(' ').append(e.getLoggerName()).append(" - ").append(e.getFormattedMessage());
    for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
      b.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
    }
    return b.toString();
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    appender.stop();
    previousLevels.forEach(Logger::setLevel);
  }
}

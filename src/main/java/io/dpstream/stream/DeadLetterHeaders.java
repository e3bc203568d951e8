package io.dpstream.stream;

/**
 * Headers the gate adds to a dead-lettered record, whose key and value are the original bytes
 * unchanged (the original headers are kept too). All values are UTF-8 strings.
 */
public final class DeadLetterHeaders {
  /** A {@link DeadLetterReason#id()}. */
  public static final String REASON = "dpstream.dlq.reason";
  /** A human-readable detail: which field, which value. */
  public static final String DETAIL = "dpstream.dlq.detail";
  public static final String SOURCE_TOPIC = "dpstream.dlq.source.topic";
  public static final String SOURCE_PARTITION = "dpstream.dlq.source.partition";
  public static final String SOURCE_OFFSET = "dpstream.dlq.source.offset";

  private DeadLetterHeaders() {}
}

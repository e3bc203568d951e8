package io.dpstream.snapshot;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The settings of the snapshot topic: compacted (key = model id, see {@link SnapshotPublisher}),
 * with the broker's default message limit, which the chunking respects.
 */
public final class SnapshotTopic {
  private SnapshotTopic() {}

  /** Topic-level configuration of the snapshot topic. */
  public static Map<String, String> configs() {
    return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
  }

  /** The topic definition, for an admin client that creates it. */
  public static NewTopic newTopic(String name, int partitions, short replicationFactor) {
    return new NewTopic(name, partitions, replicationFactor).configs(configs());
  }

  /**
   * Creates the topic unless it exists.
   *
   * @throws IllegalStateException if the broker refused for another reason
   */
  public static void ensure(Admin admin, String name, int partitions, short replicationFactor) {
    try {
      admin.createTopics(List.of(newTopic(name, partitions, replicationFactor))).all().get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("could not create topic " + name + ": " + e.getCause(), e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topic " + name, e);
    }
  }
}

package io.dpstream.kafka;

import io.dpstream.config.DpstreamConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates dpstream's topics with the right settings: partitions from the configuration, compaction
 * for {@link Topics#COMPACTED} (latest value per key: ledger, snapshots, checkpoints), deletion by
 * retention for the rest. Existing topics are left as they are, but the gate refuses to run when
 * training-records does not have {@code topics.partitions} partitions, because every step marker
 * announces that count to the trainer.
 */
public final class TopicProvisioner {
  private static final Logger log = LoggerFactory.getLogger(TopicProvisioner.class);

  private TopicProvisioner() {}

  /** The topics dpstream uses, with partitions and configuration, by name. */
  public static Map<String, NewTopic> plan(DpstreamConfig config) {
    int p = config.topics().partitions();
    int lp = config.topics().ledgerPartitions();
    short rf = config.kafka().replicationFactor();
    Map<String, NewTopic> topics = new LinkedHashMap<>();
    topics.put(Topics.TRAINING_RECORDS, new NewTopic(Topics.TRAINING_RECORDS, p, rf));
    topics.put(Topics.TRAINING_RECORDS_DLQ, new NewTopic(Topics.TRAINING_RECORDS_DLQ, p, rf));
    topics.put(Topics.STEP_CONTRIBUTIONS, new NewTopic(Topics.STEP_CONTRIBUTIONS, p, rf));
    topics.put(Topics.PRIVACY_LEDGER, new NewTopic(Topics.PRIVACY_LEDGER, lp, rf));
    topics.put(Topics.BUDGET_ALERTS, new NewTopic(Topics.BUDGET_ALERTS, lp, rf));
    // The trainer's topics: one model, one writer, so one partition keeps them totally ordered.
    topics.put(Topics.MODEL_SNAPSHOTS, new NewTopic(Topics.MODEL_SNAPSHOTS, 1, rf));
    topics.put(Topics.PRIVACY_METRICS, new NewTopic(Topics.PRIVACY_METRICS, 1, rf));
    topics.put(Topics.TRAINER_CHECKPOINTS, new NewTopic(Topics.TRAINER_CHECKPOINTS, 1, rf));
    for (String name : Topics.COMPACTED) {
      Map<String, String> c = new HashMap<>();
      c.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
      if (!name.equals(Topics.PRIVACY_LEDGER))
        c.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024));
      topics.get(name).configs(c);
    }
    return topics;
  }

  /** Admin client properties: bootstrap servers plus the pass-through client properties. */
  public static Properties adminProperties(DpstreamConfig config) {
    Properties p = new Properties();
    p.putAll(config.kafka().properties());
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
    return p;
  }

  /**
   * Creates the topics that do not exist yet and checks the input partition count.
   *
   * @return the names of the topics created
   * @throws IllegalArgumentException if training-records exists with another partition count
   */
  public static List<String> ensureTopics(DpstreamConfig config) {
    try (Admin admin = Admin.create(adminProperties(config))) {
      return ensureTopics(admin, config);
    }
  }

  /** As {@link #ensureTopics(DpstreamConfig)} with a given admin client. */
  public static List<String> ensureTopics(Admin admin, DpstreamConfig config) {
    Map<String, NewTopic> plan = plan(config);
    List<String> created = new ArrayList<>();
    try {
      var existing = admin.listTopics().names().get();
      List<NewTopic> missing = plan.values().stream().filter(t -> !existing.contains(t.name())).toList();
      if (!missing.isEmpty()) {
        var results = admin.createTopics(missing).values();
        for (var e : results.entrySet()) {
          try {
            e.getValue().get();
            created.add(e.getKey());
          } catch (ExecutionException ex) {
            if (!(ex.getCause() instanceof TopicExistsException)) throw ex; // a concurrent creator
          }
        }
        log.info("created topics {}", created);
      }
      TopicDescription input = describeInput(admin);
      int actual = input.partitions().size();
      if (actual != config.topics().partitions())
        throw new IllegalArgumentException(
            "topic " + Topics.TRAINING_RECORDS + " has " + actual + " partitions but topics.partitions is "
                + config.topics().partitions() + ": set topics.partitions=" + actual);
      return created;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("could not create topics: " + e.getCause().getMessage(), e.getCause());
    }
  }

  /**
   * The input topic's description. Right after creation a broker may not know the topic yet and
   * answers with a retriable error (unknown topic or partition), so this retries for up to 30 s.
   */
  private static TopicDescription describeInput(Admin admin) throws InterruptedException, ExecutionException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        return admin.describeTopics(List.of(Topics.TRAINING_RECORDS)).allTopicNames().get().get(Topics.TRAINING_RECORDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof org.apache.kafka.common.errors.RetriableException)
            || System.nanoTime() > deadline) throw e;
        Thread.sleep(100);
      }
    }
  }
}

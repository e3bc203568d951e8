package io.dpstream.cli;

import io.dpstream.avro.TrainingRecord;
import io.dpstream.data.CsvDatasetReader;
import io.dpstream.data.CsvSpec;
import io.dpstream.data.DatasetKind;
import io.dpstream.data.DatasetReader;
import io.dpstream.data.DatasetSplit;
import io.dpstream.data.EventTimeAssignment;
import io.dpstream.data.Example;
import io.dpstream.data.IdxDatasetReader;
import io.dpstream.data.Split;
import io.dpstream.data.SyntheticSource;
import io.dpstream.data.SyntheticSpec;
import io.dpstream.data.UserIdAssignment;
import io.dpstream.kafka.Topics;
import io.dpstream.kafka.TrainingRecordProducer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dpstream produce}: writes a data set, or the synthetic source, into the input topic as
 * Avro {@code TrainingRecord}s keyed by user id. Prints one summary line on stdout; a progress
 * bar on stderr when stderr is a terminal.
 */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Write a data set into the training-records topic (Avro single-object encoding, key = user id).",
      "Data sets: mnist, fashion-mnist (IDX files), adult (adult.data / adult.test),"
          + " movielens (u.data of MovieLens 100K), csv (any delimited file), synthetic"
          + " (built-in seeded user events)."
    },
    footer = {
      "",
      "Examples:",
      "  dpstream produce --dataset mnist --data data/mnist --bootstrap-servers 127.0.0.1:9092",
      "  dpstream produce --dataset movielens --data data/ml-100k --rate 500 --bootstrap-servers ...",
      "  dpstream produce --dataset csv --data events.csv --csv-header --csv-features 'x1,x2,x3'"
          + " --csv-label y --users-from column:user --bootstrap-servers ...",
      "  dpstream produce --dataset synthetic --limit 100000 --bootstrap-servers ..."
    })
public final class ProduceCommand implements java.util.concurrent.Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--dataset", required = true, paramLabel = "NAME",
      description = "mnist, fashion-mnist, adult, movielens, csv or synthetic.")
  String dataset;

  @Option(names = "--data", paramLabel = "DIR_OR_FILE",
      description = "The data set's directory (or a parent holding mnist/, fashion-mnist/, adult/,"
          + " ml-100k/), or the file for csv. Not used by synthetic.")
  Path data;

  @Option(names = "--split", defaultValue = "train", paramLabel = "train|test",
      description = "Which split to write (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--topic", defaultValue = Topics.TRAINING_RECORDS,
      description = "Topic to write (default: ${DEFAULT-VALUE}); it must exist.")
  String topic;

  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
      description = "Kafka bootstrap servers, e.g. the address `dpstream broker` prints.")
  String bootstrapServers;

  @Option(names = "--users-from", paramLabel = "RULE",
      description = "User ids: record (record-<i>, each record its own user), k:N (N records"
          + " per user), data (the data's own ids), column:NAME (a CSV column). Default: data"
          + " where the data has user ids (movielens, synthetic, csv with a user column), else"
          + " record.")
  String usersFrom;

  @Option(names = "--event-time", defaultValue = "data", paramLabel = "data|synthetic",
      description = "data: the data's own times where it has them (movielens, synthetic, csv"
          + " time column), else the synthetic clock; synthetic: always --start-time +"
          + " i * --interval-ms (default: ${DEFAULT-VALUE}).")
  String eventTime;

  @Option(names = "--start-time", paramLabel = "ISO-8601",
      description = "First synthetic event time, e.g. 2024-01-31T12:00:00Z (default: now).")
  String startTime;

  @Option(names = "--interval-ms", defaultValue = "1",
      description = "Synthetic clock step between records in ms (default: ${DEFAULT-VALUE}).")
  long intervalMillis;

  @Option(names = "--limit", paramLabel = "N",
      description = "Write at most N records (default: the whole split; synthetic: unbounded).")
  Long limit;

  @Option(names = "--rate", paramLabel = "R",
      description = "At most R records per second (default: as fast as the broker takes them).")
  Double rate;

  @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
      description = "A Kafka producer setting, passed through untouched (repeatable), e.g."
          + " security.protocol=SSL.")
  Map<String, String> kafkaProperties = new LinkedHashMap<>();

  @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
  boolean quiet;

  @Option(names = "--pixels", defaultValue = "unit", paramLabel = "unit|standardised",
      description = "mnist, fashion-mnist: pixels in [0,1], or standardised with the train"
          + " set's mean and standard deviation (default: ${DEFAULT-VALUE}).")
  String pixels;

  @CommandLine.ArgGroup(exclusive = false, heading = "%nCSV options (--dataset csv):%n")
  CsvOptions csv = new CsvOptions();

  @CommandLine.ArgGroup(exclusive = false, heading = "%nSynthetic source options:%n")
  SyntheticOptions synthetic = new SyntheticOptions();

  static final class CsvOptions {
    @Option(names = "--csv-features", paramLabel = "COLS",
        description = "Feature columns: names (with a header), 0-based indexes, ranges like"
            + " 1-784, or * for all other columns.")
    String features;

    @Option(names = "--csv-label", paramLabel = "COL", description = "Class label column (0, 1, ...).")
    String label;

    @Option(names = "--csv-target", paramLabel = "COL", description = "Regression target column.")
    String target;

    @Option(names = "--csv-user", paramLabel = "COL",
        description = "User id column (same as --users-from column:COL).")
    String user;

    @Option(names = "--csv-time", paramLabel = "COL",
        description = "Event time column: epoch milliseconds or ISO-8601 instants.")
    String time;

    @Option(names = "--csv-header", description = "The first line holds column names.")
    boolean header;

    @Option(names = "--csv-delimiter", defaultValue = ",", paramLabel = "C",
        description = "Field delimiter: one character, or tab (default: '${DEFAULT-VALUE}').")
    String delimiter = ",";
  }

  static final class SyntheticOptions {
    @Option(names = "--synthetic-users", defaultValue = "10000", description = "Users (default: ${DEFAULT-VALUE}).")
    int users = 10_000;

    @Option(names = "--synthetic-features", defaultValue = "16", description = "Dense features (default: ${DEFAULT-VALUE}).")
    int features = 16;

    @Option(names = "--synthetic-classes", defaultValue = "4", description = "Classes (default: ${DEFAULT-VALUE}).")
    int classes = 4;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the task and the events (default: ${DEFAULT-VALUE}).")
    long seed = 42;
  }

  @Override
  public Integer call() throws IOException {
    DatasetKind kind = DatasetKind.fromCliName(dataset);
    Split chosenSplit = Split.fromCliName(split);
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException(
          "no --bootstrap-servers given: start a local broker with `dpstream broker` and pass the"
              + " address it prints, or pass your cluster's HOST:PORT");
    }
    if (limit != null && limit < 0) throw new IllegalArgumentException("--limit must be >= 0: " + limit);
    if (rate != null && !(rate > 0 && Double.isFinite(rate))) {
      throw new IllegalArgumentException("--rate must be a positive number of records per second: " + rate);
    }
    if (intervalMillis < 0) throw new IllegalArgumentException("--interval-ms must be >= 0: " + intervalMillis);
    if (kind != DatasetKind.SYNTHETIC && data == null) {
      throw new IllegalArgumentException("--data is required for --dataset " + kind.cliName());
    }
    long start = startMillis();
    UserIdAssignment users = usersFrom == null ? null : UserIdAssignment.parse(usersFrom);
    EventTimeAssignment times =
        switch (eventTime) {
          case "data" -> EventTimeAssignment.fromDataOr(start, intervalMillis);
          case "synthetic" -> EventTimeAssignment.synthetic(start, intervalMillis);
          default -> throw new IllegalArgumentException(
              "--event-time must be data or synthetic, got '" + eventTime + "'");
        };

    Source source = openSource(kind, chosenSplit, start);
    if (users == null) {
      users = source.hasUserIds() ? UserIdAssignment.fromData() : UserIdAssignment.perRecord();
    } else if (users.mode() == UserIdAssignment.Mode.COLUMN && kind != DatasetKind.CSV) {
      throw new IllegalArgumentException("--users-from column:NAME is for --dataset csv; "
          + kind.cliName() + " takes record, k:N" + (source.hasUserIds() ? " or data" : ""));
    } else if (users.mode() == UserIdAssignment.Mode.FROM_DATA && !source.hasUserIds()) {
      throw new IllegalArgumentException("--dataset " + kind.cliName() + " has no user ids:"
          + " use --users-from record or k:N" + (kind == DatasetKind.CSV ? " or column:NAME" : ""));
    }
    Iterator<TrainingRecord> records = keyed(source.examples(), users, times);

    TrainingRecordProducer.requireTopic(bootstrapServers, topic, kafkaProperties, Duration.ofSeconds(15));
    return produce(records, source.total(), kind, chosenSplit, users);
  }

  /**
   * Examples to write, how many (-1: unbounded), and whether they carry the data's own user ids.
   */
  private record Source(Iterator<Example> examples, long total, boolean hasUserIds) {}

  private Source openSource(DatasetKind kind, Split chosenSplit, long start) throws IOException {
    if (kind == DatasetKind.SYNTHETIC) {
      SyntheticSpec s = SyntheticSpec.defaults()
          .withUsers(synthetic.users)
          .withShape(synthetic.features, synthetic.classes)
          .withSeed(synthetic.seed)
          .withStart(start, intervalMillis);
      SyntheticSource source = new SyntheticSource(
          s, chosenSplit == Split.TRAIN ? SyntheticSource.TRAIN_STREAM : SyntheticSource.TEST_STREAM);
      Iterator<Example> events = new Iterator<>() {
        @Override
        public boolean hasNext() {
          return true;
        }

        @Override
        public Example next() {
          return source.nextExample();
        }
      };
      return new Source(events, limit == null ? -1 : limit, true);
    }
    DatasetSplit read = reader(kind).read(chosenSplit);
    long total = limit == null ? read.size() : Math.min(limit, read.size());
    boolean hasUserIds = read.size() > 0 && read.examples().get(0).userId() != null;
    return new Source(read.examples().iterator(), total, hasUserIds);
  }

  private int produce(
      Iterator<TrainingRecord> records, long total, DatasetKind kind, Split chosenSplit,
      UserIdAssignment users) {
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch done = new CountDownLatch(1);
    // Ctrl-C or SIGTERM: stop taking records, flush what was sent, print the summary, then exit.
    Thread hook = new Thread(() -> {
      stop.set(true);
      try {
        done.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "dpstream-produce-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    long started = System.nanoTime();
    try (TrainingRecordProducer producer =
            new TrainingRecordProducer(bootstrapServers, topic, kafkaProperties);
        ProgressBar bar = progressBar(total)) {
      LongConsumer progress = bar == null ? n -> {} : n -> bar.stepTo(n);
      long written = producer.sendAll(
          records, total < 0 ? Long.MAX_VALUE : total, rate, progress, stop::get);
      double seconds = (System.nanoTime() - started) / 1e9;
      PrintWriter out = spec.commandLine().getOut();
      out.printf(Locale.ROOT,
          "produced %d records (%s %s, users from %s) to %s in %.1f s (%.0f records/s)%s%n",
          written, kind.cliName(), chosenSplit.cliName(), users, topic, seconds,
          seconds > 0 ? written / seconds : 0.0, stop.get() ? ", stopped early" : "");
      out.flush();
    } finally {
      done.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it returns now that done is counted down
      }
    }
    return 0;
  }

  private DatasetReader reader(DatasetKind kind) {
    return switch (kind) {
      case MNIST, FASHION_MNIST -> new IdxDatasetReader(kind, data, scaling());
      case CSV -> new CsvDatasetReader(data, csvSpec());
      default -> DatasetReader.open(kind, data);
    };
  }

  private IdxDatasetReader.Scaling scaling() {
    return switch (pixels) {
      case "unit" -> IdxDatasetReader.Scaling.UNIT;
      case "standardised", "standardized" -> IdxDatasetReader.Scaling.STANDARDISED;
      default -> throw new IllegalArgumentException("--pixels must be unit or standardised, got '" + pixels + "'");
    };
  }

  private CsvSpec csvSpec() {
    if (csv.features == null) {
      throw new IllegalArgumentException("--dataset csv needs --csv-features and --csv-label or --csv-target");
    }
    String userColumn = csv.user;
    if (usersFrom != null) {
      UserIdAssignment u = UserIdAssignment.parse(usersFrom);
      if (u.mode() == UserIdAssignment.Mode.COLUMN) {
        if (userColumn != null && !userColumn.equals(u.column())) {
          throw new IllegalArgumentException("--csv-user and --users-from column:NAME disagree");
        }
        userColumn = u.column();
      }
    }
    return new CsvSpec(CsvSpec.delimiterOf(csv.delimiter), csv.header,
        CsvSpec.columnList(csv.features), csv.label, csv.target, userColumn, csv.time);
  }

  private long startMillis() {
    if (startTime == null) return System.currentTimeMillis();
    try {
      return Instant.parse(startTime).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "--start-time must be an ISO-8601 instant like 2024-01-31T12:00:00Z, got '" + startTime + "'");
    }
  }

  /** Assigns user ids and times by index as records are taken. */
  private static Iterator<TrainingRecord> keyed(
      Iterator<Example> examples, UserIdAssignment users, EventTimeAssignment times) {
    return new Iterator<>() {
      private long index;

      @Override
      public boolean hasNext() {
        return examples.hasNext();
      }

      @Override
      public TrainingRecord next() {
        Example e = examples.next();
        long i = index++;
        return e.toRecord(users.userIdFor(i, e), times.eventTimeFor(i, e));
      }
    };
  }

  private ProgressBar progressBar(long total) {
    if (quiet || !StderrTerminal.isTerminal()) return null;
    return new ProgressBarBuilder()
        .setTaskName("produce")
        .setInitialMax(total)
        .setUnit(" records", 1)
        .showSpeed()
        .setUpdateIntervalMillis(250)
        .setConsumer(new ConsoleProgressBarConsumer(System.err))
        .build();
  }
}

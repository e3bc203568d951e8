package io.dpstream.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * MovieLens 100K ratings (Harper &amp; Konstan 2015) from {@code u.data}: tab-separated {@code
 * user_id item_id rating unix_timestamp}, 100,000 ratings by 943 users on 1,682 items.
 *
 * <p>Each rating becomes an example with no dense features, {@code categoricalIds = [user_id −
 * 1, item_id − 1]} (id spaces of 943 users and 1,682 items, hence {@link DatasetShape}
 * cardinalities [943, 1682]), {@code target} = the rating (1–5), {@code userId} = the user id as
 * written in the file (e.g. "196"), {@code eventTime} = the timestamp in milliseconds.
 *
 * <p><b>Split</b> (deterministic, temporal per user): each user's ratings are ordered by time
 * (ties by item id); the last {@code max(1, ⌊n/10⌋)} of a user's n ratings form the test split,
 * the rest the train split. So every user appears in both, and every test rating of a user is no
 * earlier than all their train ratings: the model is asked about each user's future. Within a
 * split, examples are ordered by time (ties by user, then item): the file itself is not sorted,
 * and this order replays it as the stream it was.
 *
 * <p>The GroupLens licence forbids redistribution: the files are never copied into the project.
 */
public final class MovieLensDatasetReader implements DatasetReader {

  /** Users in MovieLens 100K: ids 1..943. */
  public static final int USERS = 943;
  /** Items in MovieLens 100K: ids 1..1682. */
  public static final int ITEMS = 1682;

  private final Path data;

  /** @param data {@code u.data}, its directory, or a parent holding {@code ml-100k/} */
  public MovieLensDatasetReader(Path data) {
    this.data = data;
  }

  @Override
  public DatasetKind kind() {
    return DatasetKind.MOVIELENS;
  }

  /** One line of u.data. */
  private record Rating(int user, int item, int rating, long timestamp) {}

  private static final Comparator<Rating> BY_TIME_USER_ITEM =
      Comparator.comparingLong(Rating::timestamp)
          .thenComparingInt(Rating::user)
          .thenComparingInt(Rating::item);

  @Override
  public DatasetSplit read(Split split) throws IOException {
    Path file = DataLocation.find(data, "ml-100k", List.of("u.data"));
    Map<Integer, List<Rating>> byUser = new TreeMap<>();
    for (Rating r : readRatings(file)) byUser.computeIfAbsent(r.user(), u -> new ArrayList<>()).add(r);

    List<Rating> chosen = new ArrayList<>();
    for (List<Rating> ratings : byUser.values()) {
      ratings.sort(Comparator.comparingLong(Rating::timestamp).thenComparingInt(Rating::item));
      int test = Math.max(1, ratings.size() / 10);
      int cut = ratings.size() - test;
      chosen.addAll(split == Split.TRAIN ? ratings.subList(0, cut) : ratings.subList(cut, ratings.size()));
    }
    chosen.sort(BY_TIME_USER_ITEM);

    List<Example> examples = new ArrayList<>(chosen.size());
    float[] noFeatures = new float[0];
    for (Rating r : chosen) {
      examples.add(
          new Example(
              noFeatures,
              new int[] {r.user() - 1, r.item() - 1},
              null,
              (double) r.rating(),
              null,
              Integer.toString(r.user()),
              r.timestamp() * 1000L));
    }
    return new DatasetSplit(
        DatasetKind.MOVIELENS, split, new DatasetShape(0, 0, List.of(USERS, ITEMS)), examples);
  }

  private static List<Rating> readRatings(Path file) throws IOException {
    List<Rating> ratings = new ArrayList<>(100_000);
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
      String line;
      int lineNo = 0;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) continue;
        String[] f = line.split("\t", -1);
        if (f.length != 4) {
          throw new MalformedDatasetException(
              file, "line " + lineNo + " has " + f.length + " tab-separated fields, expected 4"
                  + " (user item rating timestamp)");
        }
        try {
          Rating r = new Rating(
              Integer.parseInt(f[0].trim()),
              Integer.parseInt(f[1].trim()),
              Integer.parseInt(f[2].trim()),
              Long.parseLong(f[3].trim()));
          if (r.user() < 1 || r.user() > USERS) {
            throw new MalformedDatasetException(
                file, "line " + lineNo + ": user id " + r.user() + " outside 1.." + USERS
                    + " (is this MovieLens 100K?)");
          }
          if (r.item() < 1 || r.item() > ITEMS) {
            throw new MalformedDatasetException(
                file, "line " + lineNo + ": item id " + r.item() + " outside 1.." + ITEMS
                    + " (is this MovieLens 100K?)");
          }
          if (r.rating() < 1 || r.rating() > 5) {
            throw new MalformedDatasetException(
                file, "line " + lineNo + ": rating " + r.rating() + " outside 1..5");
          }
          ratings.add(r);
        } catch (NumberFormatException e) {
          throw new MalformedDatasetException(file, "line " + lineNo + ": not a number: " + e.getMessage());
        }
      }
    }
    if (ratings.isEmpty()) throw new MalformedDatasetException(file, "no ratings");
    return ratings;
  }
}

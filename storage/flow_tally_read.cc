// The flow tallies' window read (storage/flow_tally_internal.h); their
// one-time build is in flow_tally_build.cc.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "storage/flow_tally_cache.h"
#include "storage/flow_tally_internal.h"
#include "storage/internal.h"
#include "storage/retention_internal.h"

namespace hub::storage::internal {
namespace {

// The write stamps of a few minutes (first second, stamp), taken before a
// read's snapshot: those of its partial seconds and the seconds read ahead.
using MinuteStamps = std::vector<std::pair<int64_t, FlowTallyCache::Stamp>>;

// The seconds read ahead of a window's first partial second: a window
// that moves with the clock (the monitor's, every second) finds them kept
// at its next reads, so the records are read once per kEdgeReadAhead
// seconds with one seek per provider, not every second.
constexpr int kEdgeReadAhead = 8;

// Calls fn(level, from, to) for the runs of consecutive aligned buckets of
// one level ([from, to) in seconds) that tile the seconds [lo, hi) with the
// fewest buckets: at most 11 runs (up the levels to days and down again),
// each one range scan.
template <typename Fn>
absl::Status ForEachRun(int64_t lo, int64_t hi, Fn&& fn) {
  int64_t t = lo;
  char run_level = 0;
  int64_t run_from = lo;
  while (t < hi) {
    for (auto level = std::rbegin(kTallyLevels); level != std::rend(kTallyLevels); ++level) {
      if (t % level->seconds == 0 && t + level->seconds <= hi) {
        if (level->name != run_level) {
          if (run_level != 0) RETURN_IF_ERROR(fn(run_level, run_from, t));
          run_level = level->name;
          run_from = t;
        }
        t += level->seconds;
        break;
      }
    }
  }
  if (run_level != 0) RETURN_IF_ERROR(fn(run_level, run_from, t));
  return absl::OkStatus();
}

// A piece of a window read: `kind`'s ('g' groups, 's' series) tallies of
// the `level` buckets [from, to) (one run of ForEachRun; a run of seconds is
// cut at minutes), for bar `bar` (series), with its cache stamp taken
// before the read's snapshot.
struct Piece {
  char kind;
  char level;
  int64_t from;
  int64_t to;
  size_t bar;
  FlowTallyCache::Stamp stamp;
};

// What caches a piece: the run itself, or for seconds their whole minute,
// whose minute bucket changes with every write to one of its seconds.
struct RunOf {
  int64_t from;
  int64_t to;
  char stamp_level;
  static RunOf Of(const Piece& piece) {
    if (piece.level != 's') return {piece.from, piece.to, piece.level};
    const int64_t minute = FloorDiv(piece.from, 60) * 60;
    return {minute, minute + 60, 'm'};
  }
};

// Adds to `pieces` those of ForEachRun(lo, hi), stamped; a run of seconds
// becomes a piece per minute, or with `second_by_second` a piece per second
// (a window's sum: its edges move a second at a time).
absl::Status AddPieces(const FlowTallyCache& cache, char kind, int64_t lo, int64_t hi, size_t bar,
                       bool second_by_second, std::vector<Piece>& pieces) {
  return ForEachRun(lo, hi, [&](char level, int64_t from, int64_t to) {
    while (from < to) {
      const int64_t end = level != 's'       ? to
                          : second_by_second ? from + 1
                                             : std::min(to, FloorDiv(from, 60) * 60 + 60);
      Piece piece{kind, level, from, end, bar, {}};
      const RunOf run = RunOf::Of(piece);
      piece.stamp = cache.StampOf(run.stamp_level, run.from, run.to);
      pieces.push_back(piece);
      from = end;
    }
    return absl::OkStatus();
  });
}

// One window read: the tallies, the runs it took and the snapshot.
class WindowReader {
 public:
  WindowReader(const Store::Rep& rep, const rocksdb::Snapshot* snapshot, FlowTallies& out)
      : rep_(rep), snapshot_(snapshot), out_(out) {}

  // Adds a series piece to its bar.
  absl::Status AddSeriesPiece(const Piece& piece) {
    const std::optional<uint64_t> stamp = StampAfterSnapshot(piece);
    ASSIGN_OR_RETURN(const std::shared_ptr<const CachedRun> run, TalliesOf(piece, stamp));
    const auto [begin, end] = RangeOf(piece, *run);
    for (size_t i = begin; i < end; ++i) {
      const CachedRun::Tally& tally = run->groups[i];
      int64_t count = 0;
      if (!DecodeTallyInto(tally.value, 1, &count, {&scratch_}, &out_.bins_read)) {
        return TallyDamaged("the monitor's flow tallies");
      }
      if (count != 0) out_.series[piece.bar][tally.rest] += count;
    }
    return absl::OkStatus();
  }

  // Brings `sum` (the group tallies of an earlier read's pieces) to the
  // group pieces `pieces` and the partial seconds `edges` (EdgePiece) as of
  // this read's snapshot: a piece the sum holds with the stamp it has now
  // stays; the sum's other pieces are taken away and the new ones (or their
  // new tallies) added. On an error `sum` is left part way: drop it.
  absl::Status UpdateSum(const std::vector<Piece>& pieces, std::vector<WindowSum::Piece> edges,
                         WindowSum& sum) {
    using Span = std::tuple<char, int64_t, int64_t>;
    absl::flat_hash_map<Span, size_t> held;
    for (size_t i = 0; i < sum.pieces.size(); ++i) {
      const WindowSum::Piece& p = sum.pieces[i];
      held.emplace(Span{p.level, p.from, p.to}, i);
    }
    std::vector<bool> kept(sum.pieces.size(), false);
    std::vector<WindowSum::Piece> now;
    now.reserve(pieces.size());
    std::vector<size_t> added;
    for (const Piece& piece : pieces) {
      const std::optional<uint64_t> stamp = StampAfterSnapshot(piece);
      auto was = held.find(Span{piece.level, piece.from, piece.to});
      if (was != held.end() && stamp.has_value() && sum.pieces[was->second].stamp == stamp) {
        kept[was->second] = true;
        now.push_back(std::move(sum.pieces[was->second]));
        ++out_.pieces_kept;
        continue;
      }
      WindowSum::Piece& p = now.emplace_back();
      p.level = piece.level;
      p.from = piece.from;
      p.to = piece.to;
      p.stamp = stamp;
      ASSIGN_OR_RETURN(p.run, TalliesOf(piece, stamp));
      std::tie(p.begin, p.end) = RangeOf(piece, *p.run);
      added.push_back(now.size() - 1);
    }
    // An edge cut from the same second's records as one the sum holds: add
    // and take away only the records that differ (on a window that moves by
    // milliseconds, usually none, so its groups' histograms stay as they
    // are, remembered quantiles and all).
    std::vector<WindowSum::Piece> differences;
    for (WindowSum::Piece& edge : edges) {
      bool paired = false;
      for (size_t i = 0; i < sum.pieces.size() && !paired; ++i) {
        const WindowSum::Piece& was = sum.pieces[i];
        if (kept[i] || was.level != 'e' || was.edge != edge.edge) continue;
        kept[i] = paired = true;
        std::vector<uint32_t> add;
        std::vector<uint32_t> take_away;
        std::set_difference(edge.edge_records.begin(), edge.edge_records.end(),
                            was.edge_records.begin(), was.edge_records.end(),
                            std::back_inserter(add));
        std::set_difference(was.edge_records.begin(), was.edge_records.end(),
                            edge.edge_records.begin(), edge.edge_records.end(),
                            std::back_inserter(take_away));
        if (add.empty() && take_away.empty()) continue;
        WindowSum::Piece& difference = differences.emplace_back();
        difference.run = EdgeRun(*edge.edge, add, take_away);
        difference.end = difference.run->groups.size();
      }
      if (!paired) differences.push_back(edge);
    }
    for (size_t i = 0; i < sum.pieces.size(); ++i) {
      if (!kept[i]) RETURN_IF_ERROR(AddToSum(sum.pieces[i], -1, sum));
    }
    for (const size_t i : added) RETURN_IF_ERROR(AddToSum(now[i], 1, sum));
    for (const WindowSum::Piece& difference : differences) {
      RETURN_IF_ERROR(AddToSum(difference, 1, sum));
    }
    for (WindowSum::Piece& edge : edges) now.push_back(std::move(edge));
    sum.pieces = std::move(now);
    return absl::OkStatus();
  }

  // Copies the groups of `sum` with a count, and its latencies, into the
  // window's (their histograms shared until either side changes).
  void CopySum(const WindowSum& sum) {
    for (const auto& [rest, group] : sum.groups) {
      if (group.tally.count != 0) {
        out_.groups.emplace_hint(out_.groups.end(), group.key, group.tally);
      }
    }
    for (const auto& [plan_id, latency] : sum.plan_latencies) {
      if (!latency.empty()) {
        out_.plan_latencies.emplace_hint(out_.plan_latencies.end(), plan_id, latency);
      }
    }
    out_.latency = sum.latency;
  }

  // The piece of a window's partial second [lo, hi) (level 'e', never
  // kept: taken away and added again by every read): its records and
  // rejections as tallies, whose counts also go to bar `bar` of the series.
  // The second's records come from the cache when the stamp of its minute
  // taken before the snapshot (in `before`) still holds; else they are read
  // with those of the `read_ahead` - 1 seconds after it, and each second
  // whose minute's stamp holds is kept.
  absl::StatusOr<WindowSum::Piece> EdgePiece(int64_t lo, int64_t hi, size_t bar,
                                             const MinuteStamps& before, int read_ahead) {
    const int64_t second = FloorDiv(lo, kMicrosPerSecond);
    FlowTallyCache& cache = *rep_.flow_tally_cache;
    auto stamp_of = [&](int64_t s) -> std::optional<uint64_t> {
      const int64_t minute = FloorDiv(s, 60) * 60;
      for (const auto& [m, stamp] : before) {
        if (m != minute) continue;
        const FlowTallyCache::Stamp after = cache.StampOf('m', minute, minute + 60);
        if (!stamp.clean || !after.clean || stamp.sum != after.sum) return std::nullopt;
        return after.sum;
      }
      return std::nullopt;
    };
    const std::optional<uint64_t> stamp = stamp_of(second);
    std::shared_ptr<const EdgeSecond> records;
    if (stamp.has_value()) records = cache.FindEdge(second, *stamp);
    if (records == nullptr) {
      ASSIGN_OR_RETURN(
          const std::vector<std::shared_ptr<EdgeSecond>> read,
          ReadEdgeSeconds(rep_, snapshot_, second, read_ahead, &out_.edge_records_read));
      for (size_t i = 0; i < read.size(); ++i) {
        const std::optional<uint64_t> kept =
            i == 0 ? stamp : stamp_of(second + static_cast<int64_t>(i));
        if (kept.has_value() && read[i]->complete) {
          cache.PutEdge(second + static_cast<int64_t>(i), *kept, read[i]);
        }
      }
      records = read.front();
    }
    WindowSum::Piece piece;
    piece.level = 'e';
    piece.from = lo;
    piece.to = hi;
    for (uint32_t i = 0; i < records->records.size(); ++i) {
      const EdgeSecond::Record& r = records->records[i];
      if (r.accept_micros < lo || r.accept_micros >= hi) continue;
      // A record the feed purge took (retention) since counts no more.
      if (r.sequence != 0 && r.sequence <= rep_.feed_purge_marks->Get(r.group.plan_id)) continue;
      piece.edge_records.push_back(i);
      ++out_.series[bar][r.group.plan_id];
    }
    piece.edge = std::move(records);
    piece.run = EdgeRun(*piece.edge, piece.edge_records, {});
    piece.end = piece.run->groups.size();
    return piece;
  }

 private:
  // The group named by the rest of a 'g' key (plan \0 provider \0 kind \0
  // status \0 reason).
  static absl::StatusOr<FlowGroupKey> ParseGroup(std::string_view rest) {
    const std::vector<std::string_view> fields = SplitFields(rest);
    FlowGroupKey group;
    if (fields.size() != 5 || !absl::SimpleAtoi(Absl(fields[2]), &group.kind) ||
        !absl::SimpleAtoi(Absl(fields[3]), &group.status)) {
      return TallyDamaged("the monitor's flow tallies");
    }
    group.plan_id.assign(fields[0]);
    group.provider_id.assign(fields[1]);
    group.reason_code.assign(fields[4]);
    return group;
  }

  // Adds `sign` (1 or -1) times the tallies of `piece` to `sum`.
  absl::Status AddToSum(const WindowSum::Piece& piece, int64_t sign, WindowSum& sum) {
    for (size_t i = piece.begin; i < piece.end; ++i) {
      const CachedRun::Tally& tally = piece.run->groups[i];
      auto it = sum.groups.find(tally.rest);
      if (it == sum.groups.end()) {
        ASSIGN_OR_RETURN(FlowGroupKey key, ParseGroup(tally.rest));
        LatencyHistogram* const plan = &sum.plan_latencies[key.plan_id];
        it = sum.groups.emplace(tally.rest, WindowSum::Group{std::move(key), {}, plan}).first;
      }
      FlowGroupTally& g = it->second.tally;
      LatencyHistogram* const plan = it->second.plan_latency;
      if (sign > 0 && tally.lo <= tally.hi) {
        for (LatencyHistogram* latency : {&g.latency, plan, &sum.latency}) {
          latency->ReserveRange(tally.lo, tally.hi);
        }
      }
      int64_t count = 0;
      if (!DecodeTallyInto(tally.value, sign, &count, {&g.latency, plan, &sum.latency},
                           &out_.bins_read)) {
        return TallyDamaged("the monitor's flow tallies");
      }
      g.count += sign * count;
    }
    return absl::OkStatus();
  }

  // The stamp `piece`'s tallies hold for as of this read's snapshot: its
  // stamp taken before the snapshot, if the one taken now agrees (no write
  // to its buckets in between or in flight); nullopt if not.
  std::optional<uint64_t> StampAfterSnapshot(const Piece& piece) const {
    const RunOf key = RunOf::Of(piece);
    const FlowTallyCache::Stamp after =
        rep_.flow_tally_cache->StampOf(key.stamp_level, key.from, key.to);
    if (!piece.stamp.clean || !after.clean || after.sum != piece.stamp.sum) return std::nullopt;
    return after.sum;
  }

  // The tallies of `piece` (a level 's' piece: its whole minute, by
  // second) as of the snapshot: read once per read, and kept in the read
  // cache with `stamp` (StampAfterSnapshot) if it has one, so a later read
  // with the same stamp takes them from there
  // (storage/flow_tally_cache.h says why that is exact).
  absl::StatusOr<std::shared_ptr<const CachedRun>> TalliesOf(const Piece& piece,
                                                             std::optional<uint64_t> stamp) {
    FlowTallyCache& cache = *rep_.flow_tally_cache;
    const RunOf key = RunOf::Of(piece);
    const ReadKey read_key{piece.kind, piece.level, key.from, key.to};
    auto known = read_.find(read_key);
    if (known != read_.end()) return known->second;
    std::shared_ptr<const CachedRun> run;
    if (stamp.has_value()) run = cache.Find(piece.kind, piece.level, key.from, key.to, *stamp);
    if (run != nullptr) {
      ++out_.runs_cached;
    } else {
      if (piece.level == 's') {
        ASSIGN_OR_RETURN(run, ReadMinute(piece.kind, key.from));
      } else {
        ASSIGN_OR_RETURN(run, MergeRun(piece.kind, piece.level, key.from, key.to));
      }
      if (stamp.has_value()) cache.Put(piece.kind, piece.level, key.from, key.to, *stamp, run);
    }
    read_.emplace(read_key, run);
    return run;
  }

  // The indexes [begin, end) of `piece`'s tallies in `run` (TalliesOf).
  static std::pair<size_t, size_t> RangeOf(const Piece& piece, const CachedRun& run) {
    if (piece.level != 's') return {0, run.groups.size()};
    const int64_t minute = FloorDiv(piece.from, 60) * 60;
    return {run.second_starts[static_cast<size_t>(piece.from - minute)],
            run.second_starts[static_cast<size_t>(piece.to - minute)]};
  }

  // The tallies of `kind` of the run of `level` buckets [from, to), merged
  // (one entry per group or plan, bins summed).
  absl::StatusOr<std::shared_ptr<const CachedRun>> MergeRun(char kind, char level, int64_t from,
                                                            int64_t to) {
    std::map<std::string, FlowGroupTally, std::less<>> merged;
    RETURN_IF_ERROR(ScanRun(
        kind, level, from, to,
        [&](int64_t /*bucket*/, std::string_view rest, std::string_view value) -> absl::Status {
          auto it = merged.find(rest);
          if (it == merged.end()) it = merged.emplace(std::string(rest), FlowGroupTally()).first;
          int64_t count = 0;
          if (!DecodeTallyInto(value, 1, &count, {&it->second.latency}, &out_.bins_read)) {
            return TallyDamaged("the monitor's flow tallies");
          }
          it->second.count += count;
          return absl::OkStatus();
        }));
    return MakeRun(merged);
  }

  // The tallies of `edge`'s records `add` less those of `take_away`.
  static std::shared_ptr<const CachedRun> EdgeRun(const EdgeSecond& edge,
                                                  const std::vector<uint32_t>& add,
                                                  const std::vector<uint32_t>& take_away) {
    std::map<std::string, FlowGroupTally, std::less<>> groups;
    for (const auto& [indexes, sign] : {std::pair{&add, 1}, std::pair{&take_away, -1}}) {
      for (const uint32_t i : *indexes) {
        const EdgeSecond::Record& r = edge.records[i];
        FlowGroupTally& g = groups[GroupKeyBytes(r.group)];
        g.count += sign;
        if (r.latency_micros.has_value()) g.latency.Add(*r.latency_micros, sign);
      }
    }
    return MakeRun(groups);
  }

  // A run of the merged tallies `merged` (by the key bytes after the bucket).
  static std::shared_ptr<const CachedRun> MakeRun(
      const std::map<std::string, FlowGroupTally, std::less<>>& merged) {
    auto run = std::make_shared<CachedRun>();
    run->groups.reserve(merged.size());
    for (const auto& [rest, tally] : merged) {
      CachedRun::Tally& cached = run->groups.emplace_back();
      cached.rest = rest;
      cached.value = EncodeTallyOf(tally.count, tally.latency);
      const std::vector<std::pair<int32_t, int64_t>> bins = tally.latency.bins();
      if (!bins.empty()) {
        cached.lo = bins.front().first;
        cached.hi = bins.back().first;
      }
      run->bytes += sizeof(CachedRun::Tally) + rest.size() + cached.value.size();
    }
    return run;
  }

  // The second tallies of `kind` of the minute starting at `minute`, as
  // stored, by second (CachedRun::second_starts).
  absl::StatusOr<std::shared_ptr<const CachedRun>> ReadMinute(char kind, int64_t minute) {
    auto run = std::make_shared<CachedRun>();
    run->second_starts.assign(61, 0);
    size_t filled = 0;
    RETURN_IF_ERROR(
        ScanRun(kind, 's', minute, minute + 60,
                [&](int64_t bucket, std::string_view rest, std::string_view value) -> absl::Status {
                  const auto second = static_cast<size_t>(bucket - minute);
                  while (filled < second) run->second_starts[++filled] = run->groups.size();
                  run->bytes += sizeof(CachedRun::Tally) + rest.size() + value.size();
                  run->groups.push_back({std::string(rest), std::string(value)});
                  return absl::OkStatus();
                }));
    while (filled < 60) run->second_starts[++filled] = run->groups.size();
    return run;
  }

  // Calls fn(bucket, rest of the key after the bucket, value) for every tally of
  // `kind` and `level` whose bucket is in [from, to): one range scan.
  template <typename Fn>
  absl::Status ScanRun(char kind, char level, int64_t from, int64_t to, Fn&& fn) {
    ++out_.buckets_read;
    return ForEachTally(rep_, snapshot_, kind, level, from, to,
                        [&](int64_t bucket, std::string_view rest, std::string_view value) {
                          ++out_.keys_read;
                          return fn(bucket, rest, value);
                        });
  }

  const Store::Rep& rep_;
  const rocksdb::Snapshot* snapshot_;
  FlowTallies& out_;
  // The runs this read took (TalliesOf), by kind, level and seconds: the
  // seconds of a minute are one run.
  using ReadKey = std::tuple<char, char, int64_t, int64_t>;
  absl::flat_hash_map<ReadKey, std::shared_ptr<const CachedRun>> read_;
  // The series' (empty) latencies.
  LatencyHistogram scratch_;
};

// A snapshot of the store, released when this goes.
class ScopedSnapshot {
 public:
  explicit ScopedSnapshot(const Store::Rep& rep) : rep_(rep), snapshot_(rep.db->GetSnapshot()) {}
  ~ScopedSnapshot() { rep_.db->ReleaseSnapshot(snapshot_); }
  ScopedSnapshot(const ScopedSnapshot&) = delete;
  ScopedSnapshot& operator=(const ScopedSnapshot&) = delete;
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  const Store::Rep& rep_;
  const rocksdb::Snapshot* snapshot_;
};

}  // namespace

absl::StatusOr<FlowTallies> ReadFlowTallies(const Store::Rep& rep, int64_t start_us, int64_t end_us,
                                            int64_t bar_seconds, int bars, bool through_now) {
  FlowTallies out;
  bars = std::max(bars, 1);
  bar_seconds = std::max<int64_t>(bar_seconds, 1);
  out.series.resize(static_cast<size_t>(bars));
  if (end_us <= start_us) return out;
  const int64_t start_second = FloorDiv(start_us, kMicrosPerSecond);
  auto bar_of = [&](int64_t second) {
    return static_cast<size_t>(
        std::clamp<int64_t>((second - start_second) / bar_seconds, 0, bars - 1));
  };
  // Whole seconds [first, last): tallies; the partial seconds at either
  // end: records one by one.
  const int64_t first = -FloorDiv(-start_us, kMicrosPerSecond);
  int64_t last = FloorDiv(end_us, kMicrosPerSecond);
  // A window that ends now: the current second's tally, not its records.
  if (through_now && last * kMicrosPerSecond < end_us && last >= first) ++last;
  // The pieces (groups, then the series bar by bar), stamped before the
  // snapshot (WindowReader::UpdateSum).
  FlowTallyCache& cache = *rep.flow_tally_cache;
  std::vector<Piece> group_pieces;
  std::vector<Piece> series_pieces;
  if (first <= last) {
    RETURN_IF_ERROR(AddPieces(cache, 'g', first, last, 0, /*second_by_second=*/true, group_pieces));
    for (int bar = 0; bar < bars; ++bar) {
      const int64_t lo = std::max(first, start_second + bar * bar_seconds);
      const int64_t hi =
          bar == bars - 1 ? last : std::min(last, start_second + (bar + 1) * bar_seconds);
      RETURN_IF_ERROR(AddPieces(cache, 's', lo, hi, static_cast<size_t>(bar),
                                /*second_by_second=*/false, series_pieces));
    }
  }
  // The minutes of the partial seconds at either end, stamped before the
  // snapshot too (WindowReader::EdgePiece).
  auto minute_stamps = [&cache](int64_t micros, int seconds) {
    MinuteStamps stamps;
    const int64_t second = FloorDiv(micros, kMicrosPerSecond);
    for (int64_t minute = FloorDiv(second, 60) * 60; minute < second + seconds; minute += 60) {
      stamps.emplace_back(minute, cache.StampOf('m', minute, minute + 60));
    }
    return stamps;
  };
  const MinuteStamps start_stamps = minute_stamps(start_us, kEdgeReadAhead);
  const MinuteStamps end_stamps = minute_stamps(end_us - 1, 1);
  ScopedSnapshot snapshot(rep);
  WindowReader reader(rep, snapshot.get(), out);
  std::vector<WindowSum::Piece> edges;
  if (first > last) {
    ASSIGN_OR_RETURN(edges.emplace_back(),
                     reader.EdgePiece(start_us, end_us, bar_of(start_second), start_stamps, 1));
  } else {
    if (start_us < first * kMicrosPerSecond) {
      ASSIGN_OR_RETURN(edges.emplace_back(),
                       reader.EdgePiece(start_us, first * kMicrosPerSecond, bar_of(start_second),
                                        start_stamps, kEdgeReadAhead));
    }
    if (last * kMicrosPerSecond < end_us) {
      ASSIGN_OR_RETURN(edges.emplace_back(), reader.EdgePiece(last * kMicrosPerSecond, end_us,
                                                              bar_of(last), end_stamps, 1));
    }
  }
  // The groups: the sum an earlier read of a window as long (to the
  // minute) kept, brought to this window (or a new one), then handed back.
  const int64_t minutes = (end_us - start_us + 30 * kMicrosPerSecond) / (60 * kMicrosPerSecond);
  std::unique_ptr<WindowSum> sum = cache.TakeSum(minutes);
  if (sum == nullptr) sum = std::make_unique<WindowSum>();
  RETURN_IF_ERROR(reader.UpdateSum(group_pieces, std::move(edges), *sum));
  reader.CopySum(*sum);
  cache.GiveSum(minutes, std::move(sum));
  for (const Piece& piece : series_pieces) RETURN_IF_ERROR(reader.AddSeriesPiece(piece));
  return out;
}

}  // namespace hub::storage::internal

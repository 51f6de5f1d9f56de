// The flow tallies' window read (storage/flow_tally_internal.h); their
// one-time build is in flow_tally_build.cc.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "hub/v1/monitor.pb.h"
#include "storage/feed_records.pb.h"
#include "storage/flow_tally_cache.h"
#include "storage/flow_tally_internal.h"
#include "storage/internal.h"
#include "storage/retention_internal.h"

namespace hub::storage::internal {
namespace {

constexpr int64_t kMicros = 1000000;
// The '\0'-separated fields of `text`.
std::vector<std::string_view> SplitFields(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(kSeparator, start);
    fields.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return fields;
    start = end + 1;
  }
}

std::string BucketPrefix(char kind, char level, int64_t bucket) {
  return Prefix({std::string_view(&kind, 1), std::string_view(&level, 1),
                 EncodeBigEndian64(static_cast<uint64_t>(std::max<int64_t>(bucket, 0)))});
}

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

// Adds to `pieces` those of ForEachRun(lo, hi), stamped.
absl::Status AddPieces(const FlowTallyCache& cache, char kind, int64_t lo, int64_t hi, size_t bar,
                       std::vector<Piece>& pieces) {
  return ForEachRun(lo, hi, [&](char level, int64_t from, int64_t to) {
    while (from < to) {
      const int64_t end = level == 's' ? std::min(to, FloorDiv(from, 60) * 60 + 60) : to;
      Piece piece{kind, level, from, end, bar, {}};
      const RunOf run = RunOf::Of(piece);
      piece.stamp = cache.StampOf(run.stamp_level, run.from, run.to);
      pieces.push_back(piece);
      from = end;
    }
    return absl::OkStatus();
  });
}

// One window read: the tallies, the record status cache and the snapshot.
class WindowReader {
 public:
  WindowReader(const Store::Rep& rep, const rocksdb::Snapshot* snapshot, FlowTallies& out)
      : rep_(rep), snapshot_(snapshot), out_(out) {}

  // Adds `piece` (see Piece): from the read cache when its stamp before
  // the snapshot still holds and it is cached; else read and, if the stamp
  // holds, cached (storage/flow_tally_cache.h says why that is exact).
  absl::Status AddPiece(const Piece& piece) {
    ASSIGN_OR_RETURN(const std::shared_ptr<const CachedRun> run, CachedOrRead(piece));
    if (run == nullptr) {
      return ScanRun(piece.kind, piece.level, piece.from, piece.to,
                     [&](int64_t /*bucket*/, std::string_view rest, std::string_view value) {
                       return AddTally(piece, rest, value, &out_.bins_read);
                     });
    }
    size_t begin = 0;
    size_t end = run->groups.size();
    if (piece.level == 's') {
      const int64_t minute = FloorDiv(piece.from, 60) * 60;
      begin = run->second_starts[static_cast<size_t>(piece.from - minute)];
      end = run->second_starts[static_cast<size_t>(piece.to - minute)];
    }
    int64_t bins = 0;
    for (size_t i = begin; i < end; ++i) {
      const CachedRun::Tally& tally = run->groups[i];
      if (tally.lo <= tally.hi && piece.kind == 'g') {
        ASSIGN_OR_RETURN(FlowGroupTally* const g, GroupOf(tally.rest));
        g->latency.ReserveRange(tally.lo, tally.hi);
      }
      RETURN_IF_ERROR(AddTally(piece, tally.rest, tally.value, &bins));
    }
    return absl::OkStatus();
  }

  // Adds the records and rejections of [lo, hi), inside one second, one by
  // one, to the groups and to bar `bar`.
  absl::Status AddEdge(int64_t lo, int64_t hi, size_t bar) {
    // The second's finest tallies name the providers with records in it.
    const int64_t second = FloorDiv(lo, kMicros);
    const std::string prefix = BucketPrefix('g', 's', second);
    std::vector<std::string> providers;
    bool rejections = false;
    RETURN_IF_ERROR(ForEachFrom(
        rep_, ColumnFamily::kFlowTallies, prefix, "",
        [&](const rocksdb::Slice& key, const rocksdb::Slice& /*value*/) -> absl::StatusOr<bool> {
          const std::vector<std::string_view> fields =
              SplitFields(ToView(key).substr(prefix.size()));
          if (fields.size() != 5) return TallyDamaged("the monitor's flow tallies");
          if (fields[0].empty()) {
            rejections = true;
          } else if (providers.empty() || providers.back() != fields[1]) {
            providers.emplace_back(fields[1]);
          }
          return true;
        },
        snapshot_));
    std::sort(providers.begin(), providers.end());
    providers.erase(std::unique(providers.begin(), providers.end()), providers.end());
    for (const std::string& provider : providers) {
      RETURN_IF_ERROR(AddProviderRecords(provider, lo, hi, bar));
    }
    if (rejections) RETURN_IF_ERROR(AddRejections(lo, hi, bar));
    return absl::OkStatus();
  }

 private:
  // The group named by the rest of a 'g' key (plan \0 provider \0 kind \0
  // status \0 reason); each distinct group is parsed once per read.
  absl::StatusOr<FlowGroupTally*> GroupOf(std::string_view rest) {
    auto known = groups_by_key_.find(Absl(rest));
    if (known != groups_by_key_.end()) return known->second;
    const std::vector<std::string_view> fields = SplitFields(rest);
    FlowGroupKey group;
    if (fields.size() != 5 || !absl::SimpleAtoi(Absl(fields[2]), &group.kind) ||
        !absl::SimpleAtoi(Absl(fields[3]), &group.status)) {
      return TallyDamaged("the monitor's flow tallies");
    }
    group.plan_id.assign(fields[0]);
    group.provider_id.assign(fields[1]);
    group.reason_code.assign(fields[4]);
    FlowGroupTally* const tally = &out_.groups[std::move(group)];
    groups_by_key_.emplace(std::string(rest), tally);
    return tally;
  }

  // Adds one tally of `piece`'s kind (key bytes after the bucket, value)
  // to the groups or to the piece's bar of the series.
  absl::Status AddTally(const Piece& piece, std::string_view rest, std::string_view value,
                        int64_t* bins) {
    int64_t count = 0;
    if (piece.kind == 's') {
      if (!DecodeTallyInto(value, &count, &scratch_, bins)) {
        return TallyDamaged("the monitor's flow tallies");
      }
      if (count != 0) out_.series[piece.bar][std::string(rest)] += count;
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(FlowGroupTally* const g, GroupOf(rest));
    if (!DecodeTallyInto(value, &count, &g->latency, bins)) {
      return TallyDamaged("the monitor's flow tallies");
    }
    g->count += count;
    return absl::OkStatus();
  }

  // The cached tallies of `piece` (a level 's' piece: its whole minute, by
  // second), read and cached if missing; null if the piece's buckets
  // changed since its stamp or a write to them is in flight.
  absl::StatusOr<std::shared_ptr<const CachedRun>> CachedOrRead(const Piece& piece) {
    FlowTallyCache& cache = *rep_.flow_tally_cache;
    const RunOf key = RunOf::Of(piece);
    const FlowTallyCache::Stamp after = cache.StampOf(key.stamp_level, key.from, key.to);
    if (!piece.stamp.clean || !after.clean || after.sum != piece.stamp.sum) return nullptr;
    std::shared_ptr<const CachedRun> run =
        cache.Find(piece.kind, piece.level, key.from, key.to, after.sum);
    if (run != nullptr) {
      ++out_.runs_cached;
      return run;
    }
    if (piece.level == 's') {
      ASSIGN_OR_RETURN(run, ReadMinute(piece.kind, key.from));
    } else {
      ASSIGN_OR_RETURN(run, MergeRun(piece.kind, piece.level, key.from, key.to));
    }
    cache.Put(piece.kind, piece.level, key.from, key.to, after.sum, run);
    return run;
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
          if (!DecodeTallyInto(value, &count, &it->second.latency, &out_.bins_read)) {
            return TallyDamaged("the monitor's flow tallies");
          }
          it->second.count += count;
          return absl::OkStatus();
        }));
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
    const std::string prefix = Prefix({std::string_view(&kind, 1), std::string_view(&level, 1)});
    const std::string start = BucketPrefix(kind, level, from);
    return ForEachFrom(
        rep_, ColumnFamily::kFlowTallies, prefix, start,
        [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
          const std::string_view rest = ToView(key).substr(prefix.size());
          uint64_t bucket = 0;
          if (rest.size() < 9 || rest[8] != kSeparator ||
              !DecodeBigEndian64(rest.substr(0, 8), &bucket)) {
            return TallyDamaged("the monitor's flow tallies");
          }
          if (static_cast<int64_t>(bucket) >= to) return false;
          ++out_.keys_read;
          RETURN_IF_ERROR(fn(static_cast<int64_t>(bucket), rest.substr(9), ToView(value)));
          return true;
        },
        snapshot_);
  }

  absl::Status AddProviderRecords(const std::string& provider, int64_t lo, int64_t hi, size_t bar) {
    const std::string prefix = Prefix({provider});
    // The listing is newest first (~micros ascending).
    const std::string start =
        absl::StrCat(prefix, Absl(EncodeBigEndian64(~static_cast<uint64_t>(hi - 1))));
    return ForEachFrom(
        rep_, ColumnFamily::kProviderRecords, prefix, start,
        [&](const rocksdb::Slice& key, const rocksdb::Slice& listing) -> absl::StatusOr<bool> {
          const std::string_view suffix = ToView(key).substr(prefix.size());
          uint64_t inverted = 0;
          if (suffix.size() < 10 || suffix[8] != kSeparator ||
              !DecodeBigEndian64(suffix.substr(0, 8), &inverted)) {
            return TallyDamaged("a provider's record listing");
          }
          if (static_cast<int64_t>(~inverted) < lo) return false;
          RETURN_IF_ERROR(AddRecord(suffix.substr(9), ToView(listing), bar));
          return true;
        },
        snapshot_);
  }

  absl::Status AddRecord(std::string_view record_id, std::string_view listing, size_t bar) {
    ++out_.edge_records_read;
    ASSIGN_OR_RETURN(const bool found,
                     Get(rep_, ColumnFamily::kRecords, record_id, &value_, snapshot_));
    // A record the feed purge took (retention) counts no more.
    if (!found) {
      return ListingPurged(rep_, listing) ? absl::OkStatus() : TallyDamaged("the record index");
    }
    RETURN_IF_ERROR(ParseRecord(value_, "record entry", &entry_));
    if (entry_.sequence() <= rep_.feed_purge_marks->Get(entry_.plan_id())) {
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(const uint64_t cursor, CursorOf(entry_.plan_id()));
    FlowGroupKey group{entry_.plan_id(), entry_.provider_id(), entry_.kind(),
                       hub::v1::FLOW_STATUS_DELIVERED_PENDING, ""};
    std::optional<int64_t> latency;
    if (entry_.sequence() <= cursor) {
      group.reason_code = entry_.rejection_reason_code();
      group.status = group.reason_code.empty() ? hub::v1::FLOW_STATUS_ACCEPTED_BY_PLAN
                                               : hub::v1::FLOW_STATUS_REJECTED_BY_PLAN;
      ASSIGN_OR_RETURN(const std::optional<int64_t> ack,
                       AckTime(rep_, entry_.plan_id(), entry_.sequence(), snapshot_));
      // A store written before the Ack log: acknowledged at accept time.
      latency = std::max<int64_t>(
          ack.value_or(entry_.accept_time_unix_micros()) - entry_.accept_time_unix_micros(), 0);
    }
    FlowGroupTally& g = out_.groups[group];
    ++g.count;
    if (latency.has_value()) g.latency.Add(*latency);
    ++out_.series[bar][entry_.plan_id()];
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> CursorOf(const std::string& plan_id) {
    auto it = cursors_.find(plan_id);
    if (it != cursors_.end()) return it->second;
    uint64_t cursor = 0;
    ASSIGN_OR_RETURN(const bool found,
                     Get(rep_, ColumnFamily::kFeedCursors, plan_id, &value_, snapshot_));
    if (found && !DecodeFixed64(value_, &cursor)) return TallyDamaged("a feed cursor");
    cursors_.emplace(plan_id, cursor);
    return cursor;
  }

  absl::Status AddRejections(int64_t lo, int64_t hi, size_t bar) {
    const std::string prefix = Prefix({"rej"});
    return ForEachFrom(
        rep_, ColumnFamily::kMonitor, prefix,
        absl::StrCat(prefix, Absl(EncodeBigEndian64(static_cast<uint64_t>(lo)))),
        [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
          const std::string_view rest = ToView(key).substr(prefix.size());
          uint64_t micros = 0;
          if (rest.size() < 10 || !DecodeBigEndian64(rest.substr(0, 8), &micros)) {
            return TallyDamaged("the monitor's rejection log");
          }
          if (static_cast<int64_t>(micros) >= hi) return false;
          const std::string_view ids = rest.substr(9);
          const std::string_view v = ToView(value);
          const size_t kind_end = v.find(kSeparator);
          FlowGroupKey group{"", std::string(ids.substr(0, ids.find(kSeparator))), 0,
                             hub::v1::FLOW_STATUS_REJECTED_BY_HUB, ""};
          if (kind_end == std::string_view::npos ||
              !absl::SimpleAtoi(Absl(v.substr(0, kind_end)), &group.kind)) {
            return TallyDamaged("the monitor's rejection log");
          }
          group.reason_code.assign(v.substr(kind_end + 1));
          ++out_.edge_records_read;
          ++out_.groups[group].count;
          ++out_.series[bar][""];
          return true;
        },
        snapshot_);
  }

  const Store::Rep& rep_;
  const rocksdb::Snapshot* snapshot_;
  FlowTallies& out_;
  absl::flat_hash_map<std::string, uint64_t> cursors_;
  // Key bytes -> group (pointers into out_.groups, whose nodes stay put).
  absl::flat_hash_map<std::string, FlowGroupTally*> groups_by_key_;
  std::string value_;
  records::RecordEntry entry_;
  // The series' (empty) latencies.
  LatencyHistogram scratch_;
};

struct GroupRun {
  char level;
  int64_t from;
  int64_t to;
  FlowTallyCache::Stamp stamp;
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
  const int64_t start_second = FloorDiv(start_us, kMicros);
  auto bar_of = [&](int64_t second) {
    return static_cast<size_t>(
        std::clamp<int64_t>((second - start_second) / bar_seconds, 0, bars - 1));
  };
  // Whole seconds [first, last): tallies; the partial seconds at either
  // end: records one by one.
  const int64_t first = -FloorDiv(-start_us, kMicros);
  int64_t last = FloorDiv(end_us, kMicros);
  // A window that ends now: the current second's tally, not its records.
  if (through_now && last * kMicros < end_us && last >= first) ++last;
  // The pieces (groups, then the series bar by bar), stamped before the
  // snapshot (WindowReader::AddPiece).
  const FlowTallyCache& cache = *rep.flow_tally_cache;
  std::vector<Piece> pieces;
  if (first <= last) {
    RETURN_IF_ERROR(AddPieces(cache, 'g', first, last, 0, pieces));
    for (int bar = 0; bar < bars; ++bar) {
      const int64_t lo = std::max(first, start_second + bar * bar_seconds);
      const int64_t hi =
          bar == bars - 1 ? last : std::min(last, start_second + (bar + 1) * bar_seconds);
      RETURN_IF_ERROR(AddPieces(cache, 's', lo, hi, static_cast<size_t>(bar), pieces));
    }
  }
  ScopedSnapshot snapshot(rep);
  WindowReader reader(rep, snapshot.get(), out);
  if (first > last) {
    RETURN_IF_ERROR(reader.AddEdge(start_us, end_us, bar_of(start_second)));
    return out;
  }
  for (const Piece& piece : pieces) RETURN_IF_ERROR(reader.AddPiece(piece));
  if (start_us < first * kMicros) {
    RETURN_IF_ERROR(reader.AddEdge(start_us, first * kMicros, bar_of(start_second)));
  }
  if (last * kMicros < end_us)
    RETURN_IF_ERROR(reader.AddEdge(last * kMicros, end_us, bar_of(last)));
  for (auto it = out.groups.begin(); it != out.groups.end();) {
    it = it->second.count == 0 ? out.groups.erase(it) : std::next(it);
  }
  return out;
}

}  // namespace hub::storage::internal

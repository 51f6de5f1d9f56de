#include "hub/rpc/feed_rpcs.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/impl/codegen/proto_utils.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "auth/call_scope.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "hub/common/log.h"
#include "hub/common/rpc_status.h"
#include "hub/rpc/audit_interceptor.h"
#include "hub/rpc/rpc_metrics.h"

namespace hub {
namespace {

// Limits of a plan's rejection (the provider reads them).
constexpr size_t kMaxReasonCodeLength = 64;
constexpr size_t kMaxRejectionMessageLength = 1000;
constexpr int kMaxRejectionsPerAck = 10000;

absl::Status CheckPlan(const storage::DirectoryStore& directory, const std::string& plan_id) {
  if (plan_id.empty()) {
    return absl::InvalidArgumentError("plan_id is required: the plan whose feed this is");
  }
  RETURN_IF_ERROR(ValidatePlanId(plan_id));
  absl::StatusOr<hub::v1::Plan> plan = directory.GetPlan(plan_id);
  if (absl::IsNotFound(plan.status())) {
    return absl::NotFoundError(absl::StrCat("no plan has plan_id \"", plan_id,
                                            "\"; ListPlans shows the plans of this hub"));
  }
  return plan.status();
}

bool IsReasonCode(const std::string& code) {
  if (code.empty() || code.size() > kMaxReasonCodeLength) return false;
  for (char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;

static_assert(hub::v1::PullFeedResponse::kItemFieldNumber == 1 &&
                  hub::v1::PullFeedResponse::kHeadSequenceFieldNumber == 2,
              "EncodeResponse writes PullFeedResponse's field numbers");

// The kind of a stored FeedItem read from its bytes without parsing the
// rest; -1 if the bytes are not a FeedItem.
int KindOf(std::string_view item) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(item.data()), static_cast<int>(item.size()));
  constexpr uint32_t kKindTag =
      WireFormatLite::MakeTag(hub::v1::FeedItem::kKindFieldNumber, WireFormatLite::WIRETYPE_VARINT);
  int kind = 0;
  while (const uint32_t tag = in.ReadTag()) {
    if (tag == kKindTag) {
      uint32_t value = 0;
      if (!in.ReadVarint32(&value)) return -1;
      kind = static_cast<int>(value);  // The last occurrence wins.
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return -1;
    }
  }
  return in.ConsumedEntireMessage() ? kind : -1;
}

// A PullFeedResponse{item: <stored bytes>, head_sequence: head} in wire
// format: the stored item is streamed as is, never parsed and re-encoded.
void EncodeResponse(std::string_view item, uint64_t head, grpc::ByteBuffer* response) {
  const size_t size = 1 + CodedOutputStream::VarintSize64(item.size()) + item.size() + 1 +
                      CodedOutputStream::VarintSize64(head);
  grpc::Slice slice(size);
  uint8_t* out = const_cast<uint8_t*>(slice.begin());
  *out++ = static_cast<uint8_t>(WireFormatLite::MakeTag(hub::v1::PullFeedResponse::kItemFieldNumber,
                                                        WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
  out = CodedOutputStream::WriteVarint64ToArray(item.size(), out);
  std::memcpy(out, item.data(), item.size());
  out += item.size();
  *out++ = static_cast<uint8_t>(WireFormatLite::MakeTag(
      hub::v1::PullFeedResponse::kHeadSequenceFieldNumber, WireFormatLite::WIRETYPE_VARINT));
  CodedOutputStream::WriteVarint64ToArray(head, out);
  grpc::ByteBuffer encoded(&slice, 1);
  response->Swap(&encoded);  // No copy of the buffer.
}

constexpr char kPullFeedMethod[] = "/hub.v1.PlanService/PullFeed";

// One PullFeed call as its observers see it (PullFeedObservers): the items
// it sent, then its end, reported just before the reactor's Finish (after
// which the reactor may be gone).
class ObservedPullFeed {
 public:
  ObservedPullFeed(grpc::CallbackServerContext* context, const PullFeedObservers* observers)
      : context_(context),
        observers_(observers),
        audit_(observers != nullptr && context != nullptr ? observers->audit : nullptr,
               kPullFeedMethod) {}

  // A serialized FeedItem about to be sent.
  void Sent(std::string_view item) { audit_.AddFeedItem(item); }

  void Ended(const grpc::Status& status) {
    if (observers_ == nullptr) return;
    if (observers_->metrics != nullptr) {
      CountRpc(observers_->metrics, kPullFeedMethod, status.error_code());
    }
    if (context_ != nullptr && observers_->audit != nullptr) {
      audit_.Append(context_->auth_context().get(), observers_->clock(), status);
    }
  }

 private:
  grpc::CallbackServerContext* const context_;
  const PullFeedObservers* const observers_;
  CallAudit audit_;
};

// One PullFeed call, served as raw bytes (the stored FeedItems are written
// without re-encoding; the client sees ordinary PullFeedResponses).
//
// Exactly one party "owns the pump" at a time: the constructor, then
// whoever runs Pump (a gRPC thread in OnWriteDone, or the notifier's
// dispatch thread after new items arrived). Pump's last action is always
// StartWrite or Finish, after which it touches nothing of `this` (OnDone
// may delete it at once). While waiting for new items nobody owns the pump:
// state_ is kWaiting, and the first of OnFeedGrew / OnCancel takes it.
class PullFeedReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  PullFeedReactor(grpc::CallbackServerContext* context, const hub::v1::PullFeedRequest& request,
                  storage::FeedStore* feed, const storage::DirectoryStore* directory,
                  FeedNotifier* notifier, const FeedDisclosure* disclosure,
                  const PullFeedObservers* observers, const PullFeedLimits& limits)
      : call_(context, observers),
        feed_(feed),
        notifier_(notifier),
        notifier_id_(notifier->NewId()),
        disclosure_(disclosure),
        limits_(limits) {
    GetPullFeedCounters().open_streams.fetch_add(1, std::memory_order_relaxed);
    if (limits_.revocations != nullptr) {
      absl::StatusOr<std::string> serial =
          auth::PeerCertificateSerial(context->auth_context().get());
      if (serial.ok()) serial_ = *std::move(serial);
      revocation_generation_ = limits_.revocations->generation();
    }
    absl::Status status = Begin(request, *directory);
    if (!status.ok()) {
      End(ToGrpcStatus(status));
      return;
    }
    Pump();
  }

  void OnWriteDone(bool ok) override {
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    if (!ok) {
      // The client went away (or the call was cancelled).
      End(grpc::Status(grpc::StatusCode::CANCELLED, "the stream was cancelled"));
      return;
    }
    Pump();
  }

  void OnCancel() override {
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      cancelled_flag_.store(true, std::memory_order_release);
      if (state_ != State::kWaiting) return;  // The pump's owner will finish.
      state_ = State::kRunning;               // Take the pump.
    }
    notifier_->Unregister(notifier_id_);
    End(grpc::Status(grpc::StatusCode::CANCELLED, "the stream was cancelled"));
  }

  void OnDone() override {
    // No notifier callback may run on a deleted reactor.
    notifier_->Unregister(notifier_id_);
    if (slot_taken_) limits_.streams->Close(plan_id_);
    GetPullFeedCounters().open_streams.fetch_sub(1, std::memory_order_relaxed);
    delete this;
  }

 private:
  enum class State { kRunning, kWaiting };

  // Every end of the call: observed, then finished (`this` may be gone
  // right after).
  void End(const grpc::Status& status) {
    call_.Ended(status);
    Finish(status);
  }

  absl::Status Begin(const hub::v1::PullFeedRequest& request,
                     const storage::DirectoryStore& directory) {
    RETURN_IF_ERROR(CheckPlan(directory, request.plan_id()));
    for (int kind : request.kinds()) {
      if (kind == hub::v1::RECORD_KIND_UNSPECIFIED || !hub::v1::RecordKind_IsValid(kind)) {
        return absl::InvalidArgumentError(
            absl::StrCat("kinds holds ", kind,
                         ", which is not a record kind; use RECORD_KIND_OUTREACH_ATTEMPT ... "
                         "RECORD_KIND_REFERRAL_STATUS, or leave kinds empty for all"));
      }
      kinds_[kind] = true;
      any_kind_filter_ = true;
    }
    if (request.max_items() < 0) {
      return absl::InvalidArgumentError("max_items must be 0 (no limit) or positive");
    }
    plan_id_ = request.plan_id();
    max_items_ = request.max_items();
    follow_ = request.follow();
    if (limits_.streams != nullptr) {
      if (!limits_.streams->TryOpen(plan_id_)) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "plan ", plan_id_, " has ", limits_.streams->max_per_plan(),
            " PullFeed streams open already, the hub's limit per plan; close one (or wait for "
            "it to end) before opening another"));
      }
      slot_taken_ = true;
    }
    ASSIGN_OR_RETURN(const uint64_t cursor, feed_->Cursor(plan_id_));
    ASSIGN_OR_RETURN(head_, feed_->Head(plan_id_));
    if (request.after_sequence() > head_) {
      return absl::OutOfRangeError(absl::StrCat(
          "after_sequence ", request.after_sequence(), " is beyond the feed's head ", head_,
          " for plan ", plan_id_,
          "; pass 0 to resume after your acknowledged cursor (if the hub was restored from a "
          "backup, tell the hub administrator)"));
    }
    position_ = std::max<uint64_t>(request.after_sequence(), cursor);
    if (disclosure_ != nullptr) {
      ASSIGN_OR_RETURN(view_, disclosure_->ForPlan(plan_id_));
    }
    return absl::OkStatus();
  }

  // Reads the next page after position_ into page_[0..page_size_).
  absl::Status ReadPage() {
    page_index_ = 0;
    page_size_ = 0;
    absl::StatusOr<int> n = feed_->ReadRawItems(plan_id_, position_, kPullFeedPageSize, page_);
    if (!n.ok()) {
      log::Error("pull_feed_read_failed",
                 {{"plan_id", plan_id_}, {"cause", std::string(n.status().message())}});
      return n.status();
    }
    page_size_ = static_cast<size_t>(*n);
    GetPullFeedCounters().items_read.fetch_add(*n, std::memory_order_relaxed);
    if (page_size_ > 0) {
      absl::StatusOr<uint64_t> head = feed_->Head(plan_id_);
      if (head.ok()) head_ = std::max(head_, *head);
    }
    return absl::OkStatus();
  }

  // Read once per item: an atomic mirror of cancelled_, no lock.
  bool Cancelled() const { return cancelled_flag_.load(std::memory_order_acquire); }

  // True if the stream's client certificate was revoked since it was last
  // checked (one atomic load per item while nothing changes).
  bool Revoked() {
    if (limits_.revocations == nullptr || serial_.empty()) return false;
    const uint64_t generation = limits_.revocations->generation();
    if (generation == revocation_generation_) return false;
    revocation_generation_ = generation;
    return limits_.revocations->IsRevoked(serial_);
  }

  // Sends the next item, finishes, or starts waiting. See the class comment.
  void Pump() {
    while (true) {
      if (Cancelled()) {
        End(grpc::Status(grpc::StatusCode::CANCELLED, "the stream was cancelled"));
        return;
      }
      if (Revoked()) {
        End(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                         "your client certificate was revoked while this stream ran; ask the "
                         "county administrator for a new one"));
        return;
      }
      if (max_items_ > 0 && sent_ >= max_items_) {
        End(grpc::Status::OK);
        return;
      }
      if (page_index_ >= page_size_) {
        absl::Status read = ReadPage();
        if (!read.ok()) {
          End(ToGrpcStatus(read));
          return;
        }
        if (page_size_ == 0) {
          if (!follow_) {
            End(grpc::Status::OK);
            return;
          }
          if (!Wait()) return;
          continue;
        }
      }
      const storage::FeedStore::RawItem& item = page_[page_index_++];
      position_ = item.sequence;
      if (any_kind_filter_) {
        const int kind = KindOf(item.bytes);
        if (kind < 0) {
          log::Error("pull_feed_item_damaged",
                     {{"plan_id", plan_id_}, {"sequence", static_cast<long long>(item.sequence)}});
          End(grpc::Status(grpc::StatusCode::DATA_LOSS,
                           "a stored feed item is damaged; tell the hub administrator "
                           "(log event pull_feed_item_damaged)"));
          return;
        }
        if (kind >= kKindSlots || !kinds_[kind]) continue;
      }
      std::string_view bytes = item.bytes;
      if (disclosure_ != nullptr) {
        absl::StatusOr<std::optional<std::string>> sent =
            disclosure_->Transform(view_, item.sequence, item.bytes);
        if (!sent.ok()) {
          log::Error("pull_feed_disclosure_failed",
                     {{"plan_id", plan_id_},
                      {"sequence", static_cast<long long>(item.sequence)},
                      {"code", absl::StatusCodeToString(sent.status().code())}});
          End(ToGrpcStatus(sent.status()));
          return;
        }
        if (sent->has_value()) {
          transformed_ = std::move(**sent);
          bytes = transformed_;
        }
      }
      call_.Sent(bytes);
      EncodeResponse(bytes, std::max(head_, item.sequence), &response_);
      ++sent_;
      PullFeedCounters& counters = GetPullFeedCounters();
      counters.writes_started.fetch_add(1, std::memory_order_relaxed);
      const int in_flight = in_flight_.fetch_add(1, std::memory_order_relaxed) + 1;
      int max = counters.max_writes_in_flight.load(std::memory_order_relaxed);
      while (in_flight > max &&
             !counters.max_writes_in_flight.compare_exchange_weak(max, in_flight)) {
      }
      StartWrite(&response_);
      return;
    }
  }

  // Caught up in follow mode. Returns true if new items are in page_ (the
  // caller goes on), false if the pump was released (or the call finished):
  // the caller must then return without touching `this`.
  bool Wait() {
    if (sent_ == 0 && !metadata_sent_) {
      // Nothing to send yet: tell the client the stream is open (it may
      // wait for initial metadata before producing what it will follow).
      metadata_sent_ = true;
      StartSendInitialMetadata();
    }
    notifier_->Register(plan_id_, notifier_id_, [this] { OnFeedGrew(); });
    // An item committed between the last read and Register sent no wake-up
    // to us: look once more while still owning the pump.
    absl::Status read = ReadPage();
    if (!read.ok()) {
      notifier_->Unregister(notifier_id_);
      End(ToGrpcStatus(read));
      return false;
    }
    if (page_size_ > 0) {
      notifier_->Unregister(notifier_id_);
      absl::MutexLock lock(&mu_);
      notified_while_running_ = false;
      return true;
    }
    absl::MutexLock lock(&mu_);
    if (notified_while_running_ || cancelled_) {
      // Woken during the re-check (the registration is spent), or cancelled:
      // go round again (Pump finishes a cancelled call).
      notified_while_running_ = false;
      return true;
    }
    state_ = State::kWaiting;
    return false;
  }

  // On the notifier's dispatch thread.
  void OnFeedGrew() {
    {
      absl::MutexLock lock(&mu_);
      if (state_ != State::kWaiting) {
        notified_while_running_ = true;
        return;
      }
      state_ = State::kRunning;
    }
    Pump();
  }

  ObservedPullFeed call_;
  storage::FeedStore* const feed_;
  FeedNotifier* const notifier_;
  const uint64_t notifier_id_;
  const FeedDisclosure* const disclosure_;
  const PullFeedLimits limits_;
  // The client certificate's serial ("" over plaintext) and the revocation
  // list generation last checked (pump owner only).
  std::string serial_;
  uint64_t revocation_generation_ = 0;
  bool slot_taken_ = false;
  FeedDisclosure::PlanView view_;
  // The bytes of the last item changed for the plan (EncodeResponse copies them).
  std::string transformed_;

  std::string plan_id_;
  static constexpr int kKindSlots = 8;
  bool kinds_[kKindSlots] = {};
  bool any_kind_filter_ = false;
  int max_items_ = 0;
  bool follow_ = false;

  // Owned by the pump's owner.
  uint64_t position_ = 0;  // Last sequence read (sent or skipped).
  uint64_t head_ = 0;
  int sent_ = 0;
  bool metadata_sent_ = false;
  // One page of stored items; their buffers are reused page after page.
  std::vector<storage::FeedStore::RawItem> page_;
  size_t page_size_ = 0;
  size_t page_index_ = 0;
  grpc::ByteBuffer response_;
  std::atomic<int> in_flight_{0};
  std::atomic<bool> cancelled_flag_{false};

  absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kRunning;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool notified_while_running_ ABSL_GUARDED_BY(mu_) = false;
};

class RefusedPullFeed final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  RefusedPullFeed(const absl::Status& status, grpc::CallbackServerContext* context,
                  const PullFeedObservers* observers) {
    const grpc::Status answer = ToGrpcStatus(status);
    ObservedPullFeed(context, observers).Ended(answer);
    Finish(answer);
  }
  void OnDone() override { delete this; }
};

static_assert(hub::v1::RecordKind_MAX < 8, "PullFeedReactor::kinds_ needs more slots");

}  // namespace

PullFeedCounters& GetPullFeedCounters() {
  static PullFeedCounters* const counters = new PullFeedCounters();
  return *counters;
}

bool PullFeedStreams::TryOpen(const std::string& plan_id) {
  absl::MutexLock lock(&mu_);
  int& open = open_[plan_id];
  if (open >= max_per_plan_) return false;
  ++open;
  return true;
}

void PullFeedStreams::Close(const std::string& plan_id) {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(plan_id);
  if (it == open_.end()) return;
  if (--it->second <= 0) open_.erase(it);
}

int PullFeedStreams::open(const std::string& plan_id) const {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(plan_id);
  return it == open_.end() ? 0 : it->second;
}

bool PullFeedStreams::WaitForAtMost(const std::string& plan_id, int count,
                                    absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto reached = [this, &plan_id, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = open_.find(plan_id);
    return (it == open_.end() ? 0 : it->second) <= count;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* StartPullFeed(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer& request, storage::FeedStore* feed,
    const storage::DirectoryStore* directory, FeedNotifier* notifier,
    const FeedDisclosure* disclosure, const PullFeedObservers* observers,
    const PullFeedLimits& limits) {
  hub::v1::PullFeedRequest parsed;
  grpc::ByteBuffer copy(request);  // Deserialize consumes its buffer.
  if (!grpc::SerializationTraits<hub::v1::PullFeedRequest>::Deserialize(&copy, &parsed).ok()) {
    return RefusePullFeed(absl::InvalidArgumentError(
                              "the PullFeedRequest does not parse; send a hub.v1.PullFeedRequest"),
                          context, observers);
  }
  // A plan pulls only its own feed.
  if (absl::Status scope = auth::CheckCallScope(*context, kPullFeedMethod, parsed); !scope.ok()) {
    return RefusePullFeed(scope, context, observers);
  }
  return new PullFeedReactor(context, parsed, feed, directory, notifier, disclosure, observers,
                             limits);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* RefusePullFeed(const absl::Status& status,
                                                           grpc::CallbackServerContext* context,
                                                           const PullFeedObservers* observers) {
  return new RefusedPullFeed(status, context, observers);
}

absl::Status AckFeed(storage::FeedStore& feed, const storage::DirectoryStore& directory,
                     const hub::v1::AckRequest& request, absl::Time now,
                     hub::v1::AckResponse& response) {
  RETURN_IF_ERROR(CheckPlan(directory, request.plan_id()));
  if (request.rejections_size() > kMaxRejectionsPerAck) {
    return absl::InvalidArgumentError(absl::StrCat(
        "at most ", kMaxRejectionsPerAck, " rejections per Ack; acknowledge in smaller steps"));
  }
  std::vector<hub::v1::ItemRejection> rejections;
  rejections.reserve(static_cast<size_t>(request.rejections_size()));
  for (int i = 0; i < request.rejections_size(); ++i) {
    const hub::v1::ItemRejection& r = request.rejections(i);
    if (r.record_id().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rejections[", i, "].record_id is required: the record_id of the item rejected"));
    }
    if (!IsReasonCode(r.reason_code())) {
      return absl::InvalidArgumentError(
          absl::StrCat("rejections[", i, "].reason_code must be 1 to ", kMaxReasonCodeLength,
                       " characters of A-Z, 0-9 and _, e.g. PLAN_MEMBER_NOT_ELIGIBLE"));
    }
    if (r.message().size() > kMaxRejectionMessageLength) {
      return absl::InvalidArgumentError(
          absl::StrCat("rejections[", i, "].message is longer than ", kMaxRejectionMessageLength,
                       " bytes; give one sentence the provider can act on (no PHI)"));
    }
    rejections.push_back(r);
  }
  ASSIGN_OR_RETURN(const uint64_t cursor, feed.Ack(request.plan_id(), request.through_sequence(),
                                                   rejections, absl::ToUnixMicros(now)));
  ASSIGN_OR_RETURN(const uint64_t head, feed.Head(request.plan_id()));
  response.set_cursor(cursor);
  response.set_head_sequence(head);
  if (cursor > 0 || !rejections.empty()) {
    log::Info("feed_acked", {{"plan_id", request.plan_id()},
                             {"cursor", static_cast<long long>(cursor)},
                             {"head", static_cast<long long>(head)},
                             {"rejections", static_cast<int>(rejections.size())}});
  }
  return absl::OkStatus();
}

}  // namespace hub

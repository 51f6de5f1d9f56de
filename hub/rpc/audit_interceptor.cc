#include "hub/rpc/audit_interceptor.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/message.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "auth/policy.h"
#include "base/timestamp.h"
#include "hub/common/log.h"
#include "hub/rpc/rpc_metrics.h"
#include "hub/v1/plan_service.pb.h"

namespace hub {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// The request types the interceptor may read as protobuf messages: methods
// served with generated (not raw byte buffer) request types.
bool RequestIsProto(std::string_view method) {
  return method == "/hub.v1.ProviderService/Submit" ||
         method == "/hub.v1.ProviderService/GetCarePlan" || method == "/hub.v1.PlanService/Ack" ||
         method == "/hub.v1.PlanService/GetIngestReport" ||
         method.rfind("/hub.v1.ConsentService/", 0) == 0;
}

using google::protobuf::internal::WireFormatLite;

// Calls fn(field number, bytes) for each length-delimited field at the top
// level of the serialized message `bytes`; false if it does not parse.
template <typename Fn>
bool ForEachLengthDelimited(std::string_view bytes, Fn fn) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  while (const uint32_t tag = in.ReadTag()) {
    if (WireFormatLite::GetTagWireType(tag) != WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      if (!WireFormatLite::SkipField(&in, tag)) return false;
      continue;
    }
    uint32_t length = 0;
    if (!in.ReadVarint32(&length)) return false;
    const int offset = in.CurrentPosition();
    if (length > bytes.size() - static_cast<size_t>(offset)) return false;
    fn(WireFormatLite::GetTagFieldNumber(tag), bytes.substr(static_cast<size_t>(offset), length));
    if (!in.Skip(static_cast<int>(length))) return false;
  }
  return in.ConsumedEntireMessage();
}

// Submission's record field numbers -> the number of that record's "cin".
const absl::flat_hash_map<int, int>& CinFieldOfRecord() {
  static const auto* const table = [] {
    auto* t = new absl::flat_hash_map<int, int>();
    const google::protobuf::Descriptor* submission = hub::v1::Submission::descriptor();
    for (int i = 0; i < submission->field_count(); ++i) {
      const FieldDescriptor* record = submission->field(i);
      if (record->type() != FieldDescriptor::TYPE_MESSAGE) continue;
      if (const FieldDescriptor* cin = record->message_type()->FindFieldByName("cin")) {
        (*t)[record->number()] = cin->number();
      }
    }
    return t;
  }();
  return *table;
}

// The record id and member CIN of a serialized FeedItem, read from the
// wire (the fields AuditCollector::Walk would find in it), without parsing.
bool ReadFeedItem(std::string_view item, std::string_view& record_id, std::string_view& cin) {
  std::string_view submission;
  if (!ForEachLengthDelimited(item, [&](int number, std::string_view field) {
        if (number == hub::v1::FeedItem::kRecordIdFieldNumber) record_id = field;
        if (number == hub::v1::FeedItem::kSubmissionFieldNumber) submission = field;
      })) {
    return false;
  }
  const absl::flat_hash_map<int, int>& cin_of = CinFieldOfRecord();
  return ForEachLengthDelimited(submission, [&](int number, std::string_view record) {
    auto it = cin_of.find(number);
    if (it == cin_of.end()) return;
    const int cin_number = it->second;
    ForEachLengthDelimited(record, [&](int n, std::string_view value) {
      if (n == cin_number) cin = value;
    });
  });
}

}  // namespace

// Collects record ids and member refs from messages.
class AuditCollector {
 public:
  explicit AuditCollector(storage::AuditStore* log) : log_(log) {}

  void Walk(const Message& message) {
    const google::protobuf::Reflection* reflection = message.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    reflection->ListFields(message, &fields);
    for (const FieldDescriptor* field : fields) {
      if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
        if (field->is_repeated()) {
          const int n = reflection->FieldSize(message, field);
          for (int i = 0; i < n; ++i) Walk(reflection->GetRepeatedMessage(message, field, i));
        } else {
          Walk(reflection->GetMessage(message, field));
        }
        continue;
      }
      if (field->type() != FieldDescriptor::TYPE_STRING || field->is_repeated()) continue;
      const std::string& name = field->name();
      if (name == "record_id" || name == "report_id" || name == "consent_id") {
        AddRecord(reflection->GetString(message, field));
      } else if (name == "cin" || name == "member_cin") {
        AddMember(reflection->GetString(message, field));
      }
    }
  }

  // Once kMaxIdsPerRecord are listed, later mentions are counted without
  // remembering them (a long feed pull costs neither memory nor hashing).
  void AddRecord(std::string_view id) {
    if (id.empty()) return;
    const absl::string_view key(id.data(), id.size());
    if (static_cast<int>(record_ids_.size()) >= kMaxIdsPerRecord) {
      if (!seen_records_.contains(key)) ++records_omitted_;
      return;
    }
    if (!seen_records_.emplace(key).second) return;
    record_ids_.emplace_back(id);
  }
  void AddMember(std::string_view cin) {
    if (cin.empty()) return;
    const absl::string_view key(cin.data(), cin.size());
    if (static_cast<int>(member_refs_.size()) >= kMaxIdsPerRecord) {
      if (!seen_cins_.contains(key)) ++members_omitted_;
      return;
    }
    if (!seen_cins_.emplace(key).second) return;  // HMAC once per member.
    member_refs_.push_back(log_->MemberRef(cin));
  }

  void Fill(hub::v1::AuditRecord& record) {
    for (std::string& id : record_ids_) record.add_record_ids(std::move(id));
    for (std::string& ref : member_refs_) record.add_member_refs(std::move(ref));
    record.set_record_ids_omitted(records_omitted_);
    record.set_member_refs_omitted(members_omitted_);
  }

 private:
  storage::AuditStore* const log_;
  std::vector<std::string> record_ids_;
  std::vector<std::string> member_refs_;
  absl::flat_hash_set<std::string> seen_records_;
  absl::flat_hash_set<std::string> seen_cins_;
  int64_t records_omitted_ = 0;
  int64_t members_omitted_ = 0;
};

namespace {

// Appends the record of a call of `method` that sent `responses` messages
// and ended with `status`.
void AppendCallRecord(storage::AuditStore* log, absl::Time now, const grpc::AuthContext* auth,
                      const std::string& method, const grpc::Status& status, int64_t responses,
                      AuditCollector& collector) {
  hub::v1::AuditRecord record;
  *record.mutable_time() = ToTimestamp(now);
  absl::StatusOr<auth::Identity> caller = auth::IdentityFromAuthContext(auth);
  record.set_organization(caller.ok() ? caller->Organization() : "unknown");
  record.set_method(method);
  record.set_outcome(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())));
  if (responses > 1) record.set_detail(absl::StrCat(responses, " responses"));
  collector.Fill(record);
  absl::StatusOr<uint64_t> appended = log->Append(std::move(record));
  if (!appended.ok()) {
    log::Error("audit_append_failed",
               {{"method", method}, {"code", absl::StatusCodeToString(appended.status().code())}});
  }
}

class AuditInterceptor final : public grpc::experimental::Interceptor {
 public:
  AuditInterceptor(grpc::experimental::ServerRpcInfo* info, storage::AuditStore* log,
                   const std::function<absl::Time()>* clock)
      : info_(info), log_(log), clock_(clock), method_(info->method()), collector_(log) {
    if (const google::protobuf::MethodDescriptor* m = FindMethod(method_)) {
      response_prototype_ =
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(m->output_type());
    }
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        RequestIsProto(method_)) {
      if (void* message = methods->GetRecvMessage()) {
        collector_.Walk(*static_cast<const Message*>(message));
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE) &&
        response_prototype_ != nullptr) {
      if (grpc::ByteBuffer* buffer = methods->GetSerializedSendMessage()) {
        ReadResponse(*buffer);
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Append(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void ReadResponse(const grpc::ByteBuffer& buffer) {
    // Most messages are one slice: read it in place (no copy, no vector).
    grpc::Slice single;
    if (!buffer.TrySingleSlice(&single).ok() && !buffer.DumpToSingleSlice(&single).ok()) return;
    const std::string_view bytes(reinterpret_cast<const char*>(single.begin()), single.size());
    std::unique_ptr<Message> response(response_prototype_->New());
    if (!response->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
    ++responses_;
    collector_.Walk(*response);
  }

  void Append(const grpc::Status& status) {
    AppendCallRecord(log_, (*clock_)(), info_->server_context()->auth_context().get(), method_,
                     status, responses_, collector_);
  }

  grpc::experimental::ServerRpcInfo* const info_;
  storage::AuditStore* const log_;
  const std::function<absl::Time()>* const clock_;
  const std::string method_;
  const Message* response_prototype_ = nullptr;
  AuditCollector collector_;
  int64_t responses_ = 0;
};

}  // namespace

bool IsAudited(std::string_view method) {
  const auth::MethodPolicy* row = auth::FindPolicy(method);
  if (row == nullptr) return false;
  return row->phi || row->roles == auth::RoleBit(auth::Role::kCountyAdmin);
}

grpc::experimental::Interceptor* AuditInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  if (info == nullptr || info->method() == nullptr || !IsAudited(info->method()) ||
      ObservedByHandler(info->method())) {
    return nullptr;
  }
  return new AuditInterceptor(info, log_, &clock_);
}

CallAudit::CallAudit(storage::AuditStore* log, std::string method)
    : log_(log), method_(std::move(method)), collector_(std::make_unique<AuditCollector>(log)) {}

CallAudit::~CallAudit() = default;

void CallAudit::AddFeedItem(std::string_view item) {
  ++responses_;
  if (log_ == nullptr) return;
  std::string_view record_id, cin;
  if (!ReadFeedItem(item, record_id, cin)) return;
  collector_->AddRecord(record_id);
  collector_->AddMember(cin);
}

void CallAudit::Append(const grpc::AuthContext* auth, absl::Time now, const grpc::Status& status) {
  if (log_ == nullptr) return;
  AppendCallRecord(log_, now, auth, method_, status, responses_, *collector_);
}

void AuditRefusal(storage::AuditStore* log, absl::Time now, const auth::Identity* identity,
                  std::string_view method, const absl::Status& refusal) {
  if (log == nullptr) return;
  hub::v1::AuditRecord record;
  *record.mutable_time() = ToTimestamp(now);
  record.set_organization(identity == nullptr ? "unidentified" : identity->Organization());
  record.set_method(std::string(method));
  record.set_outcome(absl::StatusCodeToString(refusal.code()));
  record.set_detail("refused by the access policy before any handler ran");
  absl::StatusOr<uint64_t> appended = log->Append(std::move(record));
  if (!appended.ok()) log::Error("audit_append_failed", {{"method", std::string(method)}});
}

}  // namespace hub

#include "hub/feed/feed_disclosure.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/util/field_mask_util.h>
#include <google/protobuf/wire_format_lite.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "base/timestamp.h"
#include "hub/common/log.h"

namespace hub {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::util::FieldMaskUtil;

// Fields every plan receives whatever its profile declares.
constexpr const char* kAlwaysSent[] = {
    "sequence",    "record_id",           "provider_id",     "provider_npi", "kind",
    "accept_time", "redisclosure_notice", "withheld_reason", "consent_scope"};

// True if the stored FeedItem carries a non-empty redisclosure_notice (a
// Part 2 record), read from its bytes without parsing the rest.
bool HasRedisclosureNotice(std::string_view item) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(item.data()),
                                            static_cast<int>(item.size()));
  constexpr uint32_t kTag = WireFormatLite::MakeTag(
      hub::v1::FeedItem::kRedisclosureNoticeFieldNumber, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
  while (const uint32_t tag = in.ReadTag()) {
    if (tag == kTag) {
      uint32_t length = 0;
      if (!in.ReadVarint32(&length)) return true;  // Damaged: treat as Part 2.
      if (length > 0) return true;
      continue;
    }
    if (!WireFormatLite::SkipField(&in, tag)) return true;
  }
  return false;
}

hub::v1::ConsentPurpose PurposeOf(hub::v1::RecordKind kind) {
  return kind == hub::v1::RECORD_KIND_SERVICE || kind == hub::v1::RECORD_KIND_INVOICE_LINE
             ? hub::v1::CONSENT_PURPOSE_PAYMENT
             : hub::v1::CONSENT_PURPOSE_CARE_COORDINATION;
}

std::string Today(absl::Time now) { return absl::FormatTime("%Y-%m-%d", now, absl::UTCTimeZone()); }

std::string ScopeText(const hub::v1::Consent& c) {
  std::vector<std::string> purposes;
  for (int p : c.purposes()) {
    std::string name = hub::v1::ConsentPurpose_Name(static_cast<hub::v1::ConsentPurpose>(p));
    constexpr std::string_view kPrefix = "CONSENT_PURPOSE_";
    if (name.rfind(kPrefix, 0) == 0) name = name.substr(kPrefix.size());
    purposes.push_back(std::move(name));
  }
  return absl::StrCat("Disclosed with the member's written consent ", c.consent_id(),
                      " (California multi-party authorization form): discloser ",
                      ConsentDiscloser(c).empty() ? "any listed provider" : ConsentDiscloser(c),
                      ", recipient ",
                      c.recipient_plan_id().empty() ? "any Medi-Cal plan" : c.recipient_plan_id(),
                      ", purposes ", absl::StrJoin(purposes, ", "), ", signed ", c.signed_date(),
                      ", expires ", c.expiration_date(), "; the member may revoke it.");
}

}  // namespace

std::string CinOfItem(const hub::v1::FeedItem& item) {
  const hub::v1::Submission& s = item.submission();
  switch (s.record_case()) {
    case hub::v1::Submission::kOutreachAttempt:
      return s.outreach_attempt().cin();
    case hub::v1::Submission::kEnrollmentStatus:
      return s.enrollment_status().cin();
    case hub::v1::Submission::kCarePlan:
      return s.care_plan().cin();
    case hub::v1::Submission::kService:
      return s.service().cin();
    case hub::v1::Submission::kInvoiceLine:
      return s.invoice_line().cin();
    case hub::v1::Submission::kReferralStatus:
      return s.referral_status().cin();
    case hub::v1::Submission::RECORD_NOT_SET:
      break;
  }
  return "";
}

std::string ConsentDiscloser(const hub::v1::Consent& consent) {
  if (!consent.discloser_provider_id().empty()) return consent.discloser_provider_id();
  constexpr std::string_view kProvider = "provider:";
  if (consent.recorded_by().rfind(kProvider, 0) == 0) {
    return consent.recorded_by().substr(kProvider.size());
  }
  return "";
}

bool ConsentCovers(const hub::v1::Consent& consent, const hub::v1::FeedItem& item,
                   std::string_view plan_id, std::string_view cin, absl::Time now) {
  if (cin.empty() || consent.member_cin() != cin) return false;
  const std::string discloser = ConsentDiscloser(consent);
  if (!discloser.empty() && discloser != item.provider_id()) return false;
  if (!consent.recipient_plan_id().empty() && consent.recipient_plan_id() != plan_id) return false;
  const std::string today = Today(now);
  if (consent.signed_date().empty() || consent.signed_date() > today) return false;
  if (consent.expiration_date().empty() || consent.expiration_date() < today) return false;
  if (consent.has_revoke_time()) {
    if (FromTimestamp(consent.revoke_time()) <= now) return false;
  }
  const hub::v1::ConsentPurpose needed = PurposeOf(item.kind());
  for (int p : consent.purposes()) {
    if (p == needed || p == hub::v1::CONSENT_PURPOSE_TREATMENT_PAYMENT_OPERATIONS) return true;
  }
  return false;
}

FeedDisclosure::FeedDisclosure(storage::ConsentStore* consents, storage::DirectoryStore* directory,
                               PlanAdapterSet* adapters, std::function<absl::Time()> clock)
    : consents_(consents), directory_(directory), adapters_(adapters), clock_(std::move(clock)) {}

absl::StatusOr<FeedDisclosure::PlanView> FeedDisclosure::ForPlan(const std::string& plan_id) const {
  PlanView view;
  view.plan_id = plan_id;
  if (adapters_ == nullptr || directory_ == nullptr) return view;
  ASSIGN_OR_RETURN(hub::v1::Plan plan, directory_->GetPlan(plan_id));
  if (plan.adapter_profile().empty()) return view;
  absl::StatusOr<const LoadedPlanProfile*> profile = adapters_->GetProfile(plan.adapter_profile());
  if (!profile.ok()) return view;  // Ingest reports a bad profile; the feed does not need it.
  const auto& fields = (*profile)->profile.feed_fields();
  if (fields.empty()) return view;
  for (const std::string& path : fields) {
    if (!FieldMaskUtil::GetFieldDescriptors(hub::v1::FeedItem::descriptor(), path, nullptr)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the adapter profile \"", plan.adapter_profile(), "\" declares feed_fields \"", path,
          "\", which is not a FeedItem field; the hub administrator fixes the profile"));
    }
    view.mask.add_paths(path);
  }
  for (const char* path : kAlwaysSent) view.mask.add_paths(path);
  return view;
}

absl::StatusOr<std::optional<std::string>> FeedDisclosure::Transform(
    const PlanView& view, uint64_t sequence, std::string_view stored) const {
  const bool part2 = HasRedisclosureNotice(stored);
  if (!part2 && view.mask.paths().empty()) return std::nullopt;
  hub::v1::FeedItem item;
  if (!item.ParseFromArray(stored.data(), static_cast<int>(stored.size()))) {
    return absl::DataLossError(
        "a stored feed item is damaged; tell the hub administrator (log event "
        "pull_feed_item_damaged)");
  }
  if (part2) {
    ASSIGN_OR_RETURN(bool held, consents_->IsHeld(view.plan_id, sequence));
    std::optional<hub::v1::Consent> covering;
    if (!held) {
      ASSIGN_OR_RETURN(covering, CoveringConsent(view.plan_id, item, clock_()));
    }
    if (!covering.has_value()) {
      if (!held) {
        RETURN_IF_ERROR(consents_->MarkHeld(view.plan_id, sequence, item.record_id()));
        log::Info("part2_item_withheld", {{"plan_id", view.plan_id},
                                          {"sequence", static_cast<long long>(sequence)},
                                          {"record_id", item.record_id()}});
      }
      hub::v1::FeedItem placeholder;
      placeholder.set_sequence(item.sequence());
      placeholder.set_record_id(item.record_id());
      *placeholder.mutable_accept_time() = item.accept_time();
      placeholder.set_withheld_reason(kPart2Withheld);
      return placeholder.SerializeAsString();
    }
    item.set_consent_scope(ScopeText(*covering));
  }
  if (!view.mask.paths().empty()) FieldMaskUtil::TrimMessage(view.mask, &item);
  return item.SerializeAsString();
}

absl::StatusOr<std::optional<hub::v1::Consent>> FeedDisclosure::CoveringConsent(
    const std::string& plan_id, const hub::v1::FeedItem& item, absl::Time now) const {
  const std::string cin = CinOfItem(item);
  if (cin.empty()) return std::nullopt;
  ASSIGN_OR_RETURN(std::vector<hub::v1::Consent> consents, consents_->ListByMember(cin));
  for (hub::v1::Consent& c : consents) {
    if (ConsentCovers(c, item, plan_id, cin, now)) return std::move(c);
  }
  return std::nullopt;
}

absl::StatusOr<bool> FeedDisclosure::MayDisclose(const std::string& plan_id,
                                                 const hub::v1::FeedItem& item) const {
  if (item.redisclosure_notice().empty()) return true;
  ASSIGN_OR_RETURN(std::optional<hub::v1::Consent> covering,
                   CoveringConsent(plan_id, item, clock_()));
  return covering.has_value();
}

}  // namespace hub

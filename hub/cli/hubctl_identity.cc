#include "hub/cli/hubctl_identity.h"

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/timestamp.h"
#include "hub/cli/cli_table.h"
#include "hub/cli/hubctl_command.h"
#include "hub/common/rpc_status.h"
#include "hub/v1/audit.grpc.pb.h"
#include "hub/v1/consent.grpc.pb.h"

namespace hub {
namespace {

constexpr absl::Duration kDeadline = absl::Minutes(2);

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

std::string PurposeText(const hub::v1::Consent& c) {
  std::vector<std::string> names;
  for (int p : c.purposes()) {
    switch (p) {
      case hub::v1::CONSENT_PURPOSE_TREATMENT_PAYMENT_OPERATIONS:
        names.push_back("tpo");
        break;
      case hub::v1::CONSENT_PURPOSE_CARE_COORDINATION:
        names.push_back("care_coordination");
        break;
      case hub::v1::CONSENT_PURPOSE_PAYMENT:
        names.push_back("payment");
        break;
      default:
        names.push_back("?");
    }
  }
  return absl::StrJoin(names, ",");
}

// Consents print member CINs masked: the county's screen is not a report.
std::string MaskedCin(const std::string& cin) {
  if (cin.size() < 4) return "****";
  return absl::StrCat(std::string(cin.size() - 3, '*'), cin.substr(cin.size() - 3));
}

void PrintConsents(std::ostream& out, const std::vector<hub::v1::Consent>& consents) {
  TextTable table({"CONSENT ID", "MEMBER", "DISCLOSER", "RECIPIENT", "PURPOSES", "SIGNED",
                   "EXPIRES", "REVOKED"});
  for (const hub::v1::Consent& c : consents) {
    table.AddRow({c.consent_id(), MaskedCin(c.member_cin()),
                  c.discloser_provider_id().empty() ? "any" : c.discloser_provider_id(),
                  c.recipient_plan_id().empty() ? "any" : c.recipient_plan_id(), PurposeText(c),
                  c.signed_date(), c.expiration_date(), TimestampText(c.revoke_time())});
  }
  out << table.Render();
}

bool ParseTime(const std::string& text, google::protobuf::Timestamp* ts) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) return false;
  *ts = ToTimestamp(absl::FromUnixSeconds(absl::ToUnixSeconds(t)));  // whole seconds
  return true;
}

}  // namespace

bool IsTlsFlag(const std::string& name) {
  return name == "tls_cert_file" || name == "tls_key_file" || name == "tls_ca_file" ||
         name == "tls_dir" || name == "tls_server_name";
}

auth::TlsClientFiles TlsFromFlagsAndEnv(const std::map<std::string, std::string>& flags) {
  auth::TlsClientFiles tls;
  std::string dir = hubctl::OptionalFlag(flags, "tls_dir").value_or(Env("HUB_TLS_DIR"));
  if (!dir.empty()) {
    tls.cert_file = (std::filesystem::path(dir) / "tls.crt").string();
    tls.key_file = (std::filesystem::path(dir) / "tls.key").string();
    tls.ca_file = (std::filesystem::path(dir) / "ca.crt").string();
  }
  auto pick = [&](const char* flag, const char* env, std::string* field) {
    if (auto v = hubctl::OptionalFlag(flags, flag)) {
      *field = *v;
    } else if (std::string e = Env(env); !e.empty()) {
      *field = e;
    }
  };
  pick("tls_cert_file", "HUB_TLS_CERT_FILE", &tls.cert_file);
  pick("tls_key_file", "HUB_TLS_KEY_FILE", &tls.key_file);
  pick("tls_ca_file", "HUB_TLS_CA_FILE", &tls.ca_file);
  pick("tls_server_name", "HUB_TLS_SERVER_NAME", &tls.server_name);
  return tls;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> HubctlChannel(const std::string& server,
                                                             const auth::TlsClientFiles& tls) {
  if (!tls.enabled()) return grpc::CreateChannel(server, grpc::InsecureChannelCredentials());
  return auth::MakeTlsChannel(server, tls);
}

namespace {

constexpr char kConsentUsage[] =
    "usage: hubctl consent grant --member=CIN --purposes=tpo|care_coordination|payment[,...] "
    "--signed=YYYY-MM-DD --expires=YYYY-MM-DD [--provider=ID] [--discloser=ID] "
    "[--recipient=PLAN]\n"
    "       (a program records consents for its own records: --discloser defaults to "
    "--provider;\n"
    "        the county administrator names the program with --discloser)\n"
    "       hubctl consent revoke CONSENT_ID [--provider=ID]\n"
    "       hubctl consent list [--member=CIN] [--provider=ID]\n";

// Adds each purpose of --purposes (tpo, care_coordination, payment) to the
// consent. False, with the usage on `err`, for an unknown one.
bool AddPurposes(const IdentityCommandInput& in, hub::v1::Consent& c, std::ostream& err) {
  for (absl::string_view p : absl::StrSplit(hubctl::OptionalFlag(in.flags, "purposes").value_or(""),
                                            ',', absl::SkipEmpty())) {
    if (p == "tpo") {
      c.add_purposes(hub::v1::CONSENT_PURPOSE_TREATMENT_PAYMENT_OPERATIONS);
    } else if (p == "care_coordination") {
      c.add_purposes(hub::v1::CONSENT_PURPOSE_CARE_COORDINATION);
    } else if (p == "payment") {
      c.add_purposes(hub::v1::CONSENT_PURPOSE_PAYMENT);
    } else {
      err << "hubctl: consent grant: unknown purpose \"" << p << "\"\n" << kConsentUsage;
      return false;
    }
  }
  return true;
}

// `hubctl consent grant`: records the consent the flags describe.
int GrantConsent(const IdentityCommandInput& in, hub::v1::ConsentService::Stub& stub,
                 const std::string& provider, std::ostream& out, std::ostream& err) {
  hub::v1::RecordConsentRequest request;
  request.set_provider_id(provider);
  hub::v1::Consent* c = request.mutable_consent();
  c->set_member_cin(hubctl::OptionalFlag(in.flags, "member").value_or(""));
  c->set_discloser_provider_id(hubctl::OptionalFlag(in.flags, "discloser").value_or(provider));
  c->set_recipient_plan_id(hubctl::OptionalFlag(in.flags, "recipient").value_or(""));
  c->set_signed_date(hubctl::OptionalFlag(in.flags, "signed").value_or(""));
  c->set_expiration_date(hubctl::OptionalFlag(in.flags, "expires").value_or(""));
  if (!AddPurposes(in, *c, err)) return 2;
  if (c->member_cin().empty() || c->purposes().empty() || c->signed_date().empty() ||
      c->expiration_date().empty() || c->discloser_provider_id().empty()) {
    err << "hubctl: consent grant needs --member, --purposes, --signed, --expires and the "
           "disclosing program (--provider or --discloser)\n"
        << kConsentUsage;
    return 2;
  }
  grpc::ClientContext context;
  hubctl::PrepareContext(context, kDeadline);
  hub::v1::RecordConsentResponse response;
  absl::Status status = FromGrpcStatus(stub.RecordConsent(&context, request, &response));
  if (!status.ok()) return hubctl::PrintFailure(err, "consent grant", status);
  PrintConsents(out, {response.consent()});
  return 0;
}

// `hubctl consent revoke CONSENT_ID`.
int RevokeConsent(const IdentityCommandInput& in, hub::v1::ConsentService::Stub& stub,
                  const std::string& provider, std::ostream& out, std::ostream& err) {
  if (in.args.size() != 2) {
    err << "hubctl: consent revoke needs one CONSENT_ID\n" << kConsentUsage;
    return 2;
  }
  hub::v1::RevokeConsentRequest request;
  request.set_consent_id(in.args[1]);
  request.set_provider_id(provider);
  grpc::ClientContext context;
  hubctl::PrepareContext(context, kDeadline);
  hub::v1::RevokeConsentResponse response;
  absl::Status status = FromGrpcStatus(stub.RevokeConsent(&context, request, &response));
  if (!status.ok()) return hubctl::PrintFailure(err, "consent revoke", status);
  PrintConsents(out, {response.consent()});
  return 0;
}

// `hubctl consent list`: the consents of a member, or all the caller sees.
int ListConsents(const IdentityCommandInput& in, hub::v1::ConsentService::Stub& stub,
                 const std::string& provider, std::ostream& out, std::ostream& err) {
  hub::v1::ListConsentsRequest request;
  request.set_provider_id(provider);
  request.set_member_cin(hubctl::OptionalFlag(in.flags, "member").value_or(""));
  grpc::ClientContext context;
  hubctl::PrepareContext(context, kDeadline);
  hub::v1::ListConsentsResponse response;
  absl::Status status = FromGrpcStatus(stub.ListConsents(&context, request, &response));
  if (!status.ok()) return hubctl::PrintFailure(err, "consent list", status);
  PrintConsents(out, {response.consents().begin(), response.consents().end()});
  return 0;
}

}  // namespace

int RunConsentCommand(const IdentityCommandInput& in, std::ostream& out, std::ostream& err) {
  if (in.args.empty()) {
    err << "hubctl: consent needs grant, revoke or list\n" << kConsentUsage;
    return 2;
  }
  auto stub = hub::v1::ConsentService::NewStub(in.channel);
  const std::string provider = hubctl::OptionalFlag(in.flags, "provider").value_or("");
  const std::string& sub = in.args[0];
  if (sub == "grant") return GrantConsent(in, *stub, provider, out, err);
  if (sub == "revoke") return RevokeConsent(in, *stub, provider, out, err);
  if (sub == "list") return ListConsents(in, *stub, provider, out, err);
  err << "hubctl: consent: unknown subcommand \"" << sub << "\"\n" << kConsentUsage;
  return 2;
}

int RunAuditCommand(const IdentityCommandInput& in, std::ostream& out, std::ostream& err) {
  constexpr char kUsage[] =
      "usage: hubctl audit verify\n"
      "       hubctl audit query [--org=ORG] [--member=CIN|mbr_...] [--since=RFC3339] "
      "[--until=RFC3339]\n";
  if (in.args.size() != 1) {
    err << "hubctl: audit needs verify or query\n" << kUsage;
    return 2;
  }
  auto stub = hub::v1::AuditService::NewStub(in.channel);
  if (in.args[0] == "verify") {
    grpc::ClientContext context;
    hubctl::PrepareContext(context, kDeadline);
    hub::v1::VerifyAuditResponse response;
    absl::Status status =
        FromGrpcStatus(stub->VerifyAudit(&context, hub::v1::VerifyAuditRequest(), &response));
    if (!status.ok()) return hubctl::PrintFailure(err, "audit verify", status);
    if (response.ok()) {
      out << "audit chain OK: " << response.records_checked() << " records verified\n";
      return 0;
    }
    out << "audit chain BROKEN at record " << response.first_broken_sequence() << ": "
        << response.reason() << " (" << response.records_checked() << " records read before it)\n";
    return 1;
  }
  if (in.args[0] == "query") {
    hub::v1::QueryAuditRequest request;
    request.set_organization(hubctl::OptionalFlag(in.flags, "org").value_or(""));
    request.set_member(hubctl::OptionalFlag(in.flags, "member").value_or(""));
    if (auto since = hubctl::OptionalFlag(in.flags, "since");
        since && !ParseTime(*since, request.mutable_start_time())) {
      err << "hubctl: audit query: --since must be RFC 3339, e.g. 2026-11-23T00:00:00Z\n";
      return 2;
    }
    if (auto until = hubctl::OptionalFlag(in.flags, "until");
        until && !ParseTime(*until, request.mutable_end_time())) {
      err << "hubctl: audit query: --until must be RFC 3339, e.g. 2026-11-24T00:00:00Z\n";
      return 2;
    }
    // Records can carry thousands of ids: small pages stay under gRPC's 4 MiB.
    request.set_page_size(50);
    TextTable table({"SEQ", "TIME (UTC)", "ORGANIZATION", "METHOD", "OUTCOME", "RECORDS", "MEMBERS",
                     "FIRST RECORD"});
    int64_t shown = 0;
    do {
      grpc::ClientContext context;
      hubctl::PrepareContext(context, kDeadline);
      hub::v1::QueryAuditResponse response;
      absl::Status status = FromGrpcStatus(stub->QueryAudit(&context, request, &response));
      if (!status.ok()) return hubctl::PrintFailure(err, "audit query", status);
      for (const hub::v1::AuditRecord& r : response.records()) {
        table.AddRow({absl::StrCat(r.sequence()), TimestampText(r.time()), r.organization(),
                      r.method(), r.outcome(),
                      absl::StrCat(r.record_ids_size() + r.record_ids_omitted()),
                      absl::StrCat(r.member_refs_size() + r.member_refs_omitted()),
                      r.record_ids().empty() ? "-" : r.record_ids(0)});
        ++shown;
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    out << table.Render() << "(" << shown << " records)\n";
    return 0;
  }
  err << "hubctl: audit: unknown subcommand \"" << in.args[0] << "\"\n" << kUsage;
  return 2;
}

}  // namespace hub

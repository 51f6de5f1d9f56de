// hubd: the county hub server.
//
//   hubd --data_dir=DIR [--listen=127.0.0.1:50051] [--seed=FILE]
//        [--backup_dir=DIR] [--spool_dir=DIR] [--profiles_dir=DIR]
//        [--reference_dir=DIR] [--port_file=FILE] [--http_listen=HOST:PORT]
//        [--http_port_file=FILE] [--dashboard_dir=DIR] [--chart_js=FILE]
//        [--monitor_config=FILE]
//        --tls_cert_file=F --tls_key_file=F --tls_client_ca_file=F [--crl_file=F]
//        [--county_roles_file=F] [--health_listen=HOST:PORT] [--health_port_file=F]
//        | --insecure_loopback
//   hubd --restore_from=BACKUP_FOLDER --data_dir=NEW_FOLDER
//
// mTLS by default: hubd refuses to start without the three TLS files unless
// --insecure_loopback is given (plaintext, loopback only, no access policy:
// local development and tests).
//
// Logs are JSON lines on stderr. SIGTERM or SIGINT stops it gracefully
// (health NOT_SERVING, 10 s drain, store closed) with exit code 0.
// --restore_from restores a backup into a new (or empty) data folder and
// exits without serving (hub/server/restore.h); start hubd on it after.
// Exit codes: 0 stopped cleanly (or restored); 1 could not start or stop cleanly;
// 2 bad command line.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "auth/transport_policy.h"
#include "hub/common/log.h"
#include "hub/monitor/http_server.h"
#include "hub/monitor/monitor_rules.h"
#include "hub/server/flag_table.h"
#include "hub/server/restore.h"
#include "hub/server/server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "gRPC listen address HOST:PORT; port 0 picks a free port. Without TLS only loopback "
          "(127.0.0.1, [::1], localhost) is allowed.");
ABSL_FLAG(std::string, data_dir, "", "Folder holding the store (required; created if missing).");
ABSL_FLAG(std::string, seed, "",
          "Directory seed file (hub.v1.DirectorySeed text format), loaded only when the "
          "directory is empty (first start).");
ABSL_FLAG(std::string, backup_dir, "",
          "Folder receiving backups (AdminService.CreateBackup). Default: \"backups\" next to "
          "--data_dir, e.g. /var/lib/hub/data -> /var/lib/hub/backups.");
ABSL_FLAG(std::string, restore_from, "",
          "Restore this backup (one folder under --backup_dir) into --data_dir, which must be new "
          "or empty, verify it (the store opens, the audit chain verifies) and exit without "
          "serving.");
ABSL_FLAG(std::string, spool_dir, "",
          "Folder holding uploads while they arrive (emptied at start). Default: \"spool\" next "
          "to --data_dir.");
ABSL_FLAG(std::string, profiles_dir, "",
          "Folder of plan adapter profiles (<dir>/<profile>/profile.textproto). Default: the "
          "adapters/plans folder of the source tree hubd was built from.");
ABSL_FLAG(std::string, county_time_zone, "America/Los_Angeles",
          "The county's IANA time zone: its days for the 24-hour Community Supports outreach "
          "rule and the worklists (needs tzdata).");
ABSL_FLAG(std::string, reference_dir, "",
          "Folder of the reference tables (hub.v1.ReferenceTables *.textproto: HCPCS code and "
          "modifier pairs, DHCS discontinuation codes). Default: the data/reference folder of "
          "the source tree hubd was built from.");
ABSL_FLAG(std::string, port_file, "",
          "If set, hubd writes the bound port (a decimal number and a newline) to this file once "
          "it serves; written atomically (temp file + rename).");

// Identity: mutual TLS, the county's roles, the probes' port.
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate of the hub (its SANs name the hub's "
          "host names); with --tls_key_file and --tls_client_ca_file turns on mutual TLS.");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file.");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM county CA: client certificates must be signed by it (required).");
ABSL_FLAG(std::string, crl_file, "",
          "Revoked client certificates: an X.509 CRL signed by the county CA (PEM or DER), or "
          "a text deny list of hex serial numbers, one per line.");
ABSL_FLAG(std::string, county_roles_file, "",
          "County users' roles, one \"<name> county_admin|county_analyst\" per line (names of "
          "urn:hub:county:<name> certificates). Default: admin and analyst.");
ABSL_FLAG(std::string, health_listen, "",
          "Second, plaintext listener serving ONLY grpc.health.v1 (Kubernetes probes), "
          "HOST:PORT; empty = none.");
ABSL_FLAG(std::string, health_port_file, "",
          "If set, hubd writes the health listener's bound port here once it serves.");
ABSL_FLAG(bool, insecure_loopback, false,
          "Serve plaintext on a loopback address without client certificates or access "
          "policy (local development and tests only).");
ABSL_FLAG(int, block_cache_mib, 128,
          "RocksDB's memory budget in MiB: one block cache holding the memtables (up to 64 MiB), "
          "data, index and filter blocks. Raise it on hosts with memory to spare: ingest and "
          "lookups get faster.");
ABSL_FLAG(bool, feed_indexer_thread, true,
          "Run the thread that writes the feeds' derived indexes as Submit commits (default). "
          "false: they are written only when a reader needs them or the lag reaches its bound "
          "(diagnostics, and the crash test's kill between the ack and the indexer).");
ABSL_FLAG(std::string, http_listen, "",
          "HTTP address HOST:PORT for Prometheus /metrics and the county dashboard (aggregates "
          "only, no member data); port 0 picks a free port. Empty (default): no HTTP server.");
ABSL_FLAG(std::string, http_port_file, "",
          "If set, hubd writes the bound HTTP port here once it serves, like --port_file.");
ABSL_FLAG(std::string, dashboard_dir, "",
          "Folder of the dashboard page (index.html, dashboard.js, dashboard.css). Default: the "
          "hub/monitor/dashboard folder of the source tree hubd was built from.");
ABSL_FLAG(std::string, chart_js, "",
          "The Chart.js UMD bundle the dashboard loads. Default: "
          "<source tree>/tools/node_modules/chart.js/dist/chart.umd.js (scripts/setup.sh).");
// Limits (README "Security"): slow, idle and misbehaving clients.
ABSL_FLAG(int, crl_poll_seconds, 5,
          "How often --crl_file is checked for changes; a new CRL takes effect on new connections "
          "and calls of the certificates it revokes, without a restart.");
ABSL_FLAG(int, max_connection_idle_seconds, 300,
          "A connection with no call in flight for this long is closed.");
ABSL_FLAG(int, upload_stall_seconds, 60,
          "An upload that receives nothing for this long is ended (DEADLINE_EXCEEDED).");
ABSL_FLAG(int, max_concurrent_uploads, 32,
          "Uploads in progress at once (both UploadFile methods); one more is refused.");
ABSL_FLAG(int, max_pull_feed_streams_per_plan, 4,
          "Open PlanService.PullFeed streams per plan; one more is refused.");
ABSL_FLAG(int, audit_retention_days, 2192,
          "Days the audit log keeps a record (HIPAA 45 CFR 164.316(b)(2)(i): six years); 0 = for "
          "ever.");
ABSL_FLAG(int, idempotency_retention_days, 90,
          "Days a provider's accepted submission result answers a retry with the same key; 0 = "
          "for ever.");
ABSL_FLAG(int, ingest_report_retention_days, 400,
          "Days a plan file's ingest report and row errors are kept; 0 = for ever.");
ABSL_FLAG(int, feed_retention_days, 400,
          "Days a feed item is kept after its plan acknowledged it (Medi-Cal's one-year claim "
          "correction limit plus a month); never one the plan has not acknowledged; 0 = for ever.");
ABSL_FLAG(int, monitor_retention_days, 457,
          "Days the monitor's flow tallies and rejection log are kept (the quarterly report's "
          "current quarter and the four before it); 0 = for ever.");
ABSL_FLAG(int, outreach_retention_days, 464,
          "Days outreach attempts are kept (the quarterly report's five quarters plus a week); "
          "those of a referral still awaiting outreach stay; 0 = for ever.");
ABSL_FLAG(int, claims_retention_days, 400,
          "Days a month's billing lines are kept after the month (Medi-Cal's one-year claim "
          "correction limit plus a month); never while the feed holds the line's record; "
          "0 = for ever.");
ABSL_FLAG(int, quality_retention_days, 457,
          "Days a quality report is kept after its period ends (the quarterly report's five "
          "quarters); 0 = for ever.");
ABSL_FLAG(int, parked_retention_days, 400,
          "Days a resolved or discarded parked record is kept (the feed's window); an open one "
          "is never purged; 0 = for ever.");
ABSL_FLAG(int, retention_interval_hours, 24,
          "Hours between background retention purges; 0 = none.");
ABSL_FLAG(int, backups_kept, 14, "Backups kept under --backup_dir (oldest deleted); 0 = all.");
ABSL_FLAG(std::string, monitor_config, "",
          "Monitoring thresholds and timings (hub.v1.MonitorConfig, text format), merged over "
          "the defaults.");

namespace {

// The flags every hubd needs; `hubd --help` adds the table of every flag,
// generated from the definitions above (hub/server/flag_table.h).
constexpr char kSynopsis[] =
    "usage: hubd --data_dir=DIR (--tls_cert_file=F --tls_key_file=F --tls_client_ca_file=F\n"
    "            | --insecure_loopback) [--flag=value ...]\n"
    "       hubd --restore_from=BACKUP_FOLDER --data_dir=NEW_FOLDER\n";
constexpr char kDefinedIn[] = "hub/server/hubd_main.cc";

int UsageError(const std::string& problem) {
  std::fprintf(stderr, "hubd: %s\n\n%s(hubd --help lists every flag)\n", problem.c_str(),
               kSynopsis);
  return 2;
}

// absl::ParseCommandLine exits with status 1 on an unknown flag; hubd's
// contract is 2 for any command-line error, so flags are checked first.
// Returns "" if every argument names a known flag with a value.
std::string FindBadArgument(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") return i + 1 < argc ? absl::StrCat("unexpected argument ", argv[i + 1]) : "";
    if (arg.size() < 2 || arg[0] != '-') return absl::StrCat("unexpected argument ", arg);
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    const size_t eq = body.find('=');
    const std::string name = body.substr(0, eq);
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) return absl::StrCat("unknown flag --", name);
    if (eq == std::string::npos && !flag->IsOfType<bool>()) {
      if (i + 1 >= argc) return absl::StrCat("flag --", name, " needs a value");
      ++i;  // "--flag value"
    }
  }
  return "";
}

// Writes `port` to `path` atomically so a reader never sees a partial file.
bool WritePortFile(const std::string& path, int port) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream file(temp, std::ios::trunc);
    file << port << "\n";
    file.close();
    if (!file) return false;
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  return !ec;
}

// The --*_seconds and --max_* limit flags into `limits`; "" if they are in
// range, else what is wrong.
std::string ReadLimits(hub::HubServer::Limits& limits) {
  struct Limit {
    const char* flag;
    int value;
    int min;
    int max;
  };
  const Limit flags[] = {
      {"--crl_poll_seconds", absl::GetFlag(FLAGS_crl_poll_seconds), 1, 3600},
      {"--max_connection_idle_seconds", absl::GetFlag(FLAGS_max_connection_idle_seconds), 10,
       86400},
      {"--upload_stall_seconds", absl::GetFlag(FLAGS_upload_stall_seconds), 5, 3600},
      {"--max_concurrent_uploads", absl::GetFlag(FLAGS_max_concurrent_uploads), 1, 1024},
      {"--max_pull_feed_streams_per_plan", absl::GetFlag(FLAGS_max_pull_feed_streams_per_plan), 1,
       64},
  };
  for (const Limit& limit : flags) {
    if (limit.value < limit.min || limit.value > limit.max) {
      return absl::StrCat(limit.flag, " must be from ", limit.min, " to ", limit.max);
    }
  }
  limits.crl_poll_interval = absl::Seconds(flags[0].value);
  limits.max_connection_idle = absl::Seconds(flags[1].value);
  limits.upload_stall_timeout = absl::Seconds(flags[2].value);
  limits.max_concurrent_uploads = flags[3].value;
  limits.max_pull_feed_streams_per_plan = flags[4].value;
  return "";
}

// --restore_from: restores, prints what it restored, exits 0 (or 1).
int Restore(const std::string& backup, const std::string& data_dir) {
  if (data_dir.empty()) return UsageError("--restore_from needs --data_dir=NEW_FOLDER");
  absl::StatusOr<hub::RestoreResult> restored = hub::RestoreBackup(backup, data_dir);
  if (!restored.ok()) {
    hub::log::Error("restore_failed", {{"code", absl::StatusCodeToString(restored.status().code())},
                                       {"cause", std::string(restored.status().message())}});
    return 1;
  }
  hub::log::Info("restore_done", {{"file_count", restored->file_count},
                                  {"size_bytes", restored->size_bytes},
                                  {"audit_records_verified", restored->audit_records},
                                  {"last_audit_sequence", restored->last_audit_sequence}});
  std::printf(
      "restored %d files (%lld bytes); audit log verified: %lld records through sequence %llu\n"
      "start hubd with --data_dir=%s\n",
      restored->file_count, static_cast<long long>(restored->size_bytes),
      static_cast<long long>(restored->audit_records),
      static_cast<unsigned long long>(restored->last_audit_sequence), data_dir.c_str());
  return 0;
}

// Where hubd writes the ports it listens on (--port_file, --health_port_file,
// --http_port_file; "" for none).
struct PortFiles {
  std::string port_file;
  std::string health_port_file;
  std::string http_port_file;
};

// The retention flags into `options`. Returns -1, or the exit code of a
// usage error (printed).
int RetentionFromFlags(hub::HubServer::Options& options) {
  struct Days {
    const char* flag;
    int value;
    absl::Duration* into;
  };
  for (const Days& d :
       {Days{"--audit_retention_days", absl::GetFlag(FLAGS_audit_retention_days),
             &options.retention.policy.audit_log},
        Days{"--idempotency_retention_days", absl::GetFlag(FLAGS_idempotency_retention_days),
             &options.retention.policy.idempotency},
        Days{"--ingest_report_retention_days", absl::GetFlag(FLAGS_ingest_report_retention_days),
             &options.retention.policy.ingest_reports},
        Days{"--feed_retention_days", absl::GetFlag(FLAGS_feed_retention_days),
             &options.retention.policy.feed},
        Days{"--monitor_retention_days", absl::GetFlag(FLAGS_monitor_retention_days),
             &options.retention.policy.monitoring},
        Days{"--outreach_retention_days", absl::GetFlag(FLAGS_outreach_retention_days),
             &options.retention.policy.outreach},
        Days{"--claims_retention_days", absl::GetFlag(FLAGS_claims_retention_days),
             &options.retention.policy.claims},
        Days{"--quality_retention_days", absl::GetFlag(FLAGS_quality_retention_days),
             &options.retention.policy.quality_reports},
        Days{"--parked_retention_days", absl::GetFlag(FLAGS_parked_retention_days),
             &options.retention.policy.parked}}) {
    if (d.value < 0 || d.value > 36500) {
      return UsageError(absl::StrCat(d.flag, " must be 0 (for ever) to 36500 days"));
    }
    *d.into = absl::Hours(24) * d.value;
  }
  const int hours = absl::GetFlag(FLAGS_retention_interval_hours);
  if (hours < 0 || hours > 24 * 31) {
    return UsageError("--retention_interval_hours must be 0 (none) to 744");
  }
  options.retention.interval = absl::Hours(hours);
  options.backups_kept = absl::GetFlag(FLAGS_backups_kept);
  if (options.backups_kept < 0) return UsageError("--backups_kept must be 0 (all) or more");
  return -1;
}

// Every flag but --restore_from into `options` and `files`, checked.
// Returns -1, or the exit code of a usage error (printed).
int OptionsFromFlags(hub::HubServer::Options& options, PortFiles& files) {
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.feed_indexer_thread = absl::GetFlag(FLAGS_feed_indexer_thread);
  options.seed_path = absl::GetFlag(FLAGS_seed);
  options.backup_dir = absl::GetFlag(FLAGS_backup_dir);
  options.spool_dir = absl::GetFlag(FLAGS_spool_dir);
  options.profiles_dir = absl::GetFlag(FLAGS_profiles_dir);
  options.reference_dir = absl::GetFlag(FLAGS_reference_dir);
  options.county_time_zone = absl::GetFlag(FLAGS_county_time_zone);
  files.port_file = absl::GetFlag(FLAGS_port_file);
  options.tls.cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  options.tls.key_file = absl::GetFlag(FLAGS_tls_key_file);
  options.tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  options.tls.crl_file = absl::GetFlag(FLAGS_crl_file);
  options.county_roles_file = absl::GetFlag(FLAGS_county_roles_file);
  options.health_listen_address = absl::GetFlag(FLAGS_health_listen);
  files.health_port_file = absl::GetFlag(FLAGS_health_port_file);
  const bool insecure = absl::GetFlag(FLAGS_insecure_loopback);
  if (const int cache_mib = absl::GetFlag(FLAGS_block_cache_mib);
      cache_mib < 8 || cache_mib > 65536) {
    return UsageError("--block_cache_mib must be from 8 to 65536");
  } else {
    options.block_cache_bytes = static_cast<size_t>(cache_mib) << 20;
  }
  if (std::string bad = ReadLimits(options.limits); !bad.empty()) return UsageError(bad);
  options.http_listen = absl::GetFlag(FLAGS_http_listen);
  options.dashboard_dir = absl::GetFlag(FLAGS_dashboard_dir);
  options.chart_js_path = absl::GetFlag(FLAGS_chart_js);
  files.http_port_file = absl::GetFlag(FLAGS_http_port_file);
  if (!files.http_port_file.empty() && options.http_listen.empty()) {
    return UsageError("--http_port_file needs --http_listen");
  }
  if (!options.http_listen.empty()) {
    std::string host;
    int http_port = 0;
    if (absl::Status shape = hub::SplitHostPort(options.http_listen, &host, &http_port);
        !shape.ok()) {
      return UsageError(absl::StrCat("--http_listen: ", shape.message()));
    }
  }
  {
    absl::StatusOr<hub::v1::MonitorConfig> monitor_config =
        hub::LoadMonitorConfig(absl::GetFlag(FLAGS_monitor_config));
    if (!monitor_config.ok()) {
      return UsageError(absl::StrCat("--monitor_config: ", monitor_config.status().message()));
    }
    options.monitor_config = *std::move(monitor_config);
  }
  if (int code = RetentionFromFlags(options); code >= 0) return code;
  if (options.data_dir.empty()) return UsageError("--data_dir is required");
  const bool any_tls = !options.tls.cert_file.empty() || !options.tls.key_file.empty() ||
                       !options.tls.client_ca_file.empty() || !options.tls.crl_file.empty();
  if (insecure && any_tls) {
    return UsageError("--insecure_loopback and the --tls_* flags exclude each other");
  }
  if (!insecure && (options.tls.cert_file.empty() || options.tls.key_file.empty() ||
                    options.tls.client_ca_file.empty())) {
    return UsageError(
        "mutual TLS is required: pass --tls_cert_file, --tls_key_file and "
        "--tls_client_ca_file (or --insecure_loopback for plaintext on loopback, for local "
        "development only)");
  }
  // Shape only (TLS "enabled" skips the loopback rule, which Start enforces
  // with its own message): a malformed --listen is a command-line error.
  if (absl::Status shape = hub::auth::CheckListenAddress(options.listen_address, true);
      !shape.ok()) {
    return UsageError(absl::StrCat("--listen: ", shape.message()));
  }
  if (options.backup_dir.empty()) {
    options.backup_dir = hub::HubServer::DefaultBackupDir(options.data_dir);
  }
  return -1;
}

// Starts the hub, writes its port files, and serves until SIGTERM or
// SIGINT; then drains and stops. Returns the exit code.
int Serve(const hub::HubServer::Options& options, const PortFiles& files) {
  // Block the stop signals before any thread starts (gRPC's threads inherit
  // the mask), then wait for them synchronously below: no handler runs in
  // signal context.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  if (pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr) != 0) {
    hub::log::Error("hubd_start_failed", {{"cause", "cannot block SIGTERM/SIGINT"}});
    return 1;
  }

  absl::StatusOr<std::unique_ptr<hub::HubServer>> server = hub::HubServer::Start(options);
  if (!server.ok()) {
    hub::log::Error("hubd_start_failed",
                    {{"code", absl::StatusCodeToString(server.status().code())},
                     {"cause", std::string(server.status().message())}});
    return 1;
  }
  const int port = (*server)->port();
  if (!files.port_file.empty() && !WritePortFile(files.port_file, port)) {
    hub::log::Error("hubd_start_failed",
                    {{"cause", "cannot write --port_file"}, {"port_file", files.port_file}});
    (void)(*server)->Shutdown(absl::ZeroDuration());
    return 1;
  }
  if (!files.health_port_file.empty() &&
      !WritePortFile(files.health_port_file, (*server)->health_port())) {
    hub::log::Error("hubd_start_failed", {{"cause", "cannot write --health_port_file"},
                                          {"health_port_file", files.health_port_file}});
    (void)(*server)->Shutdown(absl::ZeroDuration());
    return 1;
  }
  const int http_port = (*server)->http_port();
  if (!files.http_port_file.empty() && !WritePortFile(files.http_port_file, http_port)) {
    hub::log::Error("hubd_start_failed", {{"cause", "cannot write --http_port_file"},
                                          {"http_port_file", files.http_port_file}});
    (void)(*server)->Shutdown(absl::ZeroDuration());
    return 1;
  }
  const hub::HubServer::StartInfo& info = (*server)->start_info();
  hub::log::Info("hubd_started", {{"listen", options.listen_address},
                                  {"port", port},
                                  {"tls", options.tls.enabled()},
                                  {"crl", !options.tls.crl_file.empty()},
                                  {"health_port", (*server)->health_port()},
                                  {"http_port", http_port},
                                  {"plan_count", info.plan_count},
                                  {"provider_count", info.provider_count},
                                  {"adapter_profile_count", info.adapter_profile_count},
                                  {"seed_loaded", info.seed.loaded},
                                  {"seed_plan_count", info.seed.plans},
                                  {"seed_provider_count", info.seed.providers}});

  int signal_number = 0;
  while (sigwait(&stop_signals, &signal_number) != 0) {
  }
  hub::log::Info("hubd_stopping", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"},
                                   {"drain_seconds", 10}});
  absl::Status stopped = (*server)->Shutdown(absl::Seconds(10));
  server->reset();
  if (!stopped.ok()) {
    hub::log::Error("hubd_stop_failed", {{"cause", std::string(stopped.message())}});
    return 1;
  }
  hub::log::Info("hubd_stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  hub::ConfigureProcess();
  absl::SetProgramUsageMessage(kSynopsis);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help=markdown") {
      std::fputs(hub::FlagTable(kDefinedIn, hub::FlagTableFormat::kMarkdown).c_str(), stdout);
      return 0;
    }
    if (arg == "--help" || arg == "-help" || arg == "-h" || arg == "--helpfull") {
      std::fputs(absl::StrCat(kSynopsis, "\nflags (default after '='):\n",
                              hub::FlagTable(kDefinedIn, hub::FlagTableFormat::kText))
                     .c_str(),
                 stdout);
      return 0;
    }
  }
  if (std::string bad = FindBadArgument(argc, argv); !bad.empty()) return UsageError(bad);
  absl::ParseCommandLine(argc, argv);

  if (const std::string backup = absl::GetFlag(FLAGS_restore_from); !backup.empty()) {
    return Restore(backup, absl::GetFlag(FLAGS_data_dir));
  }

  hub::HubServer::Options options;
  PortFiles files;
  if (int code = OptionsFromFlags(options, files); code >= 0) return code;
  return Serve(options, files);
}

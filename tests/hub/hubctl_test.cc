// The hubctl binary (HUBCTL_PATH) against an in-process hub, plus its table
// formatting.

#include "hub/cli/hubctl.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/cli/cli_table.h"
#include "hub/cli/submission_lines.h"
#include "tests/hub/hub_test_util.h"

#ifndef HUBCTL_PATH
#error "HUBCTL_PATH must name the hubctl binary"
#endif

namespace hub {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using Result = hub::testing::CommandResult;

// Runs hubctl with `args` (already shell-safe) and HUB_SERVER set to
// `hub_server`, or unset if empty.
Result RunHubctlBinary(const std::string& args, const std::string& hub_server = "") {
  const std::string env =
      hub_server.empty() ? "env -u HUB_SERVER" : absl::StrCat("env HUB_SERVER=", hub_server);
  return hub::testing::RunCommand(absl::StrCat(env, " ", HUBCTL_PATH, " ", args));
}

class HubctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hub_ = testing::StartTestHub(testing::SmallSeedText());
    ASSERT_NE(hub_, nullptr);
    server_flag_ = "--server=" + hub_->address();
  }
  std::unique_ptr<testing::TestHub> hub_;
  std::string server_flag_;
};

TEST_F(HubctlTest, PlansListsEverySeededPlan) {
  Result r = RunHubctlBinary(server_flag_ + " plans");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("PLAN ID"));
  for (const std::string& name : testing::SmallSeedPlanNames()) {
    EXPECT_THAT(r.output, HasSubstr(name));
  }
}

TEST_F(HubctlTest, ProvidersWithFilters) {
  Result r = RunHubctlBinary(server_flag_ + " providers");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* id :
       {"alpha_cbo", "bravo_housing", "charlie_fqhc", "delta_county", "echo_meals"}) {
    EXPECT_THAT(r.output, HasSubstr(id));
  }
  r = RunHubctlBinary(server_flag_ + " providers --plan=molina --kind=cs");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("bravo_housing"));
  EXPECT_THAT(r.output, HasSubstr("echo_meals"));
  EXPECT_THAT(r.output, Not(HasSubstr("alpha_cbo")));
  EXPECT_THAT(r.output, Not(HasSubstr("delta_county")));

  r = RunHubctlBinary(server_flag_ + " providers --kind=dental");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--kind must be ecm or cs"));
}

TEST_F(HubctlTest, HealthAndBackupUseServerFromEnvironment) {
  Result r = RunHubctlBinary("health", hub_->address());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "SERVING\n");

  r = RunHubctlBinary("backup --label=nightly", hub_->address());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("20261123T105600Z-nightly"));

  hub_->server->SetNotServing();
  r = RunHubctlBinary(server_flag_ + " health");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(r.output, "NOT_SERVING\n");
}

TEST(HubctlErrorsTest, UnreachableServerExitsOneWithAHint) {
  const std::string address = absl::StrCat("127.0.0.1:", testing::UnusedPort());
  for (const char* command : {"plans", "health", "providers"}) {
    Result r = RunHubctlBinary(absl::StrCat("--server=", address, " ", command));
    EXPECT_EQ(r.exit_code, 1) << command << ": " << r.output;
    EXPECT_EQ(
        r.output,
        absl::StrCat(
            "hubctl: cannot reach hubd at ", address,
            " (is it running? set --server or HUB_SERVER; a hub serving TLS needs --tls_dir or "
            "HUB_TLS_DIR)\n"));
  }
}

TEST(HubctlErrorsTest, UsageErrorsExitTwo) {
  for (const char* args :
       {"", "frobnicate", "--bogus plans", "plans --plan=molina", "providers extra", "--server"}) {
    Result r = RunHubctlBinary(args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr("usage: hubctl")) << args;
  }
  Result r = RunHubctlBinary("frobnicate");
  EXPECT_THAT(r.output, HasSubstr("unknown command \"frobnicate\""));
  r = RunHubctlBinary("--help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* command : {"plans", "providers", "health", "backup"}) {
    EXPECT_THAT(r.output, HasSubstr(command));
  }
}

TEST(HubctlTableTest, AlignsColumnsByCharactersWithoutTrailingSpaces) {
  TextTable table({"ID", "NAME", "N"});
  table.AddRow({"a", "Cl\xc3\xadnica", "1"});
  table.AddRow({"bbbb", "X", ""});
  EXPECT_EQ(table.Render(),
            "ID    NAME     N\n"
            "a     Cl\xc3\xadnica  1\n"
            "bbbb  X\n");
}

TEST(HubctlTableTest, ProvidersTableColumns) {
  hub::v1::Provider p;
  p.set_provider_id("charlie_fqhc");
  p.set_npi("1000000038");
  p.set_name("Charlie");
  p.add_kinds(hub::v1::PROVIDER_KIND_ECM);
  p.add_kinds(hub::v1::PROVIDER_KIND_CS);
  p.add_community_supports(hub::v1::COMMUNITY_SUPPORT_RECUPERATIVE_CARE);
  p.add_community_supports(hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS);
  p.add_contracts()->set_plan_id("molina");
  p.add_contracts()->set_plan_id("health_net");
  EXPECT_EQ(FormatProvidersTable({p}),
            "PROVIDER ID   NPI         NAME     KINDS   CS COUNT  PLANS\n"
            "charlie_fqhc  1000000038  Charlie  ECM,CS  2         molina,health_net\n");
  hub::v1::Plan plan;
  plan.set_plan_id("chg");
  plan.set_name("Community Health Group");
  EXPECT_EQ(FormatPlansTable({plan}),
            "PLAN ID  NAME                    DHCS CODE  ADAPTER\n"
            "chg      Community Health Group  -          -\n");
}

TEST(HubctlTableTest, InProcessRunMatchesTheBinary) {
  std::ostringstream out, err;
  EXPECT_EQ(RunHubctl({"nope"}, "", out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("unknown command"));
  EXPECT_EQ(out.str(), "");
}

// `hubctl submit FILE.jsonl`'s reader: line numbers are the file's (blank
// lines and CRLF count), a bad line is named and never quoted.
TEST(SubmissionLinesTest, NumbersLinesAsTheFileDoesAndNamesABadOneWithoutQuotingIt) {
  auto read = ReadSubmissionLines(
      "{\"idempotency_key\": \"k1\"}\r\n\n  \t\n{\"idempotency_key\": \"k2\", "
      "\"outreach_attempt\": {\"cin\": \"12345678A\"}}");
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[0].line, 1);
  EXPECT_EQ((*read)[0].submission.idempotency_key(), "k1");
  EXPECT_EQ((*read)[1].line, 4);
  EXPECT_EQ((*read)[1].submission.outreach_attempt().cin(), "12345678A");

  auto bad = ReadSubmissionLines("{\"idempotency_key\": \"k1\"}\n{\"cin\": \"98765432B\"\n");
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()),
              ::testing::StartsWith("line 2 is not a hub.v1.Submission"));
  EXPECT_THAT(std::string(bad.status().message()),
              ::testing::Not(::testing::HasSubstr("98765432B")));

  auto empty = ReadSubmissionLines("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace hub

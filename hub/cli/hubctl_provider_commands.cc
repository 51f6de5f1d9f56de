// hubctl's provider views: worklist, quality, careplan, billing
// (hub/cli/hubctl_command.h, hub/cli/hubctl_views.h).
#include <optional>
#include <string>

#include "hub/cli/hubctl_command.h"
#include "hub/cli/hubctl_views.h"

namespace hub::hubctl {

int RunWorklist(Invocation& inv) {
  const std::optional<std::string> provider = inv.Flag("provider");
  if (!provider.has_value() || provider->empty()) {
    inv.err << "hubctl: worklist needs --provider\n"
               "usage: hubctl worklist --provider=ID [--plan=P] [--as_of=YYYY-MM-DD]\n";
    return 2;
  }
  return WorklistCommand({inv.channel, inv.server}, *provider, inv.Flag("plan").value_or(""),
                         inv.Flag("as_of").value_or(""), inv.out, inv.err);
}

int RunQuality(Invocation& inv) {
  const std::optional<std::string> provider = inv.Flag("provider");
  if (!provider.has_value() || provider->empty()) {
    inv.err << "hubctl: quality needs --provider\nusage: hubctl quality --provider=ID "
               "[--period=P]\n";
    return 2;
  }
  return QualityCommand({inv.channel, inv.server}, *provider, inv.Flag("period").value_or(""),
                        inv.out, inv.err);
}

int RunCarePlan(Invocation& inv) {
  const std::optional<std::string> provider = inv.Flag("provider");
  const std::optional<std::string> cin = inv.Flag("cin");
  if (!provider.has_value() || provider->empty() || !cin.has_value() || cin->empty()) {
    inv.err << "hubctl: careplan needs --provider and --cin\n"
               "usage: hubctl careplan --provider=ID --cin=CIN\n";
    return 2;
  }
  return CarePlanCommand({inv.channel, inv.server}, *provider, *cin, inv.out, inv.err);
}

int RunBilling(Invocation& inv) {
  const std::optional<std::string> provider = inv.Flag("provider");
  if (!provider.has_value() || provider->empty()) {
    inv.err << "hubctl: billing needs --provider\nusage: hubctl billing --provider=ID\n";
    return 2;
  }
  return BillingCommand({inv.channel, inv.server}, *provider, inv.out, inv.err);
}

}  // namespace hub::hubctl

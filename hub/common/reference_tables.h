// The reference tables the hub checks submissions against, loaded from
// data/reference/*.textproto (hub.v1.ReferenceTables in text format): the
// HCPCS code + modifier pairs that bill each Community Support, the ECM
// G9008 code/modifier pairs and the DHCS discontinuation reason codes.
// Data, not code: a new modifier is a new row in a file, not a release.
//
// Thread safety: immutable once loaded; share freely.
#ifndef HUB_HUB_COMMON_REFERENCE_TABLES_H_
#define HUB_HUB_COMMON_REFERENCE_TABLES_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "hub/v1/codes.pb.h"
#include "hub/v1/reference.pb.h"

namespace hub {

class ReferenceTables {
 public:
  // Reads and merges every "*.textproto" file of `dir` (in name order).
  // FailedPrecondition naming the file if the folder cannot be read or a
  // file does not parse, or if no Community Support or ECM code is listed.
  static absl::StatusOr<std::unique_ptr<ReferenceTables>> LoadDir(const std::string& dir);
  // From tables already in memory (tests).
  static std::unique_ptr<ReferenceTables> FromProto(hub::v1::ReferenceTables tables);

  // The folder of the source tree this binary was built from (compile
  // definition HUB_DEFAULT_REFERENCE_DIR): <repo>/data/reference.
  static std::string DefaultDir();

  // True if `code` with exactly `modifiers` (order not significant, case
  // sensitive as HCPCS writes them) bills `support`.
  bool FitsCommunitySupport(hub::v1::CommunitySupport support, std::string_view code,
                            const std::vector<std::string>& modifiers) const;
  // True if `code` is listed for `support` with some modifiers.
  bool CodeBillsCommunitySupport(hub::v1::CommunitySupport support, std::string_view code) const;
  // "H0043 + U6, H2016 + U6": the pairs that bill `support`, for messages.
  std::string DescribeCommunitySupportCodes(hub::v1::CommunitySupport support) const;

  // True if `code` is an ECM billing code (any row of the ECM table).
  bool IsEcmCode(std::string_view code) const;
  // True if `code` with exactly `modifiers` is a row of the ECM table.
  bool FitsEcm(std::string_view code, const std::vector<std::string>& modifiers) const;
  // "G9008 + U1, G9008 + U2, ...", for messages.
  std::string DescribeEcmCodes() const;

  // True if `dhcs_code` is a listed discontinuation reason.
  bool IsDiscontinuationCode(int dhcs_code) const;
  // "1, 2, 3, ... 15", for messages.
  std::string DescribeDiscontinuationCodes() const;

  const hub::v1::ReferenceTables& tables() const { return tables_; }

 private:
  explicit ReferenceTables(hub::v1::ReferenceTables tables);

  hub::v1::ReferenceTables tables_;
  // "support|CODE|M1+M2" (modifiers sorted) for Community Supports.
  absl::flat_hash_set<std::string> cs_pairs_;
  absl::flat_hash_set<std::string> cs_codes_;   // "support|CODE"
  absl::flat_hash_set<std::string> ecm_pairs_;  // "CODE|M1+M2"
  absl::flat_hash_set<std::string> ecm_codes_;
  absl::flat_hash_set<int> discontinuation_codes_;
};

}  // namespace hub

#endif  // HUB_HUB_COMMON_REFERENCE_TABLES_H_

#include "hub/server/private_files.h"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace hub {
namespace {

namespace fs = std::filesystem;

constexpr fs::perms kFolder = fs::perms::owner_all;
constexpr fs::perms kFile = fs::perms::owner_read | fs::perms::owner_write;

absl::Status Refused(const fs::path& path, const std::error_code& ec) {
  return absl::FailedPreconditionError(
      absl::StrCat("cannot make ", path.string(), " private to the hub (", ec.message(),
                   "); hubd must own its data, spool and backup folders"));
}

}  // namespace

void KeepFilesPrivate() { ::umask(077); }

absl::Status MakePrivateTree(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Refused(dir, ec);
  fs::permissions(dir, kFolder, fs::perm_options::replace, ec);
  if (ec) return Refused(dir, ec);
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::file_status status = it->symlink_status(ec);
    if (ec) return Refused(it->path(), ec);
    if (fs::is_symlink(status)) continue;
    const fs::perms wanted = fs::is_directory(status) ? kFolder : kFile;
    if ((status.permissions() & fs::perms::mask) == wanted) continue;
    fs::permissions(it->path(), wanted, fs::perm_options::replace, ec);
    if (ec) return Refused(it->path(), ec);
  }
  if (ec) return Refused(dir, ec);
  return absl::OkStatus();
}

}  // namespace hub

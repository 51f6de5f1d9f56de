#include "hub/cli/hubctl_profile.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace hub {
namespace {

// Where hubprofile is: $HUB_PROFILE_TOOL, next to this executable, or PATH.
std::string ToolPath() {
  if (const char* env = std::getenv("HUB_PROFILE_TOOL"); env != nullptr && *env != '\0') {
    return env;
  }
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::filesystem::path beside = self.parent_path() / "hubprofile";
    if (std::filesystem::exists(beside, ec)) return beside.string();
  }
  return "hubprofile";
}

}  // namespace

int ProfileCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() < 3 || args.size() > 4 || args[0] != "check") {
    err << "usage: hubctl profile check FILE PROFILE [assignment|authorization|quality|rtf|otf|"
           "invoice]\n(PROFILE: a profile.textproto or its folder; no hub is needed)\n";
    return 2;
  }
  const std::string tool = ToolPath();
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) {
    err << "hubctl: profile: cannot start hubprofile (pipe failed)\n";
    return 1;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    err << "hubctl: profile: cannot start hubprofile (fork failed)\n";
    return 1;
  }
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(tool.c_str()));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(tool.c_str(), argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  char buffer[4096];
  while (true) {
    const ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n > 0) {
      out.write(buffer, n);
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    err << "hubctl: profile: cannot run " << tool
        << " (build it with `ninja -C build hubprofile`, or set HUB_PROFILE_TOOL)\n";
    return 1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace hub

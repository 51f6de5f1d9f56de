// hubctl: command line for the county administrator. See hub/cli/hubctl.h.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "hub/cli/hubctl.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const char* env_server = std::getenv("HUB_SERVER");
  return hub::RunHubctl(args, env_server == nullptr ? "" : env_server, std::cout, std::cerr);
}

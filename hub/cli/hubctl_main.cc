// hubctl: command line for the county administrator. See hub/hubctl.h.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "hub/hubctl.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const char* env_server = std::getenv("HUB_SERVER");
  return hub::RunHubctl(args, env_server == nullptr ? "" : env_server, std::cout, std::cerr);
}

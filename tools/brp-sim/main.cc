// brp-sim: serves BRP Personen v2 `POST /personen` from a JSON file of Persoon objects.
//
//   brp-sim --persons data/brp-fixture.json --port 8081 [--address 127.0.0.1]
//           [--fail-mode none|down|garbage] [--api-key KEY]
//
// Prints "brp-sim listening on http://<address>:<port>" once ready; stops on SIGINT/SIGTERM.
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "brp_sim.h"
#include "http/server.h"

int main(int argc, char** argv) {
  CLI::App app{"brp-sim: a stand-in for the BRP Personen v2 API (POST /personen)"};
  std::string persons_file;
  int port = 0;
  std::string address = "127.0.0.1";
  std::string fail_mode = "none";
  std::string api_key;
  app.add_option("--persons", persons_file, "JSON array of Persoon objects")->required();
  app.add_option("--port", port, "TCP port (0 = any free port)")
      ->required()
      ->check(CLI::Range(0, 65535));
  app.add_option("--address", address, "address to listen on");
  app.add_option("--fail-mode", fail_mode, "none, down (503) or garbage (200, not JSON)")
      ->check(CLI::IsMember({"none", "down", "garbage"}));
  app.add_option("--api-key", api_key, "require this X-API-KEY header");
  CLI11_PARSE(app, argc, argv);

  auto sim = volmacht::brpsim::BrpSim::FromFile(persons_file);
  if (!sim) {
    std::cerr << "brp-sim: " << sim.error().message << "\n";
    return 2;
  }
  auto mode = volmacht::brpsim::ParseFailMode(fail_mode);
  if (!mode) {
    std::cerr << "brp-sim: " << mode.error().message << "\n";
    return 2;
  }
  sim->set_fail_mode(*mode);
  sim->set_api_key(api_key);

  // Block the stop signals before any server thread exists, so only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  volmacht::http::ServerConfig cfg;
  cfg.name = "brp";
  cfg.address = address;
  cfg.port = static_cast<uint16_t>(port);
  cfg.io_threads = 1;
  cfg.worker_threads = 1;
  cfg.server_header = "brp-sim";
  volmacht::http::HttpServer srv(cfg);
  sim->Mount(srv);
  try {
    srv.Start();
  } catch (const std::exception& e) {
    std::cerr << "brp-sim: " << e.what() << "\n";
    return 1;
  }
  std::cout << "brp-sim listening on http://" << address << ":" << srv.port() << std::endl;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  srv.Stop();
  return 0;
}

// digid-sim: a SAML 2.0 identity provider that plays DigiD for development and tests.
//
//   digid-sim --persons data/brp-fixture.json --port 8443 [--address 127.0.0.1]
//             --data-dir DIR --sp-metadata FILE [--sp-metadata FILE...]
//             [--base-url https://localhost:8443] [--resolve-port 8444] [--client-ca FILE]
//             [--key-bits 3072]
//
// Prints "digid-sim listening on https://..." once ready; stops on SIGINT/SIGTERM.
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "digid_sim.h"
#include "saml/saml_common.h"

int main(int argc, char** argv) {
  CLI::App app{"digid-sim: a DigiD stand-in (SAML 2.0 IdP) for development and tests"};
  volmacht::digidsim::DigidSimConfig cfg;
  int port = 0;
  int resolve_port = 0;
  app.add_option("--persons", cfg.persons_file, "JSON array of BRP Persoon objects")->required();
  app.add_option("--port", port, "TLS port for the browser pages (0 = any)")
      ->required()
      ->check(CLI::Range(0, 65535));
  app.add_option("--resolve-port", resolve_port,
                 "mutual-TLS port for ArtifactResolve (0 = any free port)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--address", cfg.address, "address to listen on");
  app.add_option("--data-dir", cfg.data_dir, "keys, certificates and idp-metadata.xml")
      ->required();
  app.add_option("--sp-metadata", cfg.sp_metadata_files, "SAML metadata of a service provider")
      ->required();
  app.add_option("--base-url", cfg.base_url, "public URL of the browser pages");
  app.add_option("--client-ca", cfg.client_ca_file,
                 "CA of the SPs' client certificates (default <data-dir>/tls/ca.pem)");
  app.add_option("--key-bits", cfg.key_bits, "RSA size of a newly made SAML key")
      ->check(CLI::IsMember({2048, 3072, 4096}));
  CLI11_PARSE(app, argc, argv);
  cfg.port = static_cast<uint16_t>(port);
  cfg.resolve_port = static_cast<uint16_t>(resolve_port);

  volmacht::saml::InitLasso();
  auto sim = volmacht::digidsim::DigidSim::Create(cfg);
  if (!sim) {
    std::cerr << "digid-sim: " << sim.error().message << "\n";
    return 2;
  }
  // xmlsec would otherwise re-read the system CA bundle for every signature check; nothing in
  // this process needs the system trust store (both servers name their CA files).
  volmacht::saml::PinDefaultCaStore((*sim)->tls_ca_file());
  // Block the stop signals before any server thread exists, so only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  if (auto r = (*sim)->Start(); !r) {
    std::cerr << "digid-sim: " << r.error().message << "\n";
    return 1;
  }
  std::cout << "digid-sim listening on " << (*sim)->base_url() << " (ArtifactResolve on port "
            << (*sim)->resolve_port() << ", metadata " << (*sim)->metadata_file() << ")"
            << std::endl;
  int sig = 0;
  sigwait(&stop_signals, &sig);
  (*sim)->Stop();
  return 0;
}

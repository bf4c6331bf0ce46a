// MakeDevCerts: a throw-away certificate authority with a server certificate and client
// certificates, for development, tests, benchmarks and the local demo. Never for production.
//
//   MakeDevCerts("/tmp/pki", {"localhost"}, {{"gemeente", "Gemeente Test", "0000..."}});
//
// Writes into dir (created if missing):
//   ca.pem, ca-key.pem            self-signed CA (basicConstraints CA:TRUE, keyCertSign)
//   server.pem, server-key.pem    serverAuth, SAN = every server_dns_names entry as DNS
//                                 name plus IP 127.0.0.1; CN = first DNS name
//   <stem>.pem, <stem>-key.pem    per client: clientAuth, subject C=NL, O=CN=common_name and
//                                 serialNumber=serial_number (the OIN) when not empty
// Keys are EC P-256, unencrypted PKCS#8 PEM, mode 0600; certificates mode 0644; validity
// two years from now; random 128-bit serial numbers. Files are written to a temporary name
// and renamed, so a reader never sees half a file.
// Idempotent: a file pair that is still valid (parses, key matches, signed by the CA in dir,
// not expired, same names / serialNumber as asked) is left as it is; when the CA itself
// is missing or invalid, everything is made anew.
// Errors: kUnavailable when dir cannot be created or written, kInternal when OpenSSL fails,
// kInvalidArgument for a stem that is not a plain file name or an empty server name list.
// Thread-safety: none across calls on the same dir (two processes racing may each write).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace volmacht::devcerts {

struct DevCertSpec {
  std::string file_stem;      // "<dir>/<file_stem>.pem" and "<dir>/<file_stem>-key.pem"
  std::string common_name;    // subject CN and O
  std::string serial_number;  // subject serialNumber (OIN); may be empty
};

[[nodiscard]] Result<void> MakeDevCerts(const std::string& dir,
                                        const std::vector<std::string>& server_dns_names,
                                        const std::vector<DevCertSpec>& clients);

}  // namespace volmacht::devcerts

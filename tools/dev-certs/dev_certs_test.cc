#include "dev_certs.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "http/test_support.h"

namespace volmacht::devcerts {
namespace {

using http::testing::TempDir;

constexpr char kOin[] = "00000001001234567000";

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

X509* LoadCert(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  X509* c = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return c;
}

std::string Entry(X509* c, int nid) {
  X509_NAME* n = X509_get_subject_name(c);
  int idx = X509_NAME_get_index_by_NID(n, nid, -1);
  if (idx < 0) return "";
  ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, idx));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

// Verifies leaf against ca with the given purpose, the way a TLS peer would.
bool Verifies(X509* ca, X509* leaf, int purpose) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

unsigned Mode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

const std::vector<DevCertSpec> kClients = {{"gemeente", "Gemeente Test", kOin},
                                           {"anon", "Zonder OIN", ""}};

TEST(DevCertsTest, WritesAVerifiableHierarchy) {
  TempDir dir;
  ASSERT_TRUE(MakeDevCerts(dir.path(), {"localhost", "volmacht.test"}, kClients));
  const std::string d = dir.path() + "/";
  X509* ca = LoadCert(d + "ca.pem");
  X509* server = LoadCert(d + "server.pem");
  X509* gemeente = LoadCert(d + "gemeente.pem");
  X509* anon = LoadCert(d + "anon.pem");
  ASSERT_NE(ca, nullptr);
  ASSERT_NE(server, nullptr);
  ASSERT_NE(gemeente, nullptr);
  ASSERT_NE(anon, nullptr);

  EXPECT_EQ(X509_check_ca(ca), 1);
  EXPECT_TRUE(Verifies(ca, server, X509_PURPOSE_SSL_SERVER));
  EXPECT_FALSE(Verifies(ca, server, X509_PURPOSE_SSL_CLIENT));
  EXPECT_TRUE(Verifies(ca, gemeente, X509_PURPOSE_SSL_CLIENT));
  EXPECT_FALSE(Verifies(ca, gemeente, X509_PURPOSE_SSL_SERVER));
  EXPECT_EQ(X509_check_host(server, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(server, "volmacht.test", 0, 0, nullptr), 1);
  EXPECT_NE(X509_check_host(server, "example.org", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(server, "127.0.0.1", 0), 1);

  EXPECT_EQ(Entry(gemeente, NID_serialNumber), kOin);
  EXPECT_EQ(Entry(gemeente, NID_organizationName), "Gemeente Test");
  EXPECT_EQ(Entry(gemeente, NID_commonName), "Gemeente Test");
  EXPECT_EQ(Entry(anon, NID_serialNumber), "");

  // Random serials: two certificates never share one.
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(gemeente), X509_get0_serialNumber(anon)), 0);
  // Two years, give or take a leap day.
  int days = 0, secs = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(server), X509_get0_notAfter(server)),
            1);
  EXPECT_GE(days, 729);
  EXPECT_LE(days, 731);

  for (const char* key : {"ca-key.pem", "server-key.pem", "gemeente-key.pem", "anon-key.pem"}) {
    EXPECT_EQ(Mode(d + key), 0600u) << key;
  }
  EXPECT_EQ(Mode(d + "server.pem"), 0644u);
  X509_free(ca);
  X509_free(server);
  X509_free(gemeente);
  X509_free(anon);
}

TEST(DevCertsTest, SecondCallLeavesValidFilesAlone) {
  TempDir dir;
  ASSERT_TRUE(MakeDevCerts(dir.path(), {"localhost"}, kClients));
  const std::string d = dir.path() + "/";
  std::string ca = Slurp(d + "ca.pem");
  std::string server = Slurp(d + "server.pem");
  std::string client = Slurp(d + "gemeente.pem");
  ASSERT_TRUE(MakeDevCerts(dir.path(), {"localhost"}, kClients));
  EXPECT_EQ(Slurp(d + "ca.pem"), ca);
  EXPECT_EQ(Slurp(d + "server.pem"), server);
  EXPECT_EQ(Slurp(d + "gemeente.pem"), client);
}

TEST(DevCertsTest, RemakesOnlyWhatNoLongerFits) {
  TempDir dir;
  ASSERT_TRUE(MakeDevCerts(dir.path(), {"localhost"}, kClients));
  const std::string d = dir.path() + "/";
  std::string ca = Slurp(d + "ca.pem");
  std::string server = Slurp(d + "server.pem");
  std::string anon = Slurp(d + "anon.pem");
  std::string gemeente = Slurp(d + "gemeente.pem");
  // Another OIN for one client, and a new server name.
  std::vector<DevCertSpec> changed = {{"gemeente", "Gemeente Test", "00000001009999999000"},
                                      {"anon", "Zonder OIN", ""}};
  ASSERT_TRUE(MakeDevCerts(dir.path(), {"localhost", "extra.test"}, changed));
  EXPECT_EQ(Slurp(d + "ca.pem"), ca);
  EXPECT_EQ(Slurp(d + "anon.pem"), anon);
  EXPECT_NE(Slurp(d + "gemeente.pem"), gemeente);
  EXPECT_NE(Slurp(d + "server.pem"), server);
  X509* g = LoadCert(d + "gemeente.pem");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(Entry(g, NID_serialNumber), "00000001009999999000");
  X509_free(g);
}

TEST(DevCertsTest, BrokenCaRemakesEverything) {
  TempDir dir;
  ASSERT_TRUE(MakeDevCerts(dir.path(), {"localhost"}, kClients));
  const std::string d = dir.path() + "/";
  std::string ca = Slurp(d + "ca.pem");
  std::string client = Slurp(d + "gemeente.pem");
  { std::ofstream(d + "ca-key.pem", std::ios::trunc) << "not a key\n"; }
  ASSERT_TRUE(MakeDevCerts(dir.path(), {"localhost"}, kClients));
  EXPECT_NE(Slurp(d + "ca.pem"), ca);
  EXPECT_NE(Slurp(d + "gemeente.pem"), client);
  X509* new_ca = LoadCert(d + "ca.pem");
  X509* new_client = LoadCert(d + "gemeente.pem");
  ASSERT_NE(new_ca, nullptr);
  ASSERT_NE(new_client, nullptr);
  EXPECT_TRUE(Verifies(new_ca, new_client, X509_PURPOSE_SSL_CLIENT));
  X509_free(new_ca);
  X509_free(new_client);
}

TEST(DevCertsTest, RefusesBadArguments) {
  TempDir dir;
  auto r = MakeDevCerts(dir.path(), {}, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  for (const char* stem : {"", "../evil", "ca", "server", "a/b", ".hidden"}) {
    r = MakeDevCerts(dir.path(), {"localhost"}, {{stem, "X", ""}});
    ASSERT_FALSE(r) << stem;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
  r = MakeDevCerts(dir.path(), {"localhost"}, {{"ok", std::string(65, 'x'), ""}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST(DevCertsTest, UnwritableDirectoryIsUnavailable) {
  TempDir dir;
  std::string file = dir.path() + "/plain-file";
  { std::ofstream(file) << "x"; }
  auto r = MakeDevCerts(file + "/sub", {"localhost"}, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace volmacht::devcerts

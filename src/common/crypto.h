// Small crypto helpers over OpenSSL EVP. Thread-safe (no shared state).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace volmacht {

using Digest = std::array<uint8_t, 32>;

Digest Sha256(std::string_view data);
Digest HmacSha256(std::string_view key, std::string_view data);
// Constant-time comparison of two digests.
bool DigestEquals(const Digest& a, const Digest& b);
std::string ToHex(const Digest& d);
std::string ToHex(std::string_view bytes);
// Cryptographically secure random bytes (RAND_bytes); aborts if the RNG fails.
std::string RandomBytes(size_t n);

}  // namespace volmacht

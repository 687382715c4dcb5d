#pragma once
/// Who may upload: a token from titan.tokens (compared in constant time), or a client
/// certificate whose fingerprint titan.allow lists; else 60 (nothing presented), 61 (not
/// accepted) or 62 (an allowed certificate outside its dates).

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "config/config.hpp"
#include "gemini/request.hpp"

namespace kapsel::upload {

/// What a client presented: the request's token, its handshake's certificate.
struct Credentials {
    std::optional<std::string_view> token;        // the ;token= value, decoded
    std::optional<std::string_view> fingerprint;  // the certificate's SHA-256, "AB:CD:..."
    bool certificate_valid_now = false;           // the server's clock within its dates
};

/// Who the upload is by, for the log ("token", or the certificate's fingerprint), or the
/// status that refuses it. A valid token is enough whatever certificate comes with it, and an
/// allowed certificate whatever token.
std::variant<std::string, gemini::Rejection> authorise(const config::TitanSettings& titan, const Credentials& who);

/// Whether `given` equals `secret`, in a time that depends on `secret`'s length alone.
bool same_secret(std::string_view given, std::string_view secret) noexcept;

}  // namespace kapsel::upload

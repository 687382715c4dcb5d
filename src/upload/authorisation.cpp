#include "upload/authorisation.hpp"

#include <algorithm>

namespace kapsel::upload {

bool same_secret(std::string_view given, std::string_view secret) noexcept {
    // Every byte of the secret is looked at, and nothing depends on where a difference is.
    // The volatile accumulator keeps the compiler from turning the loop into an early exit.
    volatile unsigned char difference = given.size() == secret.size() ? 0 : 1;
    for (std::size_t i = 0; i < secret.size(); ++i) {
        const unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
        difference = static_cast<unsigned char>(difference | (g ^ static_cast<unsigned char>(secret[i])));
    }
    return difference == 0;
}

std::variant<std::string, gemini::Rejection> authorise(const config::TitanSettings& titan, const Credentials& who) {
    using gemini::Status;
    if (who.token) {
        bool accepted = false;
        for (const std::string& t : titan.tokens) accepted |= same_secret(*who.token, t);  // every one, always
        if (accepted) return std::string("token");
    }
    const bool listed = who.fingerprint &&
                        std::find(titan.allow.begin(), titan.allow.end(), *who.fingerprint) != titan.allow.end();
    if (listed && who.certificate_valid_now) return std::string(*who.fingerprint);

    const auto refuse = [](Status status, const char* meta) { return gemini::Rejection{status, meta}; };
    if (!who.token && !who.fingerprint) {
        if (titan.allow.empty())
            return refuse(Status::client_certificate_required, "Uploading needs a token: add ;token=... to the URL");
        if (titan.tokens.empty())
            return refuse(Status::client_certificate_required, "Uploading needs a client certificate that may upload here");
        return refuse(Status::client_certificate_required,
                      "Uploading needs a token (;token=...) or a client certificate that may upload here");
    }
    if (listed) return refuse(Status::certificate_not_valid, "Certificate not valid: expired or not yet valid");
    if (who.token) return refuse(Status::certificate_not_authorised, "Token not accepted");
    return refuse(Status::certificate_not_authorised,
                  titan.tokens.empty() ? "Certificate not authorised to upload here"
                                       : "Certificate not authorised to upload here; send a token (;token=...)");
}

}  // namespace kapsel::upload

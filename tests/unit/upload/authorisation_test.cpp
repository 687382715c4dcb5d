// Who may upload: every combination of token and certificate against tokens, allow, or both,
// with the status and META each gets; and the constant-time comparison.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "upload/authorisation.hpp"

namespace kapsel::upload {
namespace {

using gemini::Status;

const std::string token = "rätt-token-0123456789";
const std::string allowed = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99";
const std::string other = "11:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99";

config::TitanSettings settings(bool tokens, bool allow) {
    config::TitanSettings t;
    t.enabled = true;
    t.paths = {"artiklar"};
    if (tokens) t.tokens = {"another-token-abcdefgh", token};
    if (allow) t.allow = {allowed};
    return t;
}

struct Row {
    const char* name;
    bool tokens, allow;  // what the host accepts
    std::optional<std::string> token;
    std::optional<std::string> fingerprint;
    bool valid;
    std::string by;  // accepted: who; refused: empty
    Status status;
    std::string meta;
};

const std::vector<Row> rows = {
    {"token", true, false, token, std::nullopt, false, "token", Status::success, ""},
    {"token_with_any_certificate", true, true, token, other, true, "token", Status::success, ""},
    {"certificate", false, true, std::nullopt, allowed, true, allowed, Status::success, ""},
    {"certificate_with_a_wrong_token", true, true, std::string("wrong-token-0123456789"), allowed, true, allowed,
     Status::success, ""},
    {"nothing_tokens", true, false, std::nullopt, std::nullopt, false, "", Status::client_certificate_required,
     "Uploading needs a token: add ;token=... to the URL"},
    {"nothing_allow", false, true, std::nullopt, std::nullopt, false, "", Status::client_certificate_required,
     "Uploading needs a client certificate that may upload here"},
    {"nothing_both", true, true, std::nullopt, std::nullopt, false, "", Status::client_certificate_required,
     "Uploading needs a token (;token=...) or a client certificate that may upload here"},
    {"wrong_token", true, false, std::string("wrong-token-0123456789"), std::nullopt, false, "",
     Status::certificate_not_authorised, "Token not accepted"},
    {"token_prefix", true, false, token.substr(0, token.size() - 1), std::nullopt, false, "",
     Status::certificate_not_authorised, "Token not accepted"},
    {"token_longer", true, false, token + "x", std::nullopt, false, "", Status::certificate_not_authorised,
     "Token not accepted"},
    {"empty_token", true, false, std::string(), std::nullopt, false, "", Status::certificate_not_authorised,
     "Token not accepted"},
    {"token_where_none_are", false, true, token, std::nullopt, false, "", Status::certificate_not_authorised,
     "Token not accepted"},
    {"other_certificate", false, true, std::nullopt, other, true, "", Status::certificate_not_authorised,
     "Certificate not authorised to upload here"},
    {"other_certificate_tokens_too", true, true, std::nullopt, other, true, "", Status::certificate_not_authorised,
     "Certificate not authorised to upload here; send a token (;token=...)"},
    {"certificate_where_only_tokens", true, false, std::nullopt, allowed, true, "", Status::certificate_not_authorised,
     "Certificate not authorised to upload here; send a token (;token=...)"},
    {"allowed_but_expired", false, true, std::nullopt, allowed, false, "", Status::certificate_not_valid,
     "Certificate not valid: expired or not yet valid"},
};

TEST(Authorise, EveryCombination) {
    for (const Row& row : rows) {
        SCOPED_TRACE(row.name);
        Credentials who;
        if (row.token) who.token = *row.token;
        if (row.fingerprint) who.fingerprint = *row.fingerprint;
        who.certificate_valid_now = row.valid;
        const auto result = authorise(settings(row.tokens, row.allow), who);
        if (!row.by.empty()) {
            ASSERT_TRUE(std::holds_alternative<std::string>(result)) << std::get<gemini::Rejection>(result).meta;
            EXPECT_EQ(std::get<std::string>(result), row.by);
        } else {
            ASSERT_TRUE(std::holds_alternative<gemini::Rejection>(result));
            EXPECT_EQ(std::get<gemini::Rejection>(result).status, row.status);
            EXPECT_EQ(std::get<gemini::Rejection>(result).meta, row.meta);
        }
    }
}

TEST(SameSecret, EqualOnlyWhenEqual) {
    EXPECT_TRUE(same_secret("abc", "abc"));
    EXPECT_TRUE(same_secret("", ""));
    EXPECT_FALSE(same_secret("abd", "abc"));
    EXPECT_FALSE(same_secret("ab", "abc"));
    EXPECT_FALSE(same_secret("abcd", "abc"));
    EXPECT_FALSE(same_secret("", "abc"));
    EXPECT_FALSE(same_secret("abc", ""));
    EXPECT_FALSE(same_secret(std::string("ab\0", 3), "ab"));
}

}  // namespace
}  // namespace kapsel::upload

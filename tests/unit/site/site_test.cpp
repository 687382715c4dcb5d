#include "site/site.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "gemini/status.hpp"

using kapsel::capsule::Capsule;
using kapsel::capsule::Response;
using kapsel::gemini::Status;
using kapsel::site::HostSite;
using kapsel::site::Site;

namespace {

Response page(std::string body) {
    Response r;
    r.bytes = kapsel::gemini::response_header(Status::success, "text/gemini; charset=utf-8") + body;
    r.header_size = r.bytes.size() - body.size();
    return r;
}

std::shared_ptr<Capsule> make_capsule() {
    auto c = std::make_shared<Capsule>();
    c->add("/", page("root"));
    c->add("/a.gmi", page("a"));
    c->add_directory("/dir");
    c->add("/dir/", page("dir index"));
    c->add_directory("/empty");
    c->add_for_host("localhost", "/atom.xml", std::make_shared<const Response>(page("feed for localhost")));
    c->add_for_host("example.org", "/atom.xml", std::make_shared<const Response>(page("feed for example.org")));
    return c;
}

std::shared_ptr<Capsule> other_capsule() {
    auto c = std::make_shared<Capsule>();
    c->add("/", page("other root"));
    c->add("/b.gmi", page("b of the other host"));
    return c;
}

class SiteTest : public testing::Test {
protected:
    Site site{{HostSite{{"localhost", "example.org"}, make_capsule(), {}, {}}, HostSite{{"other.test"}, other_capsule(), {}, {}}}, 2000};

    std::string answer(std::string_view line, std::uint16_t local_port = 1965) {
        return std::string(site.respond(line, local_port).bytes);
    }
};

TEST_F(SiteTest, ServesPrebuiltResponses) {
    EXPECT_EQ(answer("gemini://localhost/"), "20 text/gemini; charset=utf-8\r\nroot");
    EXPECT_EQ(answer("gemini://localhost"), "20 text/gemini; charset=utf-8\r\nroot");
    EXPECT_EQ(answer("gemini://localhost/a.gmi"), "20 text/gemini; charset=utf-8\r\na");
    EXPECT_EQ(answer("gemini://localhost/dir/"), "20 text/gemini; charset=utf-8\r\ndir index");
}

TEST_F(SiteTest, PerHostResourcesFollowTheRequestedHost) {
    EXPECT_EQ(answer("gemini://localhost/atom.xml"), "20 text/gemini; charset=utf-8\r\nfeed for localhost");
    EXPECT_EQ(answer("gemini://EXAMPLE.org./atom.xml"), "20 text/gemini; charset=utf-8\r\nfeed for example.org");
}

TEST_F(SiteTest, PointsIntoTheCapsuleWithoutCopying) {
    const auto reply = site.respond("gemini://localhost/a.gmi", 1965);
    EXPECT_EQ(reply.status, Status::success);
    EXPECT_TRUE(reply.owned.empty());
    EXPECT_EQ(reply.bytes.data(), site.find_host("localhost")->capsule->find("localhost", "/a.gmi")->bytes.data());
}

TEST_F(SiteTest, EachHostHasItsOwnCapsule) {
    EXPECT_EQ(answer("gemini://other.test/"), "20 text/gemini; charset=utf-8\r\nother root");
    EXPECT_EQ(answer("gemini://OTHER.test./b.gmi"), "20 text/gemini; charset=utf-8\r\nb of the other host");
    EXPECT_EQ(answer("gemini://other.test/a.gmi"), "51 Not found\r\n");  // localhost's page is not the other's
    EXPECT_EQ(answer("gemini://localhost/b.gmi"), "51 Not found\r\n");
    EXPECT_EQ(site.find_host("example.org"), site.find_host("localhost"));  // an alias
    EXPECT_EQ(site.find_host("nowhere.test"), nullptr);
}

TEST_F(SiteTest, DirectoryWithoutSlashRedirects) {
    EXPECT_EQ(answer("gemini://localhost/dir"), "31 /dir/\r\n");
    EXPECT_EQ(answer("gemini://localhost/dir?q=1"), "31 /dir/?q=1\r\n");
    EXPECT_EQ(answer("gemini://localhost/empty/"), "51 Not found\r\n");
}

TEST_F(SiteTest, NotFound) {
    EXPECT_EQ(answer("gemini://localhost/b.gmi"), "51 Not found\r\n");
    EXPECT_EQ(answer("gemini://localhost/a.gmi/"), "51 Not found\r\n");
}

struct PortCase {
    const char* line;
    std::uint16_t local_port;
    int status;
};

TEST_F(SiteTest, HostAndPortRules) {
    const PortCase cases[] = {
        {"gemini://localhost/", 40000, 20},        // no port: whoever reached us
        {"gemini://localhost:1965/", 40000, 20},   // the default port is the same URI
        {"gemini://localhost:40000/", 40000, 20},  // the listener's port
        {"gemini://localhost:2000/", 40000, 20},   // the configured public port
        {"gemini://localhost:40001/", 40000, 53},
        {"gemini://localhost:1966/", 1965, 53},
        {"gemini://other.org/", 1965, 53},
        {"gemini://localhost.other.org/", 1965, 53},
        {"https://localhost/", 1965, 53},
        {"https://localhost/.env", 1965, 53},       // a proxy request, whatever its path
        {"gopher://localhost/a%2Fb", 1965, 53},
        {"gopher://localhost:1965/", 1965, 53},
        {"gemini://user@localhost/", 1965, 59},
        {"", 1965, 59},
    };
    for (const auto& c : cases) {
        const auto reply = site.respond(c.line, c.local_port);
        EXPECT_EQ(static_cast<int>(reply.status), c.status) << c.line << " on port " << c.local_port;
        EXPECT_EQ(reply.bytes.substr(0, 2), std::to_string(c.status)) << c.line;
    }
}

TEST_F(SiteTest, ReplyMovesKeepTheirBytes) {
    auto reply = site.respond("gemini://nowhere/", 1965);
    const std::string expected(reply.bytes);
    auto moved = std::move(reply);
    EXPECT_EQ(std::string(moved.bytes), expected);
    EXPECT_EQ(moved.bytes.data(), moved.owned.data());
}

}  // namespace

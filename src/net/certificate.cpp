#include "net/certificate.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/err.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <set>
#include <stdexcept>
#include <system_error>

#include "net/openssl_error.hpp"
#include "text/ascii.hpp"

namespace kapsel::net {
namespace {

template <auto Free>
struct Deleter {
    template <typename T>
    void operator()(T* p) const { Free(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509_free>>;
using File = std::unique_ptr<FILE, Deleter<std::fclose>>;


[[noreturn]] void fail(const std::filesystem::path& file, const std::string& why) {
    throw std::runtime_error(file.string() + ": " + why);
}

File open_new(const std::filesystem::path& file, mode_t mode) {
    // O_EXCL: never replace a file someone put there meanwhile.
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) fail(file, "cannot create: " + std::system_category().message(errno));
    ::fchmod(fd, mode);  // whatever the umask said
    FILE* f = ::fdopen(fd, "w");
    if (!f) {
        ::close(fd);
        fail(file, "cannot open for writing");
    }
    return File(f);
}

PKey read_key(const std::filesystem::path& file) {
    File f(std::fopen(file.c_str(), "r"));
    if (!f) fail(file, "cannot read the key: " + std::system_category().message(errno));
    PKey key(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr));
    if (!key) fail(file, "not a PEM private key: " + take_openssl_error());
    return key;
}

Cert read_certificate(const std::filesystem::path& file) {
    File in(std::fopen(file.c_str(), "r"));
    if (!in) fail(file, "cannot read: " + std::system_category().message(errno));
    Cert cert(PEM_read_X509(in.get(), nullptr, nullptr, nullptr));
    if (!cert) fail(file, "not a PEM certificate: " + take_openssl_error());
    return cert;
}

Cert make_certificate(EVP_PKEY* key, const std::vector<std::string>& hostnames, bool loopback) {
    Cert cert(X509_new());
    if (!cert) throw std::runtime_error("X509_new: " + take_openssl_error());
    X509_set_version(cert.get(), 2);
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1) throw std::runtime_error("no random bytes for a serial number");
    serial[0] &= 0x7F;  // a positive serial
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    const bool serial_set = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    if (!serial_set) throw std::runtime_error("certificate serial: " + take_openssl_error());
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60 * 60);
    X509_time_adj_ex(X509_getm_notAfter(cert.get()), 3650, 0, nullptr);
    X509_set_pubkey(cert.get(), key);

    // A CN holds at most 64 characters; the SANs below carry every name in full anyway.
    std::string common_name = hostnames.empty() ? "localhost" : hostnames.front();
    if (common_name.size() > 64) common_name = "kapsel";
    X509_NAME* name = X509_get_subject_name(cert.get());
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0))
        throw std::runtime_error("certificate name: " + take_openssl_error());
    X509_set_issuer_name(cert.get(), name);

    // Subject alternative names: every served host, plus the loopback names.
    std::set<std::string> seen;
    std::string san;
    auto add = [&](const std::string& host) {
        if (!seen.insert(host).second) return;
        if (!san.empty()) san += ",";
        ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str());
        san += (ip ? "IP:" : "DNS:") + host;
        ASN1_OCTET_STRING_free(ip);
    };
    for (const auto& h : hostnames) add(h);
    if (loopback) {
        add("localhost");
        add("127.0.0.1");
        add("::1");
    }

    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    const std::pair<int, std::string> extensions[] = {
        {NID_subject_alt_name, san},
        {NID_basic_constraints, "critical,CA:FALSE"},
        {NID_key_usage, "critical,digitalSignature"},
        {NID_ext_key_usage, "serverAuth"},
    };
    for (const auto& [nid, value] : extensions) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
        if (!ext) throw std::runtime_error("certificate extension " + value + ": " + take_openssl_error());
        X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (X509_sign(cert.get(), key, EVP_sha256()) == 0)
        throw std::runtime_error("signing the certificate: " + take_openssl_error());
    return cert;
}

std::string fingerprint(X509* cert) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    X509_digest(cert, EVP_sha256(), md, &len);
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        if (i) out += ':';
        text::append_hex(out, md[i]);
    }
    return out;
}

std::string not_after(X509* cert) {
    BIO* bio = BIO_new(BIO_s_mem());
    ASN1_TIME_print(bio, X509_get0_notAfter(cert));
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    return out;
}

}  // namespace

std::optional<CertificateProblem> inspect_certificate(const std::filesystem::path& certificate,
                                                       const std::filesystem::path& key_file) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const bool have_cert = fs::exists(certificate, ec);
    const bool have_key = fs::exists(key_file, ec);
    if (have_cert && !have_key)
        return CertificateProblem{true, key_file.string() + ": missing, but its certificate " + certificate.string() +
                                            " exists; restore the key, or remove the certificate to have a new pair made"};
    PKey key;
    try {
        if (have_key) key = read_key(key_file);
    } catch (const std::runtime_error& e) {
        return CertificateProblem{true, e.what()};
    }
    if (!have_cert) return std::nullopt;
    Cert cert;
    try {
        cert = read_certificate(certificate);
    } catch (const std::runtime_error& e) {
        return CertificateProblem{false, e.what()};
    }
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
        ERR_clear_error();
        return CertificateProblem{true, key_file.string() + ": does not match the certificate " + certificate.string()};
    }
    return std::nullopt;
}

CertificateSummary describe_certificate(X509* certificate) {
    CertificateSummary s;
    if (!certificate) return s;
    s.fingerprint = fingerprint(certificate);
    s.not_after = not_after(certificate);
    s.valid_now = X509_cmp_current_time(X509_get0_notBefore(certificate)) < 0 &&
                  X509_cmp_current_time(X509_get0_notAfter(certificate)) > 0;
    return s;
}

CertificateStatus ensure_certificate(const std::filesystem::path& certificate,
                                     const std::filesystem::path& key_file,
                                     const std::vector<std::string>& hostnames, bool loopback) {
    namespace fs = std::filesystem;
    CertificateStatus status;
    const bool have_cert = fs::exists(certificate);
    const bool have_key = fs::exists(key_file);
    if (have_cert && !have_key)
        fail(key_file, "missing, but its certificate " + certificate.string() +
                           " exists; restore the key, or remove the certificate to have a new pair made");

    if (!have_cert) {
        if (certificate.has_parent_path()) fs::create_directories(certificate.parent_path());
        if (key_file.has_parent_path()) fs::create_directories(key_file.parent_path());
        PKey key;
        if (have_key) {
            key = read_key(key_file);
        } else {
            key.reset(EVP_EC_gen("P-256"));
            if (!key) throw std::runtime_error("generating an ECDSA P-256 key: " + take_openssl_error());
            File out = open_new(key_file, 0600);
            const bool written = PEM_write_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) &&
                                 std::fflush(out.get()) == 0 && ::fsync(::fileno(out.get())) == 0;
            if (!written) {
                out.reset();
                std::filesystem::remove(key_file);  // a truncated key would block every later start
                fail(key_file, "writing the key failed");
            }
        }
        Cert cert = make_certificate(key.get(), hostnames, loopback);
        File out = open_new(certificate, 0644);
        if (!PEM_write_X509(out.get(), cert.get()) || std::fflush(out.get()) != 0) {
            out.reset();
            std::filesystem::remove(certificate);
            fail(certificate, "writing the certificate failed");
        }
        status.created = true;
    }

    const Cert cert = read_certificate(certificate);
    status.fingerprint = fingerprint(cert.get());
    status.not_after = not_after(cert.get());
    return status;
}

}  // namespace kapsel::net

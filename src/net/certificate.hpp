#pragma once
/// Certificates and keys on disk: made self-signed at first start, checked, fingerprinted.

#include <openssl/x509.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kapsel::net {

/// What ensure_certificate found or did.
struct CertificateStatus {
    bool created = false;        // a new certificate was written
    std::string fingerprint;     // SHA-256 of the DER certificate, "AB:CD:..."
    std::string not_after;       // expiry, as OpenSSL prints it
};

/// A certificate as logs and clients see it.
struct CertificateSummary {
    std::string fingerprint;  // SHA-256 of the DER certificate, "AB:CD:..." (what Gemini clients pin)
    std::string not_after;    // expiry, as OpenSSL prints it
    bool valid_now = false;   // notBefore ≤ now ≤ notAfter
};
CertificateSummary describe_certificate(X509* certificate);

/// What is wrong with a certificate and key pair on disk, found without changing anything.
struct CertificateProblem {
    bool about_key = false;  // the key file is at fault (else the certificate file)
    std::string message;     // "PATH: why"
};

/// Checks what ensure_certificate and the TLS context will do with these files: a certificate
/// without its key, an unreadable or non-PEM file, a key that does not match its certificate.
/// Both missing is fine (they will be made).
std::optional<CertificateProblem> inspect_certificate(const std::filesystem::path& certificate,
                                                       const std::filesystem::path& key);

/// Makes sure `certificate` and `key` exist. When both are missing, writes a new ECDSA
/// P-256 key (mode 0600) and a self-signed certificate valid for 10 years with a SAN for
/// every hostname (and, with `loopback`, localhost, 127.0.0.1 and ::1). When only the
/// certificate is missing, makes one for the existing key. Never overwrites a key. Throws
/// std::runtime_error naming the file and the reason on any failure.
CertificateStatus ensure_certificate(const std::filesystem::path& certificate, const std::filesystem::path& key,
                                     const std::vector<std::string>& hostnames, bool loopback = true);

}  // namespace kapsel::net

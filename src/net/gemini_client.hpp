#pragma once
/// A Gemini client for kapsel's own requests (telling aggregators of a changed feed): one
/// request at a time, blocking, within a deadline, abortable from another thread.

#include <chrono>
#include <string>

#include "gemini/status.hpp"

namespace kapsel::net {

/// Sends `url` (gemini://, at most 1024 bytes) and reads the response header; the body is
/// not read. Everything after the name is resolved (connecting to each address in turn, the
/// TLS handshake with SNI, sending, the header) must end within `timeout`. The server's
/// certificate is not checked: Gemini trusts on first use, kapsel keeps no such store, and
/// what it sends (a feed's public URL) is no secret. `cancel_fd` (-1: none) becoming
/// readable aborts the request at once. Throws std::runtime_error saying what failed
/// ("connecting to host:port: Connection refused", "timed out waiting for the response").
gemini::ResponseHeader gemini_request(const std::string& url, std::chrono::milliseconds timeout, int cancel_fd = -1);

}  // namespace kapsel::net

#pragma once
/// Where a gemtext link points in the web mirror: links inside the capsule become mirror
/// paths, every other link stays as written.

#include <string>
#include <string_view>
#include <vector>

namespace kapsel::web {

/// The href for gemtext link `target` on the page at capsule path `page_path` (as kapsel keys
/// pages, not percent-encoded: "/anteckningar/om-artikeln.gmi", "/" or "/dir/" for an index).
///
/// Inside the capsule: a relative reference (resolved against `page_path`, RFC 3986 §5.2), an
/// absolute path, or a gemini:// URL or network-path reference ("//host/...") whose host is
/// one of `own_hosts` (any case, a trailing dot ignored, any port). Those become absolute paths
/// under `base_path` ("/" or "/prefix/"): "x.gmi" → ".../x.html" (the extension in any case),
/// a directory "dir/" → ".../dir/" (the web server answers with its index.html), any other
/// file (".txt", "/atom.xml", images) as it is; the query and fragment are kept. Dot segments
/// are removed, "%2E" counting as "."; a ".." that would climb above the capsule's root stays
/// at the root, as RFC 3986 §5.2.4 and every Gemini client resolve it, so such a link never
/// leaves the mirror. Existing %XX escapes are kept; bytes a URI cannot hold as they are
/// (spaces, UTF-8, '\\', a '%' without two hex digits) are percent-encoded, so a browser reads
/// the path exactly as a Gemini client would ('\\' is a '/' to browsers).
///
/// Everything else — other hosts, other schemes (https:, mailto:, gopher:), a gemini:// URL
/// with userinfo — is returned exactly as written; a "//other.host/..." reference, which a
/// browser would resolve with http(s):, gets the "gemini:" it meant.
std::string mirror_href(std::string_view target, std::string_view page_path, const std::vector<std::string>& own_hosts,
                        std::string_view base_path);

}  // namespace kapsel::web

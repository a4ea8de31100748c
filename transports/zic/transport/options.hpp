#ifndef ZIC_TRANSPORT_OPTIONS_HPP
#define ZIC_TRANSPORT_OPTIONS_HPP

#include <zic/zic.hpp>  // the core, as one header: also the single header

#include <cstddef>
#include <string>

ZIC_NAMESPACE_BEGIN

/// Settings shared by zic's transports. TLS is verified by default: system CA store, SNI and
/// host name verification; `insecure` is the only way out and is never the default.
struct transport_options {
  /// Largest answer body accepted; a larger one ends in `errc::too_large` without being read.
  std::size_t max_body_bytes = 64u << 20;
  /// Largest answer header block accepted.
  std::size_t max_header_bytes = 64u << 10;
  std::string ca_file;           ///< PEM bundle to trust instead of the system store
  std::string extra_ca_file;     ///< PEM bundle to trust as well (beside the system store or `ca_file`)
  std::string ca_pem;            ///< PEM certificates, in memory, to trust as well
  std::string client_cert_file;  ///< PEM certificate for mutual TLS
  std::string client_key_file;   ///< PEM private key for mutual TLS
  bool insecure = false;         ///< skip certificate and host name verification (tests only)
};

ZIC_NAMESPACE_END

#endif // ZIC_TRANSPORT_OPTIONS_HPP

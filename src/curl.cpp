// Compiled mode: the client over the libcurl transport, instantiated once (see src/zic.cpp).
#include <zic/transport/curl.hpp>

template class zic::basic_client<zic::curl_transport>;

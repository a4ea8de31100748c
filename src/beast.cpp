// Compiled mode: the client over the Boost.Beast transport, instantiated once (see src/zic.cpp).
#include <zic/transport/beast.hpp>

template class zic::basic_client<zic::beast_transport>;

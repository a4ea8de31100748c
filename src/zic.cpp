// Compiled mode (the zic::compiled target, ZIC_SEPARATE_COMPILATION): the one translation unit
// that instantiates the client over the type-erased transport. Every other unit sees an
// `extern template` declaration and compiles none of the client's calls.
#include <zic/zic.hpp>

template class zic::basic_client<zic::any_transport>;

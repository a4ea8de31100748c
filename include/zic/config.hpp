#ifndef ZIC_CONFIG_HPP
#define ZIC_CONFIG_HPP

// Public names live in zic::v0 (inline), so a future v1 can sit beside it at link time.
#define ZIC_NAMESPACE_BEGIN                                                                        \
  namespace zic {                                                                                  \
  inline namespace v0 {
#define ZIC_NAMESPACE_END                                                                          \
  }                                                                                                \
  }

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define ZIC_EXCEPTIONS 1
#else
#define ZIC_EXCEPTIONS 0
#endif

#endif // ZIC_CONFIG_HPP

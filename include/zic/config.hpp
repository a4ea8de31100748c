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

// For the few helpers on the parsing hot path that must not stay calls.
#if defined(__GNUC__)
#define ZIC_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ZIC_ALWAYS_INLINE inline
#endif

#endif // ZIC_CONFIG_HPP

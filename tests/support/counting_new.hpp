#ifndef ZIC_TESTS_SUPPORT_COUNTING_NEW_HPP
#define ZIC_TESTS_SUPPORT_COUNTING_NEW_HPP

// Counts heap allocations by replacing the global operator new. Include in exactly one
// translation unit of a test program (a replacement cannot be inline).

#include <atomic>
#include <cstdlib>
#include <new>

namespace zic_test {
inline std::atomic<long> allocations{0};
} // namespace zic_test

void* operator new(std::size_t n) {
  zic_test::allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

#endif

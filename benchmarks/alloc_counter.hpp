#ifndef ZIC_BENCHMARKS_ALLOC_COUNTER_HPP
#define ZIC_BENCHMARKS_ALLOC_COUNTER_HPP

// Counts heap allocations by replacing the global operator new. Include in exactly one
// translation unit of a benchmark program.

#include <atomic>
#include <cstdlib>
#include <new>

namespace zic_bench {
inline std::atomic<long> allocations{0};
inline long allocation_count() { return allocations.load(std::memory_order_relaxed); }
} // namespace zic_bench

void* operator new(std::size_t n) {
  zic_bench::allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  zic_bench::allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

#endif

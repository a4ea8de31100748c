#ifndef ZIC_TESTS_TEST_DATA_HPP
#define ZIC_TESTS_TEST_DATA_HPP

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace zic_test {

/// The bytes of tests/data/<name>.
inline std::string data_file(const std::string& name) {
  std::ifstream in(std::string(ZIC_TEST_DATA_DIR) + "/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("missing test data file " + name);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace zic_test

#endif

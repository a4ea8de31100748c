#include <zic/zic.hpp>

#include <cstdio>
#include <string>

std::string odr_a();

int main() {
  auto p = zic::parse_progress_response(R"({"code":0,"data":{"jobId":"b","state":"Completed"}})");
  std::string a = odr_a();
  if (!p || p->job_id != "b" || a != "aPending") {
    std::fprintf(stderr, "unexpected: %s\n", a.c_str());
    return 1;
  }
  return zic::error_category().name() == std::string("zic") ? 0 : 1;
}

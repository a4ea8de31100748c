// Heap allocations per appended row, counted by a replaced global operator new: once the
// writer has finished one chunk (its buffers have grown), appending the next chunk's rows, by
// the row builder or by columns, allocates nothing.

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "../support/counting_new.hpp"

#include <zic/write/bulk_writer.hpp>

#include <doctest/doctest.h>

#include <array>
#include <filesystem>
#include <unistd.h>

namespace {

using zic::data_type;
using zic_test::allocations;

zic::collection_schema schema() {
  zic::collection_schema s;
  s.enable_dynamic_field = true;
  zic::field_schema id;
  id.name = "id", id.type = data_type::int64, id.primary_key = true;
  zic::field_schema title;
  title.name = "title", title.type = data_type::varchar, title.max_length = 64,
  title.nullable = true;
  zic::field_schema vec;
  vec.name = "vec", vec.type = data_type::float_vector, vec.dim = 768;
  zic::field_schema tags;
  tags.name = "tags", tags.type = data_type::array, tags.element_type = data_type::int32,
  tags.max_capacity = 4;
  return {{id, title, vec, tags}, true};
}

std::filesystem::path fresh_dir(const char* name) {
  auto p = std::filesystem::temp_directory_path() /
           ("zic_write_alloc_" + std::to_string(::getpid()) + name);
  std::filesystem::remove_all(p);
  return p;
}

} // namespace

TEST_CASE("appending rows allocates nothing once the first chunk is written") {
  for (auto format : {zic::file_format::parquet, zic::file_format::json, zic::file_format::csv}) {
    CAPTURE(zic::file_format_extension(format));
    zic::bulk_writer_options o;
    o.directory = fresh_dir(std::string(zic::file_format_extension(format)).c_str());
    o.format = format;
    o.chunk_size = std::size_t(8) << 20;
    auto w = zic::bulk_writer::create(schema(), o);
    REQUIRE(w);
    zic::row_builder row = w->make_row();
    std::array<float, 768> vec{};
    const std::array<std::int32_t, 3> tags{1, 2, 3};
    auto append = [&](std::int64_t i) {
      row.clear();
      vec[0] = static_cast<float>(i);
      row.set("id", i)
          .set("vec", std::span<const float>(vec))
          .set("tags", std::span<const std::int32_t>(tags));
      if (i % 3) row.set("title", "a title of some length");
      if (i % 5 == 0) row.set("note", i); // a dynamic key
      return w->append(row);
    };
    std::int64_t i = 0;
    while (w->units().empty())
      REQUIRE(append(i++));
    const long before = allocations.load();
    for (int k = 0; k < 2000; ++k)
      CHECK(append(i++));
    CHECK(allocations.load() - before == 0);
    REQUIRE(w->close());
  }
}

TEST_CASE("appending columns allocates nothing once the first chunk is written") {
  zic::bulk_writer_options o;
  o.directory = fresh_dir("columns");
  o.chunk_size = std::size_t(8) << 20;
  auto s = schema();
  s.fields.pop_back();
  s.enable_dynamic_field = false;
  auto w = zic::bulk_writer::create(s, o);
  REQUIRE(w);
  std::vector<std::int64_t> ids(100);
  std::vector<std::string_view> titles(100, "a title");
  std::vector<float> vecs(100 * 768, 0.25f);
  const std::array<zic::column_values, 3> cols{
      {{"id", std::span<const std::int64_t>(ids)},
       {"title", std::span<const std::string_view>(titles)},
       {"vec", std::span<const float>(vecs)}}};
  while (w->units().empty())
    REQUIRE(w->append_columns(cols, 100));
  const long before = allocations.load();
  for (int k = 0; k < 20; ++k)
    CHECK(w->append_columns(cols, 100));
  CHECK(allocations.load() - before == 0);
  REQUIRE(w->close());
}

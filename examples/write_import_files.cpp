// Rows in, Parquet import units out: each printed line is one entry of an import request's files.
#include <zic/schema.hpp>
#include <zic/write/bulk_writer.hpp>

#include <cstdio>
#include <span>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  // The schema a collections/create request sent (or a collections/describe answer).
  auto schema = zic::collection_schema::parse(R"({
    "autoId": true, "enableDynamicField": true,
    "fields": [
      {"fieldName": "id", "dataType": "Int64", "isPrimary": true},
      {"fieldName": "title", "dataType": "VarChar", "elementTypeParams": {"max_length": 256}},
      {"fieldName": "vector", "dataType": "FloatVector", "elementTypeParams": {"dim": 4}}]})");
  if (!schema) return std::fprintf(stderr, "%s\n", schema.error().message.c_str()), 2;

  zic::bulk_writer_options options;
  options.directory = argc > 1 ? argv[1] : "import_files";
  options.chunk_size = 64 << 10; // small, to show several units; the default is 128 MiB
  auto writer = zic::bulk_writer::create(*schema, options);
  if (!writer) return std::fprintf(stderr, "%s\n", writer.error().message.c_str()), 2;

  zic::row_builder row = writer->make_row(); // reused: no allocation per row once warm
  std::vector<float> vector(4, 0.5f);
  std::string title;
  for (int i = 0; i < 5000; ++i) {
    row.clear();
    title = "item " + std::to_string(i);
    vector[0] = static_cast<float>(i);
    row.set("title", title).set("vector", std::span<const float>(vector));
    row.set("color", i % 2 ? "red" : "blue"); // not in the schema: goes to $meta
    if (auto ok = writer->append(row); !ok) { // e.g. "row 7: field 'vector': ..."
      std::fprintf(stderr, "%s\n", ok.error().message.c_str());
      return 8;
    }
  }
  if (auto ok = writer->close(); !ok)
    return std::fprintf(stderr, "%s\n", ok.error().message.c_str()), 1;
  for (const auto& unit : writer->units())
    std::printf("%s\n", unit.front().c_str());
}

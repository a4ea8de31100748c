// The bulk writer's files, read back by readers that share no code with zic: DuckDB and
// hyparquet for Parquet, Python's json and csv modules, NumPy for .npy.

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <zic/schema.hpp>
#include <zic/write/bulk_writer.hpp>

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using zic::data_type;

namespace {

zic::field_schema field(std::string name, data_type type) {
  zic::field_schema f;
  f.name = std::move(name);
  f.type = type;
  return f;
}

fs::path fresh_dir(const std::string& name) {
  static int counter = 0;
  fs::path p = fs::temp_directory_path() / ("zic_write_test_" + std::to_string(::getpid()) + "_" +
                                            std::to_string(++counter) + "_" + name);
  fs::remove_all(p);
  return p;
}

int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

// `quiet` hides the reader's list of differences (for the checks that expect some).
int read_back(std::string_view format, const fs::path& path, const fs::path& expected,
              bool quiet = false) {
  return run(std::string("/usr/bin/python3 ") + ZIC_WRITE_TEST_DIR "/read_back.py " +
             std::string(format) + " " + quote(path) + " " + quote(expected) +
             (quiet ? " 2>/dev/null" : ""));
}

int read_parquet(std::string_view engine, const fs::path& path, const fs::path& expected,
                 bool quiet = false) {
  return run(std::string("ZIC_NODE_MODULES=" ZIC_NODE_MODULES " " ZIC_NODE " " ZIC_WRITE_TEST_DIR
                         "/read_parquet.mjs ") +
             std::string(engine) + " " + quote(path) + " " + quote(expected) +
             (quiet ? " 2>/dev/null" : ""));
}

void write_text(const fs::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every type, nullable fields, defaults and the dynamic field. `numpy` drops what NumPy cannot
// carry (arrays, sparse vectors, the fields whose rows hold nulls).
zic::collection_schema all_types(bool auto_id, bool numpy) {
  zic::collection_schema s;
  s.enable_dynamic_field = true;
  auto id = field("id", data_type::int64);
  id.primary_key = true;
  id.auto_id = auto_id;
  s.fields.push_back(id);
  s.fields.push_back(field("b", data_type::boolean));
  s.fields.push_back(field("i8", data_type::int8));
  auto i16 = field("i16", data_type::int16);
  i16.default_value = std::int64_t(7);
  s.fields.push_back(i16);
  s.fields.push_back(field("i32", data_type::int32));
  auto n = field("n", data_type::int32);
  n.nullable = true;
  if (!numpy) s.fields.push_back(n);
  s.fields.push_back(field("f", data_type::float32));
  auto d = field("d", data_type::float64);
  d.default_value = 2.5;
  s.fields.push_back(d);
  auto str = field("s", data_type::varchar);
  str.max_length = 16;
  s.fields.push_back(str);
  auto sn = field("sn", data_type::varchar);
  sn.max_length = 16;
  sn.nullable = true;
  if (!numpy) s.fields.push_back(sn);
  s.fields.push_back(field("t", data_type::text));
  s.fields.push_back(field("j", data_type::json));
  auto arr_i = field("arr_i", data_type::array);
  arr_i.element_type = data_type::int32;
  arr_i.max_capacity = 4;
  auto arr_s = field("arr_s", data_type::array);
  arr_s.element_type = data_type::varchar;
  arr_s.max_capacity = 3;
  arr_s.max_length = 8;
  if (!numpy) {
    s.fields.push_back(arr_i);
    s.fields.push_back(arr_s);
  }
  auto fv = field("fv", data_type::float_vector);
  fv.dim = 4;
  s.fields.push_back(fv);
  auto bv = field("bv", data_type::binary_vector);
  bv.dim = 16;
  s.fields.push_back(bv);
  auto hv = field("hv", data_type::float16_vector);
  hv.dim = 2;
  s.fields.push_back(hv);
  auto bfv = field("bfv", data_type::bfloat16_vector);
  bfv.dim = 2;
  s.fields.push_back(bfv);
  auto i8v = field("i8v", data_type::int8_vector);
  i8v.dim = 3;
  s.fields.push_back(i8v);
  if (!numpy) s.fields.push_back(field("sp", data_type::sparse_float_vector));
  return s;
}

// The three rows every format must hold (logical values; see read_back.py).
constexpr std::string_view expected_rows = R"([
{"id":"9007199254740993","b":true,"i8":-128,"i16":7,"i32":2147483647,"n":null,"f":0.1,"d":0.1,
 "s":"h\u00e9llo\u2713","sn":"x","t":"a,\"b\"\nline","j":{"k":[1,2],"s":"x,y"},"arr_i":[1,-2,3],
 "arr_s":["a","\u03b2"],"fv":[0.5,-1.25,0.1,3],"bv":[255,1],"hv":[0.0999755859375,-2],
 "bfv":[0.10009765625,1.5],"i8v":[-128,0,127],"sp":{"1":0.5,"7":-2},"$meta":{"extra":5,"tag":"x"}},
{"id":"1","b":false,"i8":127,"i16":-32768,"i32":0,"n":42,"f":-3.5,"d":2.5,"s":"","sn":null,"t":"",
 "j":[],"arr_i":[],"arr_s":[],"fv":[1,2,3,4],"bv":[0,128],"hv":[65504,-0.5],"bfv":[-1,2],
 "i8v":[1,2,3],"sp":{"3":1.25},"$meta":{}},
{"id":"-5","b":true,"i8":0,"i16":123,"i32":-2147483648,"n":-1,"f":3.4028234663852886e38,"d":2.5,
 "s":"plain","sn":"y","t":"\u00fc","j":"str","arr_i":[2147483647],"arr_s":["12345678"],"fv":[0,0,0,0],
 "bv":[15,240],"hv":[1,1],"bfv":[0.5,-0.5],"i8v":[0,0,0],"sp":{"4294967294":0.25},
 "$meta":{"k":{"nested":true}}}
])";

// Appends the rows of `expected_rows` through the row builder.
void append_all_types(zic::bulk_writer& w, bool auto_id, bool numpy) {
  zic::row_builder row = w.make_row();
  auto id = [&](std::int64_t v) {
    if (!auto_id) row.set("id", v);
  };
  {
    id(9007199254740993);
    row.set("b", true).set("i8", -128).set("i32", 2147483647).set("f", 0.1f).set("d", 0.1);
    row.set("s", "h\xc3\xa9llo\xe2\x9c\x93")
        .set("t", "a,\"b\"\nline")
        .set_json("j", R"({"k":[1,2],"s":"x,y"})");
    if (!numpy) {
      const std::array<std::int32_t, 3> a{1, -2, 3};
      const std::array<std::string_view, 2> s{"a", "\xce\xb2"};
      row.set("sn", "x")
          .set("arr_i", std::span<const std::int32_t>(a))
          .set("arr_s", std::span<const std::string_view>(s));
      const std::array<std::uint32_t, 2> idx{1, 7};
      const std::array<float, 2> val{0.5f, -2.0f};
      row.set_sparse("sp", idx, val);
    }
    const std::array<float, 4> fv{0.5f, -1.25f, 0.1f, 3.0f};
    const std::array<std::uint8_t, 2> bv{255, 1};
    const std::array<float, 2> hv{0.1f, -2.0f}, bfv{0.1f, 1.5f};
    const std::array<std::int8_t, 3> i8v{-128, 0, 127};
    row.set("fv", std::span<const float>(fv)).set("bv", std::span<const std::uint8_t>(bv));
    row.set("hv", std::span<const float>(hv))
        .set("bfv", std::span<const float>(bfv))
        .set("i8v", std::span<const std::int8_t>(i8v));
    row.set("extra", 5).set("tag", "x");
    REQUIRE_MESSAGE(w.append(row), "row 0");
  }
  {
    row.clear();
    id(1);
    row.set("b", false)
        .set("i8", 127)
        .set("i16", -32768)
        .set("i32", 0)
        .set("f", -3.5)
        .set_null("d");
    row.set("s", "").set("t", "").set_json("j", "[]");
    if (!numpy) {
      row.set("n", 42)
          .set_null("sn")
          .set("arr_i", std::span<const std::int64_t>())
          .set("arr_s", std::span<const std::string_view>());
      const std::array<std::uint32_t, 1> idx{3};
      const std::array<float, 1> val{1.25f};
      row.set_sparse("sp", idx, val);
    }
    const std::array<double, 4> fv{1, 2, 3, 4};
    const std::array<std::uint8_t, 2> bv{0, 128};
    // Float16 given as raw little-endian bytes: 65504 (0x7bff) and -0.5 (0xb800).
    const std::array<std::uint8_t, 4> hv{0xff, 0x7b, 0x00, 0xb8};
    const std::array<float, 2> bfv{-1, 2};
    const std::array<std::int8_t, 3> i8v{1, 2, 3};
    row.set("fv", std::span<const double>(fv)).set("bv", std::span<const std::uint8_t>(bv));
    row.set("hv", std::span<const std::uint8_t>(hv))
        .set("bfv", std::span<const float>(bfv))
        .set("i8v", std::span<const std::int8_t>(i8v));
    REQUIRE_MESSAGE(w.append(row), "row 1");
  }
  {
    row.clear();
    id(-5);
    row.set("b", true)
        .set("i8", 0)
        .set("i16", 123)
        .set("i32", -2147483647 - 1)
        .set("f", 3.4028234663852886e38);
    row.set("s", "plain").set("t", "\xc3\xbc").set_json("j", "\"str\"");
    if (!numpy) {
      const std::array<std::int64_t, 1> a{2147483647};
      const std::array<std::string_view, 1> s{"12345678"};
      row.set("n", -1)
          .set("sn", "y")
          .set("arr_i", std::span<const std::int64_t>(a))
          .set("arr_s", std::span<const std::string_view>(s));
      const std::array<std::uint32_t, 1> idx{4294967294u};
      const std::array<float, 1> val{0.25f};
      row.set_sparse("sp", idx, val);
    }
    const std::array<float, 4> fv{0, 0, 0, 0};
    const std::array<std::uint8_t, 2> bv{15, 240};
    const std::array<float, 2> hv{1, 1}, bfv{0.5f, -0.5f};
    const std::array<std::int8_t, 3> i8v{0, 0, 0};
    row.set("fv", std::span<const float>(fv)).set("bv", std::span<const std::uint8_t>(bv));
    row.set("hv", std::span<const float>(hv))
        .set("bfv", std::span<const float>(bfv))
        .set("i8v", std::span<const std::int8_t>(i8v));
    row.set_json("$meta", R"({"k":{"nested":true}})");
    REQUIRE_MESSAGE(w.append(row), "row 2");
  }
}

// EXPECTED for the readers: the file's columns, their types, and the rows.
std::string expected_for(const zic::collection_schema& s, std::string_view rows = expected_rows) {
  std::string columns, types;
  for (const auto& f : s.fields) {
    if (f.auto_id || f.function_output) continue;
    columns += (columns.empty() ? "\"" : ",\"") + f.name + "\"";
    types += (types.empty() ? "\"" : ",\"") + f.name + "\":{\"type\":\"" +
             std::string(zic::data_type_name(f.type)) +
             "\",\"nullable\":" + (f.nullable ? "true" : "false");
    if (f.element_type)
      types += ",\"element\":\"" + std::string(zic::data_type_name(*f.element_type)) + "\"";
    types += "}";
  }
  if (s.enable_dynamic_field) {
    columns += ",\"$meta\"";
    types += ",\"$meta\":{\"type\":\"$meta\",\"nullable\":false}";
  }
  return "{\"columns\":[" + columns + "],\"types\":{" + types + "},\"rows\":" + std::string(rows) +
         "}";
}

struct written {
  fs::path dir;
  std::vector<std::vector<std::string>> units;
  fs::path expected;
};

written write_all_types(zic::file_format format, bool auto_id,
                        zic::compression codec = zic::compression::snappy) {
  const bool numpy = format == zic::file_format::numpy;
  written out;
  out.dir = fresh_dir(std::string(zic::file_format_extension(format)));
  const auto schema = all_types(auto_id, numpy);
  zic::bulk_writer_options o;
  o.directory = out.dir;
  o.format = format;
  o.compression = codec;
  auto w = zic::bulk_writer::create(schema, o);
  REQUIRE_MESSAGE(w, (w ? "" : w.error().message));
  append_all_types(*w, auto_id, numpy);
  REQUIRE(w->close());
  out.units = w->units();
  out.expected = out.dir / "expected.json";
  write_text(out.expected, expected_for(schema));
  return out;
}

} // namespace

TEST_SUITE("schema") {
  TEST_CASE("parses the REST v2 create shape") {
    auto s = zic::collection_schema::parse(
        R"({"collectionName":"c","schema":{"autoId":true,"enableDynamicField":true,
      "fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},
                {"fieldName":"title","dataType":"VarChar","elementTypeParams":{"max_length":"512"},"nullable":true},
                {"fieldName":"vec","dataType":"FloatVector","elementTypeParams":{"dim":768}},
                {"fieldName":"tags","dataType":"Array","elementDataType":"VarChar","elementTypeParams":{"max_capacity":8,"max_length":16}},
                {"fieldName":"n","dataType":"Int16","defaultValue":3},
                {"fieldName":"sparse","dataType":"SparseFloatVector"}],
      "functions":[{"name":"bm25","type":"BM25","inputFieldNames":["title"],"outputFieldNames":["sparse"]}]}})");
    REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
    CHECK(s->enable_dynamic_field);
    REQUIRE(s->fields.size() == 6);
    CHECK(s->fields[0].primary_key);
    CHECK(s->fields[0].auto_id);
    CHECK(s->fields[1].type == data_type::varchar);
    CHECK(s->fields[1].max_length == 512);
    CHECK(s->fields[1].nullable);
    CHECK(s->fields[2].dim == 768);
    CHECK(s->fields[3].element_type == data_type::varchar);
    CHECK(s->fields[3].max_capacity == 8);
    CHECK(s->fields[3].max_length == 16);
    CHECK(std::get<std::int64_t>(*s->fields[4].default_value) == 3);
    CHECK(s->fields[5].function_output);
    CHECK_FALSE(s->fields[4].function_output);
  }

  TEST_CASE("parses the describe answer") {
    auto s = zic::collection_schema::parse(
        R"({"code":0,"data":{"collectionName":"c","autoId":false,"enableDynamicField":false,
      "fields":[{"name":"pk","type":"VarChar","primaryKey":true,"autoId":false,"params":[{"key":"max_length","value":"64"}]},
                {"name":"v","type":"BinaryVector","params":[{"key":"dim","value":"128"}]},
                {"name":"x","type":"Double","nullable":true,"defaultValue":"0.5"}]}})");
    REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
    CHECK_FALSE(s->enable_dynamic_field);
    CHECK(s->fields[0].type == data_type::varchar);
    CHECK(s->fields[0].max_length == 64);
    CHECK_FALSE(s->fields[0].auto_id);
    CHECK(s->fields[1].dim == 128);
    CHECK(std::get<double>(*s->fields[2].default_value) == 0.5);
  }

  TEST_CASE("refuses impossible schemas, naming the field") {
    auto refused = [](std::string_view fields) {
      auto s = zic::collection_schema::parse("{\"fields\":[" + std::string(fields) + "]}");
      REQUIRE_FALSE(s);
      return s.error().message;
    };
    const std::string pk = R"({"fieldName":"id","dataType":"Int64","isPrimary":true})";
    CHECK(
        refused(pk + R"(,{"fieldName":"id2","dataType":"Int64","isPrimary":true})").find("'id2'") !=
        std::string::npos);
    CHECK(refused(R"({"fieldName":"a","dataType":"Int64"})").find("no primary key") !=
          std::string::npos);
    CHECK(refused(pk + R"(,{"fieldName":"v","dataType":"FloatVector"})")
              .find("'v': a vector field needs a dim") != std::string::npos);
    CHECK(refused(pk + R"(,{"fieldName":"s","dataType":"VarChar"})")
              .find("'s': a VarChar field needs max_length") != std::string::npos);
    CHECK(refused(pk + R"(,{"fieldName":"q","dataType":"Quaternion"})")
              .find("'q': unknown data type 'Quaternion'") != std::string::npos);
    CHECK(refused(pk +
                  R"(,{"fieldName":"bv","dataType":"BinaryVector","elementTypeParams":{"dim":12}})")
              .find("'bv'") != std::string::npos);
    CHECK(refused(pk + R"(,{"fieldName":"arr","dataType":"Array","elementDataType":"Int32"})")
              .find("'arr': an Array field needs max_capacity") != std::string::npos);
    CHECK(
        refused(
            pk +
            R"(,{"fieldName":"arr","dataType":"Array","elementDataType":"JSON","elementTypeParams":{"max_capacity":2}})")
            .find("'arr'") != std::string::npos);
    CHECK(refused(pk + R"(,{"fieldName":"id","dataType":"Int32"})").find("twice") !=
          std::string::npos);
    CHECK(refused(pk + R"(,{"fieldName":"n","dataType":"Int8","defaultValue":300})").find("'n'") !=
          std::string::npos);
    CHECK(refused(R"({"fieldName":"id","dataType":"Float","isPrimary":true})").find("'id'") !=
          std::string::npos);
    CHECK_FALSE(zic::collection_schema::parse("{not json"));
  }
}

TEST_SUITE("read_back") {
  TEST_CASE("Parquet: every type, nulls, defaults and the dynamic field, by DuckDB and hyparquet") {
    for (bool auto_id : {false, true}) {
      CAPTURE(auto_id);
      const auto w = write_all_types(zic::file_format::parquet, auto_id);
      REQUIRE(w.units == std::vector<std::vector<std::string>>{{"1.parquet"}});
      const std::string bytes = slurp(w.dir / "1.parquet");
      CHECK(bytes.substr(0, 4) == "PAR1");
      CHECK(bytes.substr(bytes.size() - 4) == "PAR1");
      CHECK(read_parquet("duckdb", w.dir / "1.parquet", w.expected) == 0);
      CHECK(read_parquet("hyparquet", w.dir / "1.parquet", w.expected) == 0);
    }
  }

  TEST_CASE("Parquet: ZSTD and uncompressed read the same") {
    for (auto codec : {zic::compression::zstd, zic::compression::none}) {
      const auto w = write_all_types(zic::file_format::parquet, false, codec);
      CHECK(read_parquet("duckdb", w.dir / "1.parquet", w.expected) == 0);
      if (codec == zic::compression::none)
        CHECK(read_parquet("hyparquet", w.dir / "1.parquet", w.expected) == 0);
    }
  }

  TEST_CASE("JSON rows, by Python's json module") {
    for (bool auto_id : {false, true}) {
      CAPTURE(auto_id);
      const auto w = write_all_types(zic::file_format::json, auto_id);
      REQUIRE(w.units == std::vector<std::vector<std::string>>{{"1.json"}});
      CHECK(read_back("json", w.dir / "1.json", w.expected) == 0);
    }
  }

  TEST_CASE("CSV, by Python's csv module") {
    for (bool auto_id : {false, true}) {
      CAPTURE(auto_id);
      const auto w = write_all_types(zic::file_format::csv, auto_id);
      REQUIRE(w.units == std::vector<std::vector<std::string>>{{"1.csv"}});
      CHECK(read_back("csv", w.dir / "1.csv", w.expected) == 0);
    }
  }

  TEST_CASE("NumPy, one .npy per field in one folder, by numpy") {
    for (bool auto_id : {false, true}) {
      CAPTURE(auto_id);
      const auto w = write_all_types(zic::file_format::numpy, auto_id);
      REQUIRE(w.units.size() == 1);
      CHECK(w.units[0].front().rfind("1/", 0) == 0);
      CHECK(std::find(w.units[0].begin(), w.units[0].end(), "1/$meta.npy") != w.units[0].end());
      CHECK((std::find(w.units[0].begin(), w.units[0].end(), "1/id.npy") != w.units[0].end()) ==
            !auto_id);
      CHECK(read_back("numpy", w.dir / "1", w.expected) == 0);
    }
  }

  TEST_CASE("the readers see a wrong value (the checks can fail)") {
    std::string wrong(expected_rows);
    wrong.replace(wrong.find("\"i8\":127"), 8, "\"i8\":126");
    for (auto format : {zic::file_format::parquet, zic::file_format::json, zic::file_format::csv}) {
      const auto w = write_all_types(format, false);
      write_text(w.expected, expected_for(all_types(false, false), wrong));
      const fs::path file = w.dir / w.units[0][0];
      if (format == zic::file_format::parquet) {
        CHECK(read_parquet("duckdb", file, w.expected, true) == 1);
        CHECK(read_parquet("hyparquet", file, w.expected, true) == 1);
      } else {
        CHECK(read_back(format == zic::file_format::json ? "json" : "csv", file, w.expected,
                        true) == 1);
      }
    }
    const auto n = write_all_types(zic::file_format::numpy, false);
    write_text(n.expected, expected_for(all_types(false, true), wrong));
    CHECK(read_back("numpy", n.dir / "1", n.expected, true) == 1);
  }
}

namespace {

zic::collection_schema small_schema(bool dynamic) {
  zic::collection_schema s;
  s.enable_dynamic_field = dynamic;
  auto id = field("id", data_type::int64);
  id.primary_key = true;
  s.fields.push_back(id);
  auto v = field("v", data_type::float_vector);
  v.dim = 3;
  s.fields.push_back(v);
  auto str = field("s", data_type::varchar);
  str.max_length = 4;
  s.fields.push_back(str);
  auto a = field("a", data_type::array);
  a.element_type = data_type::int8;
  a.max_capacity = 2;
  s.fields.push_back(a);
  s.fields.push_back(field("i", data_type::int8));
  s.fields.push_back(field("j", data_type::json));
  auto h = field("h", data_type::float16_vector);
  h.dim = 1;
  s.fields.push_back(h);
  return s;
}

// A row of small_schema that fits.
void good_row(zic::row_builder& row, std::optional<std::int64_t> id) {
  static const std::array<float, 3> v{1, 2, 3};
  static const std::array<std::int64_t, 2> a{1, -1};
  static const std::array<float, 1> h{0.5f};
  row.clear();
  if (id) row.set("id", *id);
  row.set("v", std::span<const float>(v))
      .set("s", "abcd")
      .set("a", std::span<const std::int64_t>(a));
  row.set("i", -3).set_json("j", "{}").set("h", std::span<const float>(h));
}

std::size_t json_rows(const fs::path& file) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.load(file.string()).get(doc)) return SIZE_MAX;
  simdjson::dom::array rows;
  if (doc["rows"].get_array().get(rows)) return SIZE_MAX;
  return rows.size();
}

bool has_partial_files(const fs::path& dir) {
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string().find(".partial") != std::string::npos) return true;
  return false;
}

} // namespace

TEST_SUITE("rules") {
  TEST_CASE(
      "a value that does not fit is refused with the row and the field, and the writer goes on") {
    zic::bulk_writer_options o;
    o.directory = fresh_dir("refusals");
    o.format = zic::file_format::json;
    auto w = zic::bulk_writer::create(small_schema(false), o);
    REQUIRE(w);
    zic::row_builder row = w->make_row();
    good_row(row, 0);
    REQUIRE(w->append(row));

    struct bad {
      const char* what;
      void (*spoil)(zic::row_builder&);
      const char* message;
    };
    static const std::array<float, 2> short_v{1, 2};
    static const std::array<float, 3> nan_v{1, std::numeric_limits<float>::quiet_NaN(), 3};
    static const std::array<std::int64_t, 3> long_a{1, 2, 3};
    static const std::array<std::int64_t, 1> wide_a{200};
    static const std::array<float, 1> huge_h{1e6f};
    const bad cases[] = {
        {"wrong type", [](zic::row_builder& r) { r.set("i", "seven"); },
         "row 1: field 'i': expected an integer"},
        {"out of range", [](zic::row_builder& r) { r.set("i", 300); },
         "row 1: field 'i': the integer is out of the type's range"},
        {"wrong dim", [](zic::row_builder& r) { r.set("v", std::span<const float>(short_v)); },
         "row 1: field 'v': the vector's length is not dim"},
        {"NaN in a vector", [](zic::row_builder& r) { r.set("v", std::span<const float>(nan_v)); },
         "row 1: field 'v': a vector value is not finite"},
        {"over max_length", [](zic::row_builder& r) { r.set("s", "abcde"); },
         "row 1: field 's': the string is longer than max_length"},
        {"not UTF-8", [](zic::row_builder& r) { r.set("s", "\xff"); },
         "row 1: field 's': the string is not UTF-8"},
        {"null in a non-nullable field", [](zic::row_builder& r) { r.set_null("i"); },
         "row 1: field 'i': null in a field that is not nullable"},
        {"missing",
         [](zic::row_builder& r) {
           r.clear();
           r.set("id", 1);
         },
         "row 1: field 'v': no value"},
        {"array over capacity",
         [](zic::row_builder& r) { r.set("a", std::span<const std::int64_t>(long_a)); },
         "row 1: field 'a': the array holds more elements than max_capacity"},
        {"array element out of range",
         [](zic::row_builder& r) { r.set("a", std::span<const std::int64_t>(wide_a)); },
         "row 1: field 'a': an element is out of the type's range"},
        {"unknown field without the dynamic field", [](zic::row_builder& r) { r.set("zzz", 1); },
         "row 1: field 'zzz': not in the schema, and the dynamic field is off"},
        {"bad JSON", [](zic::row_builder& r) { r.set_json("j", "{\"a\":"); },
         "row 1: field 'j': the text is not one JSON value"},
        {"Float16 overflow",
         [](zic::row_builder& r) { r.set("h", std::span<const float>(huge_h)); },
         "row 1: field 'h': a vector value does not fit Float16"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.what);
      good_row(row, 1);
      c.spoil(row);
      auto r = w->append(row);
      REQUIRE_FALSE(r);
      CHECK(r.error().code == zic::errc::invalid_argument);
      CHECK_MESSAGE(r.error().message.rfind(c.message, 0) == 0, r.error().message);
      CHECK(w->rows() == 1);
    }
    good_row(row, 1);
    REQUIRE(w->append(row));
    REQUIRE(w->close());
    REQUIRE(w->units().size() == 1);
    CHECK(json_rows(o.directory / "1.json") == 2);
  }

  TEST_CASE("an auto_id primary key or a function output given a value is refused") {
    auto s = small_schema(false);
    s.fields[0].auto_id = true;
    auto out = field("bm25", data_type::sparse_float_vector);
    out.function_output = true;
    s.fields.push_back(out);
    zic::bulk_writer_options o;
    o.directory = fresh_dir("auto_id");
    o.format = zic::file_format::json;
    auto w = zic::bulk_writer::create(s, o);
    REQUIRE(w);
    zic::row_builder row = w->make_row();
    good_row(row, 5);
    auto r = w->append(row);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.rfind("row 0: field 'id': the primary key is auto_id", 0) == 0);
    good_row(row, std::nullopt);
    REQUIRE(w->append(row));
    const std::array<std::uint32_t, 1> idx{1};
    const std::array<float, 1> val{1};
    row.set_sparse("bm25", idx, val);
    r = w->append(row);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("field 'bm25': a function's output") != std::string::npos);
  }

  TEST_CASE("the writer refuses what a format cannot carry, and bad options") {
    zic::bulk_writer_options o;
    o.directory = fresh_dir("numpy_refusals");
    o.format = zic::file_format::numpy;
    auto w = zic::bulk_writer::create(all_types(false, false), o);
    REQUIRE_FALSE(w);
    CHECK(w.error().message.find("NumPy files cannot hold the Array field 'arr_i'") !=
          std::string::npos);
    auto s = small_schema(false);
    s.fields.erase(s.fields.begin() + 3); // no arrays in NumPy
    s.fields.push_back(field("maybe", data_type::int32));
    s.fields.back().nullable = true;
    auto n = zic::bulk_writer::create(s, o);
    REQUIRE(n);
    zic::row_builder row = n->make_row();
    const std::array<float, 3> v{1, 2, 3};
    const std::array<float, 1> h{0.5f};
    row.set("id", 1)
        .set("v", std::span<const float>(v))
        .set("s", "ab")
        .set("i", 1)
        .set_json("j", "{}")
        .set("h", std::span<const float>(h));
    auto r = n->append(row);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "row 0: field 'maybe': NumPy files cannot hold a null");
    o.chunk_size = 0;
    CHECK_FALSE(zic::bulk_writer::create(small_schema(false), o));
    o.chunk_size = 1024;
    o.format = zic::file_format::csv;
    o.csv.separator = '"';
    CHECK_FALSE(zic::bulk_writer::create(small_schema(false), o));
    auto bad = small_schema(false);
    bad.fields[1].dim = 0;
    CHECK_FALSE(zic::bulk_writer::create(bad, o));
  }

  TEST_CASE("chunks by buffered bytes: each chunk one unit, complete, under its final name") {
    for (auto format : {zic::file_format::json, zic::file_format::parquet, zic::file_format::csv,
                        zic::file_format::numpy}) {
      CAPTURE(zic::file_format_extension(format));
      zic::bulk_writer_options o;
      o.directory = fresh_dir("chunks");
      o.format = format;
      o.chunk_size = 1000;
      auto s = small_schema(false);
      if (format == zic::file_format::numpy)
        s.fields.erase(s.fields.begin() + 3); // no arrays in NumPy
      auto w = zic::bulk_writer::create(s, o);
      REQUIRE(w);
      zic::row_builder row = w->make_row();
      for (int i = 0; i < 100; ++i) {
        good_row(row, i);
        if (format == zic::file_format::numpy) {
          row.clear();
          const std::array<float, 3> v{1, 2, 3};
          const std::array<float, 1> h{0.5f};
          row.set("id", i)
              .set("v", std::span<const float>(v))
              .set("s", "ab")
              .set("i", 1)
              .set_json("j", "{}")
              .set("h", std::span<const float>(h));
        }
        REQUIRE(w->append(row));
        // A chunk is finished once it reaches the size: never more than one row beyond it.
        CHECK(w->buffered_bytes() < 1000);
      }
      REQUIRE(w->close());
      const auto& units = w->units();
      CHECK(units.size() > 3);
      std::size_t total = 0;
      for (std::size_t u = 0; u < units.size(); ++u) {
        const std::string n = std::to_string(u + 1);
        if (format == zic::file_format::numpy) {
          CHECK(units[u].size() == 6);
          for (const auto& f : units[u])
            CHECK(fs::is_regular_file(o.directory / f));
          CHECK(units[u].front() == n + "/id.npy");
        } else {
          REQUIRE(units[u].size() == 1);
          CHECK(units[u][0] == n + "." + std::string(zic::file_format_extension(format)));
          CHECK(fs::is_regular_file(o.directory / units[u][0]));
          if (format == zic::file_format::json) total += json_rows(o.directory / units[u][0]);
        }
      }
      if (format == zic::file_format::json) CHECK(total == 100);
      CHECK_FALSE(has_partial_files(o.directory));
      CHECK(w->rows() == 100);
    }
  }

  TEST_CASE("an existing file is never overwritten: the next free number is taken") {
    zic::bulk_writer_options o;
    o.directory = fresh_dir("existing");
    o.format = zic::file_format::json;
    fs::create_directories(o.directory);
    o.fsync = true;
    write_text(o.directory / "1.json", "precious");
    auto w = zic::bulk_writer::create(small_schema(false), o);
    REQUIRE(w);
    zic::row_builder row = w->make_row();
    good_row(row, 1);
    REQUIRE(w->append(row));
    REQUIRE(w->close());
    CHECK(w->units() == std::vector<std::vector<std::string>>{{"2.json"}});
    CHECK(slurp(o.directory / "1.json") == "precious");
  }

  TEST_CASE("the columnar path checks every row first: a refused batch leaves no trace") {
    auto s = small_schema(true);
    s.fields.erase(s.fields.begin() + 3); // arrays go through row_builder
    zic::bulk_writer_options o;
    o.directory = fresh_dir("columns");
    o.format = zic::file_format::json;
    auto w = zic::bulk_writer::create(s, o);
    REQUIRE(w);
    const std::array<std::int64_t, 3> ids{10, 11, 12};
    std::array<float, 9> v{1, 2, 3, 4, 5, 6, 7, 8, 0.1f};
    const std::array<std::string_view, 3> strs{"a", "bb", "ccc"};
    std::array<std::int8_t, 3> is{1, 2, 3};
    const std::array<std::string_view, 3> js{"{}", "[1]", "null"};
    const std::array<std::uint8_t, 6> h{0x00, 0x38, 0x00,
                                        0x3c, 0x00, 0xc0}; // 0.5, 1, -2 as Float16 bytes
    const std::vector<zic::column_values> cols{
        {"id", std::span<const std::int64_t>(ids)},     {"v", std::span<const float>(v)},
        {"s", std::span<const std::string_view>(strs)}, {"i", std::span<const std::int8_t>(is)},
        {"j", std::span<const std::string_view>(js)},   {"h", std::span<const std::uint8_t>(h)}};
    v[4] = std::numeric_limits<float>::infinity();
    auto r = w->append_columns(cols, 3);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.rfind("row 1: field 'v'", 0) == 0);
    CHECK(w->rows() == 0);
    v[4] = 5;
    const std::vector<zic::column_values> short_cols{
        {"id", std::span<const std::int64_t>(ids).first(2)}};
    CHECK_FALSE(w->append_columns(short_cols, 3));
    REQUIRE(w->append_columns(cols, 3));
    REQUIRE(w->close());
    const fs::path expected = o.directory / "expected.json";
    write_text(expected, expected_for(s, R"([
      {"id":"10","v":[1,2,3],"s":"a","i":1,"j":{},"h":[0.5],"$meta":{}},
      {"id":"11","v":[4,5,6],"s":"bb","i":2,"j":[1],"h":[1],"$meta":{}},
      {"id":"12","v":[7,8,0.1],"s":"ccc","i":3,"j":null,"h":[-2],"$meta":{}}])"));
    CHECK(read_back("json", o.directory / "1.json", expected) == 0);
  }

  TEST_CASE("floats are written in the shortest form that reads back to the same bits") {
    zic::collection_schema s;
    auto id = field("id", data_type::int64);
    id.primary_key = true;
    s.fields.push_back(id);
    s.fields.push_back(field("f", data_type::float32));
    s.fields.push_back(field("d", data_type::float64));
    zic::bulk_writer_options o;
    o.directory = fresh_dir("floats");
    o.format = zic::file_format::csv;
    auto w = zic::bulk_writer::create(s, o);
    REQUIRE(w);
    std::mt19937_64 rng(42);
    std::vector<float> fs_;
    std::vector<double> ds;
    zic::row_builder row = w->make_row();
    while (fs_.size() < 20000) {
      const auto f = std::bit_cast<float>(static_cast<std::uint32_t>(rng()));
      const auto d = std::bit_cast<double>(rng());
      if (!std::isfinite(f) || !std::isfinite(d)) continue;
      row.clear();
      row.set("id", static_cast<std::int64_t>(fs_.size())).set("f", f).set("d", d);
      REQUIRE(w->append(row));
      fs_.push_back(f);
      ds.push_back(d);
    }
    REQUIRE(w->close());
    std::ifstream in(o.directory / "1.csv");
    std::string line;
    std::getline(in, line);
    CHECK(line == "id,f,d");
    std::size_t i = 0, exact = 0;
    while (std::getline(in, line)) {
      const auto a = line.find(','), b = line.rfind(',');
      float f = 0;
      double d = 0;
      std::from_chars(line.data() + a + 1, line.data() + b, f);
      std::from_chars(line.data() + b + 1, line.data() + line.size(), d);
      exact += i < fs_.size() &&
               std::bit_cast<std::uint32_t>(f) == std::bit_cast<std::uint32_t>(fs_[i]) &&
               std::bit_cast<std::uint64_t>(d) == std::bit_cast<std::uint64_t>(ds[i]);
      ++i;
    }
    CHECK(i == fs_.size());
    CHECK(exact == fs_.size());
  }

  TEST_CASE("Parquet with many rows: several row groups, runs of nulls, lists of every length") {
    zic::collection_schema s;
    auto id = field("id", data_type::int64);
    id.primary_key = true;
    s.fields.push_back(id);
    auto n = field("n", data_type::int32);
    n.nullable = true;
    s.fields.push_back(n);
    auto b = field("b", data_type::boolean);
    b.nullable = true;
    s.fields.push_back(b);
    auto a = field("a", data_type::array);
    a.element_type = data_type::int16;
    a.max_capacity = 5;
    a.nullable = true;
    s.fields.push_back(a);
    auto v = field("v", data_type::float_vector);
    v.dim = 2;
    s.fields.push_back(v);
    for (auto codec : {zic::compression::snappy, zic::compression::none}) {
      zic::bulk_writer_options o;
      o.directory = fresh_dir("many");
      o.compression = codec;
      o.parquet_row_group_rows = 1000;
      auto w = zic::bulk_writer::create(s, o);
      REQUIRE(w);
      zic::row_builder row = w->make_row();
      std::string rows = "[";
      std::mt19937 rng(7);
      for (int i = 0; i < 2500; ++i) {
        row.clear();
        // Nulls in runs of all lengths (RLE runs and bit-packed groups of levels).
        const bool null_n = (i / 3) % 5 == 0 || (i > 1200 && i < 1300) || rng() % 4 == 0;
        const bool null_b = i % 2 == 0 && i < 1700;
        const auto len = static_cast<std::size_t>(i % 6);
        std::array<std::int64_t, 5> elems{};
        for (std::size_t k = 0; k < 5; ++k)
          elems[k] = static_cast<std::int64_t>(i) * 7 % 30000 - static_cast<std::int64_t>(k);
        const std::array<float, 2> vec{static_cast<float>(i), -0.5f};
        row.set("id", i).set("v", std::span<const float>(vec));
        if (!null_n) row.set("n", i * 3);
        if (!null_b) row.set("b", i % 3 == 0);
        if (len < 5) row.set("a", std::span<const std::int64_t>(elems.data(), len));
        REQUIRE(w->append(row));
        rows += (i ? ",{" : "{");
        rows += "\"id\":\"" + std::to_string(i) +
                "\",\"n\":" + (null_n ? "null" : std::to_string(i * 3));
        rows += std::string(",\"b\":") +
                (null_b       ? "null"
                 : i % 3 == 0 ? "true"
                              : "false") +
                ",\"a\":";
        if (len == 5) {
          rows += "null";
        } else {
          rows += "[";
          for (std::size_t k = 0; k < len; ++k)
            rows += (k ? "," : "") + std::to_string(elems[k]);
          rows += "]";
        }
        rows += ",\"v\":[" + std::to_string(i) + ",-0.5]}";
      }
      rows += "]";
      REQUIRE(w->close());
      const fs::path expected = o.directory / "expected.json";
      write_text(expected, expected_for(s, rows));
      CHECK(read_parquet("duckdb", o.directory / "1.parquet", expected) == 0);
      CHECK(read_parquet("hyparquet", o.directory / "1.parquet", expected) == 0);
    }
  }
}

namespace {

// A JSON string literal, written here rather than by zic so the expectation is independent.
std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\', out += c;
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out + "\"";
}

template <class T>
std::string number(T v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// One random schema and its rows, appended to a writer and described as EXPECTED for the readers.
struct random_case {
  zic::collection_schema schema;
  std::string rows = "[";

  random_case(std::mt19937& rng, bool numpy) {
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    schema.enable_dynamic_field = pick(2) == 0;
    auto id = field("id", data_type::int64);
    id.primary_key = true;
    id.auto_id = pick(3) == 0;
    schema.fields.push_back(id);
    const data_type pool[] = {data_type::boolean,
                              data_type::int8,
                              data_type::int16,
                              data_type::int32,
                              data_type::int64,
                              data_type::float32,
                              data_type::float64,
                              data_type::varchar,
                              data_type::text,
                              data_type::json,
                              data_type::array,
                              data_type::float_vector,
                              data_type::binary_vector,
                              data_type::float16_vector,
                              data_type::bfloat16_vector,
                              data_type::int8_vector,
                              data_type::sparse_float_vector};
    const int fields = 1 + pick(7);
    for (int k = 0; k < fields; ++k) {
      const data_type t = pool[pick(17)];
      if (numpy && (t == data_type::array || t == data_type::sparse_float_vector)) continue;
      auto f = field("f" + std::to_string(k), t);
      f.max_length = 12;
      f.dim = t == data_type::binary_vector ? 8 * static_cast<std::uint32_t>(1 + pick(3))
                                            : static_cast<std::uint32_t>(1 + pick(5));
      if (!zic::is_dense_vector(t)) f.dim = 0;
      if (t == data_type::array) {
        const data_type elems[] = {data_type::int32, data_type::varchar, data_type::float64,
                                   data_type::boolean, data_type::int8};
        f.element_type = elems[pick(5)];
        f.max_capacity = 4;
      }
      if (!numpy && !zic::is_dense_vector(t) && pick(3) == 0) f.nullable = true;
      if (pick(4) == 0) {
        if (t == data_type::boolean)
          f.default_value = true;
        else if (t == data_type::int8 || t == data_type::int16 || t == data_type::int32 ||
                 t == data_type::int64)
          f.default_value = std::int64_t(-3);
        else if (t == data_type::float32 || t == data_type::float64)
          f.default_value = 0.75;
        else if (t == data_type::varchar || t == data_type::text)
          f.default_value = std::string("dflt");
      }
      schema.fields.push_back(f);
    }
  }

  void append(zic::bulk_writer& w, std::mt19937& rng, int count) {
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    zic::row_builder row = w.make_row();
    std::vector<float> floats;
    std::vector<double> doubles;
    std::vector<std::int64_t> ints;
    std::vector<std::int8_t> int8s;
    std::vector<std::uint8_t> bytes;
    std::vector<std::string> strings;
    std::vector<std::string_view> views;
    std::vector<std::uint32_t> idx;
    bool bools[4];
    const char* words[] = {"a", "b,c", "q\"t", "line\nx", "\xc3\xa9t\xc3\xa9", "", "zzzzzzzzzzzz"};
    for (int r = 0; r < count; ++r) {
      row.clear();
      std::string e = "{";
      auto put = [&](const std::string& name, const std::string& value) {
        e += (e.size() > 1 ? ",\"" : "\"") + name + "\":" + value;
      };
      for (const auto& f : schema.fields) {
        if (f.auto_id) continue;
        if (f.primary_key) {
          row.set("id", r);
          put("id", "\"" + std::to_string(r) + "\"");
          continue;
        }
        const int absent = pick(5);
        if ((f.nullable || f.default_value) &&
            absent == 0) { // missing or null: the default, else null
          if (pick(2)) row.set_null(f.name);
          std::string v = "null";
          if (f.default_value)
            v = std::visit(
                [&](const auto& d) -> std::string {
                  using D = std::decay_t<decltype(d)>;
                  if constexpr (std::is_same_v<D, bool>)
                    return d ? "true" : "false";
                  else if constexpr (std::is_same_v<D, std::int64_t>)
                    return f.type == data_type::int64 ? "\"" + std::to_string(d) + "\""
                                                      : std::to_string(d);
                  else if constexpr (std::is_same_v<D, double>)
                    return number(d);
                  else
                    return json_quote(d);
                },
                *f.default_value);
          put(f.name, v);
          continue;
        }
        const int n = static_cast<int>(f.dim);
        switch (f.type) {
        case data_type::boolean: {
          const bool b = pick(2);
          row.set(f.name, b);
          put(f.name, b ? "true" : "false");
          break;
        }
        case data_type::int8: {
          const int v = pick(256) - 128;
          row.set(f.name, v);
          put(f.name, std::to_string(v));
          break;
        }
        case data_type::int16: {
          const int v = pick(65536) - 32768;
          row.set(f.name, v);
          put(f.name, std::to_string(v));
          break;
        }
        case data_type::int32: {
          const auto v = static_cast<std::int32_t>(rng());
          row.set(f.name, v);
          put(f.name, std::to_string(v));
          break;
        }
        case data_type::int64: {
          const auto v = static_cast<std::int64_t>(rng() * 2654435761u);
          row.set(f.name, v);
          put(f.name, "\"" + std::to_string(v) + "\"");
          break;
        }
        case data_type::float32: {
          const float v = static_cast<float>(pick(2000) - 1000) / 7.0f;
          row.set(f.name, v);
          put(f.name, number(v));
          break;
        }
        case data_type::float64: {
          const double v = static_cast<double>(pick(2000) - 1000) / 7.0;
          row.set(f.name, v);
          put(f.name, number(v));
          break;
        }
        case data_type::varchar:
        case data_type::text: {
          const char* word = words[pick(7)];
          row.set(f.name, word);
          put(f.name, json_quote(word));
          break;
        }
        case data_type::json: {
          const std::string v =
              pick(2) ? "{\"k\":" + std::to_string(pick(100)) + "}" : "[true,\"s\"]";
          row.set_json(f.name, v);
          put(f.name, v);
          break;
        }
        case data_type::array: {
          const int len = pick(5);
          std::string v = "[";
          ints.clear(), doubles.clear(), strings.clear(), views.clear();
          for (int k = 0; k < len; ++k) {
            if (k) v += ",";
            switch (*f.element_type) {
            case data_type::varchar:
              strings.push_back(words[pick(7)]);
              v += json_quote(strings.back());
              break;
            case data_type::float64:
              doubles.push_back(pick(100) / 8.0);
              v += number(doubles.back());
              break;
            case data_type::boolean:
              bools[k] = pick(2);
              v += bools[k] ? "true" : "false";
              break;
            case data_type::int8:
              ints.push_back(pick(256) - 128);
              v += std::to_string(ints.back());
              break;
            default:
              ints.push_back(static_cast<std::int32_t>(rng()));
              v += std::to_string(ints.back());
              break;
            }
          }
          for (const auto& s : strings)
            views.push_back(s);
          switch (*f.element_type) {
          case data_type::varchar:
            row.set(f.name, std::span<const std::string_view>(views));
            break;
          case data_type::float64:
            row.set(f.name, std::span<const double>(doubles));
            break;
          case data_type::boolean:
            row.set(f.name, std::span<const bool>(bools, static_cast<std::size_t>(len)));
            break;
          default:
            row.set(f.name, std::span<const std::int64_t>(ints));
            break;
          }
          put(f.name, v + "]");
          break;
        }
        case data_type::float_vector:
        case data_type::float16_vector:
        case data_type::bfloat16_vector: {
          floats.clear();
          std::string v = "[";
          for (int k = 0; k < n; ++k) {
            floats.push_back(static_cast<float>(pick(64) - 32) / 4.0f); // exact in every width
            v += (k ? "," : "") + number(floats.back());
          }
          row.set(f.name, std::span<const float>(floats));
          put(f.name, v + "]");
          break;
        }
        case data_type::binary_vector:
        case data_type::int8_vector: {
          bytes.clear(), int8s.clear();
          std::string v = "[";
          const int len = f.type == data_type::binary_vector ? n / 8 : n;
          for (int k = 0; k < len; ++k) {
            const int b = pick(256);
            bytes.push_back(static_cast<std::uint8_t>(b));
            int8s.push_back(static_cast<std::int8_t>(b - 128));
            v += (k ? "," : "") + std::to_string(f.type == data_type::binary_vector ? b : b - 128);
          }
          if (f.type == data_type::binary_vector)
            row.set(f.name, std::span<const std::uint8_t>(bytes));
          else
            row.set(f.name, std::span<const std::int8_t>(int8s));
          put(f.name, v + "]");
          break;
        }
        case data_type::sparse_float_vector: {
          idx.clear(), floats.clear();
          std::string v = "{";
          const int len = 1 + pick(3);
          for (int k = 0; k < len; ++k) {
            idx.push_back(static_cast<std::uint32_t>(k * 100 + pick(100)));
            floats.push_back(static_cast<float>(pick(16)) / 2.0f);
            v += (k ? ",\"" : "\"") + std::to_string(idx.back()) + "\":" + number(floats.back());
          }
          row.set_sparse(f.name, idx, floats);
          put(f.name, v + "}");
          break;
        }
        default:
          FAIL("unexpected type");
        }
      }
      if (schema.enable_dynamic_field) {
        if (pick(2)) {
          const int x = pick(1000);
          row.set("extra", x);
          put("$meta", "{\"extra\":" + std::to_string(x) + "}");
        } else {
          put("$meta", "{}");
        }
      }
      REQUIRE_MESSAGE(w.append(row), "row " << r);
      rows += (r ? "," : "") + e + "}";
    }
    rows += "]";
  }
};

} // namespace

TEST_SUITE("read_back") {
  TEST_CASE("random schemas and rows round-trip in every format") {
    std::mt19937 rng(20260);
    for (int round = 0; round < 5; ++round) {
      for (auto format : {zic::file_format::parquet, zic::file_format::json, zic::file_format::csv,
                          zic::file_format::numpy}) {
        const bool numpy = format == zic::file_format::numpy;
        random_case c(rng, numpy);
        CAPTURE(round);
        CAPTURE(zic::file_format_extension(format));
        zic::bulk_writer_options o;
        o.directory = fresh_dir("random");
        o.format = format;
        auto w = zic::bulk_writer::create(c.schema, o);
        REQUIRE_MESSAGE(w, (w ? "" : w.error().message));
        const int count = 20 + static_cast<int>(rng() % 60);
        c.append(*w, rng, count);
        REQUIRE(w->close());
        REQUIRE(w->units().size() == 1);
        const fs::path expected = o.directory / "expected.json";
        write_text(expected, expected_for(c.schema, c.rows));
        const fs::path unit = o.directory / (numpy ? "1" : w->units()[0][0]);
        if (format == zic::file_format::parquet) {
          CHECK(read_parquet("duckdb", unit, expected) == 0);
          CHECK(read_parquet("hyparquet", unit, expected) == 0);
        } else {
          CHECK(read_back(numpy ? "numpy" : zic::file_format_extension(format), unit, expected) ==
                0);
        }
      }
    }
  }
}

TEST_SUITE("read_back") {
  TEST_CASE("CSV with another separator and a null key tells an empty string from null") {
    zic::collection_schema s;
    auto id = field("id", data_type::int64);
    id.primary_key = true;
    s.fields.push_back(id);
    auto t = field("t", data_type::varchar);
    t.max_length = 8;
    t.nullable = true;
    s.fields.push_back(t);
    auto v = field("v", data_type::float_vector);
    v.dim = 2;
    s.fields.push_back(v);
    zic::bulk_writer_options o;
    o.directory = fresh_dir("csv_options");
    o.format = zic::file_format::csv;
    o.csv.separator = ';';
    o.csv.null_key = "\\N";
    auto w = zic::bulk_writer::create(s, o);
    REQUIRE(w);
    zic::row_builder row = w->make_row();
    const std::array<float, 2> vec{0.5f, 1};
    row.set("id", 1).set("t", "").set("v", std::span<const float>(vec));
    REQUIRE(w->append(row));
    row.clear();
    row.set("id", 2).set_null("t").set("v", std::span<const float>(vec));
    REQUIRE(w->append(row));
    row.clear();
    row.set("id", 3).set("t", "a;b").set("v", std::span<const float>(vec));
    REQUIRE(w->append(row));
    REQUIRE(w->close());
    CHECK(slurp(o.directory / "1.csv") == "id;t;v\n1;;[0.5,1]\n2;\\N;[0.5,1]\n3;\"a;b\";[0.5,1]\n");
    const fs::path expected = o.directory / "expected.json";
    write_text(expected,
               expected_for(s, R"([{"id":"1","t":"","v":[0.5,1]},{"id":"2","t":null,"v":[0.5,1]},
                                             {"id":"3","t":"a;b","v":[0.5,1]}])"));
    CHECK(run("/usr/bin/python3 " ZIC_WRITE_TEST_DIR "/read_back.py csv " +
              quote(o.directory / "1.csv") + " " + quote(expected) + " ';' '\\N'") == 0);
  }
}

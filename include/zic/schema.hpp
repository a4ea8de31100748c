#ifndef ZIC_SCHEMA_HPP
#define ZIC_SCHEMA_HPP

// A collection's schema as the bulk writer needs it: which fields a file carries, in which
// type and shape, and which it leaves out. Built in code, or parsed from the JSON a user
// already holds (REST v2 collections/create's "schema", or collections/describe's "data").

#include "config.hpp"
#include "result.hpp"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

ZIC_NAMESPACE_BEGIN

/** The Milvus data types a bulk-import file can carry. */
enum class data_type {
  boolean,
  int8,
  int16,
  int32,
  int64,
  float32, ///< Milvus "Float"
  float64, ///< Milvus "Double"
  varchar,
  text,
  json,
  array,
  float_vector,
  binary_vector,
  float16_vector,
  bfloat16_vector,
  int8_vector,
  sparse_float_vector,
};

/** The Milvus name of a type ("Int64", "FloatVector", ...). */
constexpr std::string_view data_type_name(data_type t) noexcept {
  switch (t) {
  case data_type::boolean:
    return "Bool";
  case data_type::int8:
    return "Int8";
  case data_type::int16:
    return "Int16";
  case data_type::int32:
    return "Int32";
  case data_type::int64:
    return "Int64";
  case data_type::float32:
    return "Float";
  case data_type::float64:
    return "Double";
  case data_type::varchar:
    return "VarChar";
  case data_type::text:
    return "Text";
  case data_type::json:
    return "JSON";
  case data_type::array:
    return "Array";
  case data_type::float_vector:
    return "FloatVector";
  case data_type::binary_vector:
    return "BinaryVector";
  case data_type::float16_vector:
    return "Float16Vector";
  case data_type::bfloat16_vector:
    return "BFloat16Vector";
  case data_type::int8_vector:
    return "Int8Vector";
  case data_type::sparse_float_vector:
    return "SparseFloatVector";
  }
  return "unknown";
}

/** A type from its Milvus name, case-insensitively ("String" is VarChar, as servers say). */
constexpr std::optional<data_type> parse_data_type(std::string_view name) noexcept {
  auto same = [&](std::string_view word) {
    if (name.size() != word.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
      auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
      if (lower(name[i]) != lower(word[i])) return false;
    }
    return true;
  };
  for (int i = 0; i <= static_cast<int>(data_type::sparse_float_vector); ++i)
    if (same(data_type_name(static_cast<data_type>(i)))) return static_cast<data_type>(i);
  if (same("String")) return data_type::varchar;
  if (same("Boolean")) return data_type::boolean;
  if (same("SparseVector")) return data_type::sparse_float_vector;
  return std::nullopt;
}

/** Whether values of `t` are vectors with a `dim` (sparse vectors have none). */
constexpr bool is_dense_vector(data_type t) noexcept {
  return t == data_type::float_vector || t == data_type::binary_vector ||
         t == data_type::float16_vector || t == data_type::bfloat16_vector ||
         t == data_type::int8_vector;
}

/** Whether `t` may be an Array's element type (what Milvus allows). */
constexpr bool is_array_element(data_type t) noexcept {
  switch (t) {
  case data_type::boolean:
  case data_type::int8:
  case data_type::int16:
  case data_type::int32:
  case data_type::int64:
  case data_type::float32:
  case data_type::float64:
  case data_type::varchar:
    return true;
  default:
    return false;
  }
}

/** A field's default value: a bool, an integer, a real number or a string. */
using default_value = std::variant<bool, std::int64_t, double, std::string>;

/** One field of a collection. */
struct field_schema {
  std::string name;                      ///< "fieldName" / "name"
  data_type type = data_type::int64;     ///< "dataType" / "type"
  bool primary_key = false;              ///< "isPrimary" / "primaryKey"
  bool auto_id = false;                  ///< the server assigns the primary key
  std::uint32_t dim = 0;                 ///< dense vectors: "dim"
  std::uint32_t max_length = 0;          ///< VarChar, and Array of VarChar: "max_length", in bytes
  std::optional<data_type> element_type; ///< Array: "elementDataType" / "elementType"
  std::uint32_t max_capacity = 0;        ///< Array: "max_capacity"
  bool nullable = false;                 ///< "nullable"
  std::optional<zic::default_value> default_value; ///< "defaultValue"
  bool function_output = false; ///< written by a function (e.g. BM25): never in a file
};

namespace detail {
inline zic::error schema_error(std::string_view field, std::string_view why) {
  std::string m = "schema: field '";
  m.append(field).append("': ").append(why);
  return zic::error(errc::invalid_argument, std::move(m));
}
} // namespace detail

/**
 * A collection's fields and whether it has the dynamic field (`$meta`).
 *
 * @code
 * zic::collection_schema s;
 * s.fields.push_back({.name = "id", .type = zic::data_type::int64, .primary_key = true});
 * s.fields.push_back({.name = "vec", .type = zic::data_type::float_vector, .dim = 768});
 * if (auto ok = s.validate(); !ok) report(ok.error());
 * @endcode
 */
struct collection_schema {
  std::vector<field_schema> fields;
  bool enable_dynamic_field = false; ///< "enableDynamicField"

  /** The field called `name`, or null. */
  const field_schema* find(std::string_view name) const noexcept {
    for (const auto& f : fields)
      if (f.name == name) return &f;
    return nullptr;
  }

  /** The primary key field, or null. */
  const field_schema* primary_key() const noexcept {
    for (const auto& f : fields)
      if (f.primary_key) return &f;
    return nullptr;
  }

  /**
   * Refuses a schema no collection can have, naming the field: none or two primary keys, a
   * primary key that is neither Int64 nor VarChar, a dense vector without dim, a BinaryVector
   * whose dim is not a multiple of 8, a VarChar without max_length, an Array without element
   * type or capacity, a default value of the wrong type, a duplicate name.
   */
  result<void> validate() const {
    using detail::schema_error;
    if (fields.empty()) return zic::error(errc::invalid_argument, "schema: it has no fields");
    const field_schema* pk = nullptr;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const field_schema& f = fields[i];
      if (f.name.empty()) return schema_error("", "a field has no name");
      if (f.name == "$meta")
        return schema_error(f.name, "the name is reserved for the dynamic field");
      for (std::size_t j = 0; j < i; ++j)
        if (fields[j].name == f.name) return schema_error(f.name, "the name appears twice");
      if (f.primary_key) {
        if (pk)
          return schema_error(f.name, "a second primary key (the first is '" + pk->name + "')");
        pk = &f;
        if (f.type != data_type::int64 && f.type != data_type::varchar)
          return schema_error(f.name, "a primary key must be Int64 or VarChar");
        if (f.nullable) return schema_error(f.name, "a primary key cannot be nullable");
        if (f.default_value)
          return schema_error(f.name, "a primary key cannot have a default value");
      } else if (f.auto_id) {
        return schema_error(f.name, "auto_id is set on a field that is not the primary key");
      }
      if (is_dense_vector(f.type)) {
        if (f.dim == 0) return schema_error(f.name, "a vector field needs a dim");
        if (f.type == data_type::binary_vector && f.dim % 8 != 0)
          return schema_error(f.name, "a BinaryVector's dim must be a multiple of 8");
        if (f.nullable)
          return schema_error(f.name,
                              "nullable vectors are not written (JSON import refuses them)");
      }
      if (f.type == data_type::varchar && f.max_length == 0)
        return schema_error(f.name, "a VarChar field needs max_length");
      if (f.type == data_type::array) {
        if (!f.element_type) return schema_error(f.name, "an Array field needs an element type");
        if (!is_array_element(*f.element_type))
          return schema_error(f.name, "an Array cannot hold " +
                                          std::string(data_type_name(*f.element_type)));
        if (f.max_capacity == 0) return schema_error(f.name, "an Array field needs max_capacity");
        if (*f.element_type == data_type::varchar && f.max_length == 0)
          return schema_error(f.name, "an Array of VarChar needs max_length");
      }
      if (f.default_value) {
        if (f.function_output)
          return schema_error(f.name, "a function's output cannot have a default value");
        if (auto why = default_fault(f)) return schema_error(f.name, why);
      }
    }
    if (!pk) return zic::error(errc::invalid_argument, "schema: it has no primary key field");
    return {};
  }

  /**
   * Parses either JSON shape: REST v2 `collections/create`'s `schema` object (`fieldName`,
   * `dataType`, `isPrimary`, `elementTypeParams`, ...; the whole create body is accepted too),
   * or the `data` of a `collections/describe` answer (`name`, `type`, `primaryKey`, `params`,
   * ...; the whole answer is accepted too). Numbers may be sent as strings. The result is
   * validated.
   */
  static result<collection_schema> parse(std::string_view json) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(json);
    simdjson::dom::element root;
    if (parser.parse(padded).get(root) != simdjson::SUCCESS)
      return zic::error(errc::json_parse, "schema: the text is not JSON");
    return from_json(root);
  }

private:
  static const char* default_fault(const field_schema& f) {
    const auto& v = *f.default_value;
    switch (f.type) {
    case data_type::boolean:
      return std::holds_alternative<bool>(v) ? nullptr : "the default value is not a bool";
    case data_type::int8:
    case data_type::int16:
    case data_type::int32:
    case data_type::int64: {
      if (!std::holds_alternative<std::int64_t>(v)) return "the default value is not an integer";
      const std::int64_t n = std::get<std::int64_t>(v);
      const int bits = f.type == data_type::int8    ? 8
                       : f.type == data_type::int16 ? 16
                       : f.type == data_type::int32 ? 32
                                                    : 64;
      if (bits < 64 &&
          (n < -(std::int64_t(1) << (bits - 1)) || n >= (std::int64_t(1) << (bits - 1))))
        return "the default value is out of the type's range";
      return nullptr;
    }
    case data_type::float32:
    case data_type::float64:
      if (std::holds_alternative<double>(v) || std::holds_alternative<std::int64_t>(v))
        return nullptr;
      return "the default value is not a number";
    case data_type::varchar:
      if (!std::holds_alternative<std::string>(v)) return "the default value is not a string";
      return std::get<std::string>(v).size() > f.max_length
                 ? "the default value is longer than max_length"
                 : nullptr;
    case data_type::text:
      return std::holds_alternative<std::string>(v) ? nullptr : "the default value is not a string";
    default:
      return "this type cannot have a default value";
    }
  }

  // A number or a numeric string as an unsigned 32-bit count.
  static bool read_count(simdjson::dom::element e, std::uint32_t& out) {
    std::uint64_t u = 0;
    if (e.is_uint64()) {
      u = e.get_uint64().value_unsafe();
    } else if (e.is_string()) {
      std::string_view s = e.get_string().value_unsafe();
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), u);
      if (ec != std::errc() || p != s.data() + s.size()) return false;
    } else {
      return false;
    }
    if (u > std::numeric_limits<std::uint32_t>::max()) return false;
    out = static_cast<std::uint32_t>(u);
    return true;
  }

  static bool read_bool(simdjson::dom::element e, bool& out) {
    if (e.is_bool()) {
      out = e.get_bool().value_unsafe();
      return true;
    }
    if (e.is_string()) {
      std::string_view s = e.get_string().value_unsafe();
      if (s == "true" || s == "false") {
        out = s == "true";
        return true;
      }
    }
    return false;
  }

  // A type parameter ("dim", "max_length", "max_capacity") by key, in either shape:
  // create's {"dim": "768"} object or describe's [{"key": "dim", "value": "768"}] list.
  static result<void> read_params(simdjson::dom::element params, field_schema& f) {
    auto take = [&](std::string_view key, simdjson::dom::element v) -> result<void> {
      std::uint32_t* slot = key == "dim"            ? &f.dim
                            : key == "max_length"   ? &f.max_length
                            : key == "max_capacity" ? &f.max_capacity
                                                    : nullptr;
      if (slot && !read_count(v, *slot))
        return detail::schema_error(f.name, "'" + std::string(key) + "' is not a count");
      return {};
    };
    if (params.is_object()) {
      for (auto [key, v] : params.get_object().value_unsafe())
        if (auto r = take(key, v); !r) return r;
    } else if (params.is_array()) {
      for (simdjson::dom::element p : params.get_array().value_unsafe()) {
        std::string_view key;
        simdjson::dom::element v;
        if (p["key"].get_string().get(key) || p["value"].get(v))
          return detail::schema_error(f.name, "a type parameter without key or value");
        if (auto r = take(key, v); !r) return r;
      }
    }
    return {};
  }

  static result<void> read_default(simdjson::dom::element v, field_schema& f) {
    if (v.is_null()) return {};
    const bool numeric_text =
        v.is_string() && f.type != data_type::varchar && f.type != data_type::text;
    if (v.is_bool()) {
      f.default_value = v.get_bool().value_unsafe();
    } else if (v.is_int64()) {
      f.default_value = v.get_int64().value_unsafe();
    } else if (v.is_double() || v.is_uint64()) {
      f.default_value = v.get_double().value_unsafe();
    } else if (numeric_text) {
      // describe answers carry defaults as text ("12", "0.5", "true").
      std::string_view s = v.get_string().value_unsafe();
      std::int64_t n = 0;
      double d = 0;
      if (s == "true" || s == "false")
        f.default_value = s == "true";
      else if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
               ec == std::errc() && p == s.data() + s.size())
        f.default_value = n;
      else if (auto [q, ec2] = std::from_chars(s.data(), s.data() + s.size(), d);
               ec2 == std::errc() && q == s.data() + s.size())
        f.default_value = d;
      else
        return detail::schema_error(f.name, "the default value is not a value of the field's type");
    } else if (v.is_string()) {
      f.default_value = std::string(v.get_string().value_unsafe());
    } else {
      return detail::schema_error(f.name, "the default value is not a scalar");
    }
    return {};
  }

  static result<field_schema> read_field(simdjson::dom::element e, bool collection_auto_id) {
    field_schema f;
    std::string_view s;
    if (!e.is_object()) return zic::error(errc::json_schema, "schema: a field is not an object");
    if (e["fieldName"].get_string().get(s) && e["name"].get_string().get(s))
      return zic::error(errc::json_schema, "schema: a field has no name");
    f.name = std::string(s);
    if (e["dataType"].get_string().get(s) && e["type"].get_string().get(s))
      return detail::schema_error(f.name, "no data type");
    auto t = parse_data_type(s);
    if (!t) return detail::schema_error(f.name, "unknown data type '" + std::string(s) + "'");
    f.type = *t;
    simdjson::dom::element v;
    if ((!e["isPrimary"].get(v) || !e["primaryKey"].get(v)) && !read_bool(v, f.primary_key))
      return detail::schema_error(f.name, "the primary key flag is not a bool");
    if (!e["autoId"].get(v) && !read_bool(v, f.auto_id))
      return detail::schema_error(f.name, "autoId is not a bool");
    if (f.primary_key && collection_auto_id) f.auto_id = true;
    if ((!e["nullable"].get(v) || !e["isNullable"].get(v)) && !read_bool(v, f.nullable))
      return detail::schema_error(f.name, "nullable is not a bool");
    if (!e["elementTypeParams"].get(v) || !e["params"].get(v))
      if (auto r = read_params(v, f); !r) return r.error();
    // describe answers sometimes carry the parameters at the field's top level
    for (std::string_view key : {"dim", "max_length", "maxLength", "max_capacity", "maxCapacity"}) {
      if (e[key].get(v)) continue;
      std::uint32_t* slot = key == "dim"                                  ? &f.dim
                            : (key == "max_length" || key == "maxLength") ? &f.max_length
                                                                          : &f.max_capacity;
      if (!read_count(v, *slot))
        return detail::schema_error(f.name, "'" + std::string(key) + "' is not a count");
    }
    if (!e["elementDataType"].get_string().get(s) || !e["elementType"].get_string().get(s)) {
      auto et = parse_data_type(s);
      if (!et) return detail::schema_error(f.name, "unknown element type '" + std::string(s) + "'");
      if (f.type == data_type::array) f.element_type = et;
    }
    if (!e["defaultValue"].get(v))
      if (auto r = read_default(v, f); !r) return r.error();
    return f;
  }

  static result<collection_schema> from_json(simdjson::dom::element root) {
    simdjson::dom::element inner;
    // The whole create body ({"collectionName":..,"schema":{..}}) or describe answer
    // ({"code":0,"data":{..}}).
    if (!root["schema"].get(inner) && inner.is_object())
      root = inner;
    else if (!root["data"].get(inner) && inner.is_object())
      root = inner;
    if (!root.is_object()) return zic::error(errc::json_schema, "schema: not an object");
    collection_schema out;
    bool auto_id = false;
    simdjson::dom::element v;
    if (!root["autoId"].get(v) && !read_bool(v, auto_id))
      return zic::error(errc::json_schema, "schema: autoId is not a bool");
    if (!root["enableDynamicField"].get(v) && !read_bool(v, out.enable_dynamic_field))
      return zic::error(errc::json_schema, "schema: enableDynamicField is not a bool");
    simdjson::dom::array fields;
    if (root["fields"].get_array().get(fields))
      return zic::error(errc::json_schema, "schema: no \"fields\" list");
    for (simdjson::dom::element e : fields) {
      auto f = read_field(e, auto_id);
      if (!f) return std::move(f).error();
      out.fields.push_back(std::move(*f));
    }
    // Function outputs (BM25 and the like) are named by the functions, not by the fields.
    simdjson::dom::array functions;
    if (!root["functions"].get_array().get(functions)) {
      for (simdjson::dom::element fn : functions) {
        simdjson::dom::array outputs;
        if (fn["outputFieldNames"].get_array().get(outputs)) continue;
        for (simdjson::dom::element name : outputs) {
          std::string_view n;
          if (name.get_string().get(n)) continue;
          for (auto& f : out.fields)
            if (f.name == n) f.function_output = true;
        }
      }
    }
    if (auto ok = out.validate(); !ok) return std::move(ok).error();
    return out;
  }
};

ZIC_NAMESPACE_END

#endif // ZIC_SCHEMA_HPP

#ifndef ZIC_EMULATOR_CSV_RECORDS_HPP
#define ZIC_EMULATOR_CSV_RECORDS_HPP

// Splits CSV text into records of fields as its bytes stream by (RFC 4180: a field may be
// quoted, a quoted field may hold the separator, newlines and doubled quotes), handing each
// record to a callback. Only a collection with a schema needs the fields; counting rows alone
// is csv_counter's job. Memory is bounded by the largest record.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace zic_emulator {

class csv_records {
public:
  static constexpr std::size_t max_record = std::size_t(64) << 20;

  /// Called with each record's fields and its index (the header is record 0); false (with
  /// `why`) stops the reading.
  using record_check = std::function<bool(const std::vector<std::string>& fields, std::int64_t index, std::string& why)>;

  explicit csv_records(record_check check, char separator = ',') : check_(std::move(check)), sep_(separator) {}

  bool feed(std::string_view text) {
    for (char c : text) {
      if (!error_.empty()) return false;
      if (quote_pending_) {  // a quote inside a quoted field: doubled, or the field's end
        quote_pending_ = false;
        if (c == '"') {
          field_.push_back('"');
          continue;
        }
        quoted_ = false;
      }
      if (quoted_) {
        if (c == '"') quote_pending_ = true;
        else field_.push_back(c);
      } else if (c == '"' && field_.empty()) {
        quoted_ = true;
        content_ = true;
      } else if (c == sep_) {
        end_field();
      } else if (c == '\n') {
        end_record();
      } else if (c != '\r') {
        field_.push_back(c);
        content_ = true;
      }
      if (field_.size() + size_ > max_record) {
        error_ = "record " + std::to_string(index_) + " is longer than the 64 MiB the emulator checks";
        return false;
      }
    }
    return error_.empty();
  }

  bool finish() {
    if (error_.empty() && (content_ || !fields_.empty())) end_record();
    return error_.empty();
  }

  const std::string& error() const { return error_; }

private:
  void end_field() {
    size_ += field_.size();
    fields_.push_back(std::move(field_));
    field_.clear();
    content_ = true;
  }

  void end_record() {
    if (!content_ && fields_.empty()) return;  // a blank line is no record
    end_field();
    std::string why;
    if (!check_(fields_, index_, why)) error_ = why;
    ++index_;
    fields_.clear();
    size_ = 0;
    content_ = false;
  }

  record_check check_;
  char sep_;
  std::vector<std::string> fields_;
  std::string field_;
  std::size_t size_ = 0;  // bytes of the record's finished fields
  bool quoted_ = false, quote_pending_ = false, content_ = false;
  std::int64_t index_ = 0;
  std::string error_;
};

} // namespace zic_emulator

#endif

#include "hub/reports/fhir_json.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hub::fhir {

std::string Quote(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 2);
  out.push_back('"');
  for (const char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", static_cast<unsigned char>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

void JsonObject::Key(std::string_view key) {
  if (!body_.empty()) body_.push_back(',');
  body_ += Quote(key);
  body_.push_back(':');
}

JsonObject& JsonObject::Str(std::string_view key, std::string_view value) {
  Key(key);
  body_ += Quote(value);
  return *this;
}

JsonObject& JsonObject::StrIfSet(std::string_view key, std::string_view value) {
  if (!value.empty()) Str(key, value);
  return *this;
}

JsonObject& JsonObject::Int(std::string_view key, int64_t value) {
  Key(key);
  absl::StrAppend(&body_, value);
  return *this;
}

JsonObject& JsonObject::Dec(std::string_view key, double value) {
  Key(key);
  absl::StrAppend(&body_, absl::StrFormat("%.6g", value));
  return *this;
}

JsonObject& JsonObject::Bool(std::string_view key, bool value) {
  Key(key);
  body_ += value ? "true" : "false";
  return *this;
}

JsonObject& JsonObject::Obj(std::string_view key, const JsonObject& value) {
  Key(key);
  body_ += value.Text();
  return *this;
}

JsonObject& JsonObject::ObjIfSet(std::string_view key, const JsonObject& value) {
  if (!value.empty()) Obj(key, value);
  return *this;
}

JsonObject& JsonObject::Arr(std::string_view key, const JsonArray& value) {
  Key(key);
  body_ += value.Text();
  return *this;
}

JsonObject& JsonObject::ArrIfSet(std::string_view key, const JsonArray& value) {
  if (!value.empty()) Arr(key, value);
  return *this;
}

void JsonArray::Next() {
  if (!body_.empty()) body_.push_back(',');
}

JsonArray& JsonArray::Str(std::string_view value) {
  Next();
  body_ += Quote(value);
  return *this;
}

JsonArray& JsonArray::Obj(const JsonObject& value) {
  Next();
  body_ += value.Text();
  return *this;
}

}  // namespace hub::fhir

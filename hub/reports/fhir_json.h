// A small writer of JSON text for FHIR resources: objects and arrays built
// member by member, in the order added, strings escaped per RFC 8259.
// FHIR forbids empty strings, empty objects and empty arrays: the *IfSet
// forms skip them, so a resource never carries an element without a value.
//
// Thread safety: none (a value is built by one thread).
#ifndef HUB_HUB_REPORTS_FHIR_JSON_H_
#define HUB_HUB_REPORTS_FHIR_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace hub::fhir {

class JsonArray;

// A JSON object under construction.
class JsonObject {
 public:
  JsonObject& Str(std::string_view key, std::string_view value);
  // Skipped when `value` is empty.
  JsonObject& StrIfSet(std::string_view key, std::string_view value);
  JsonObject& Int(std::string_view key, int64_t value);
  JsonObject& Dec(std::string_view key, double value);
  JsonObject& Bool(std::string_view key, bool value);
  JsonObject& Obj(std::string_view key, const JsonObject& value);
  // Skipped when `value` has no member.
  JsonObject& ObjIfSet(std::string_view key, const JsonObject& value);
  JsonObject& Arr(std::string_view key, const JsonArray& value);
  // Skipped when `value` has no element.
  JsonObject& ArrIfSet(std::string_view key, const JsonArray& value);

  bool empty() const { return body_.empty(); }
  // The object's JSON text.
  std::string Text() const { return "{" + body_ + "}"; }

 private:
  void Key(std::string_view key);
  std::string body_;
};

// A JSON array under construction.
class JsonArray {
 public:
  JsonArray& Str(std::string_view value);
  JsonArray& Obj(const JsonObject& value);

  bool empty() const { return body_.empty(); }
  std::string Text() const { return "[" + body_ + "]"; }

 private:
  void Next();
  std::string body_;
};

// `value` as a JSON string literal, quotes included.
std::string Quote(std::string_view value);

}  // namespace hub::fhir

#endif  // HUB_HUB_REPORTS_FHIR_JSON_H_

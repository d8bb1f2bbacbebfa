// A small JSON writer for --json output: stable key order as written, strings escaped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rolewall {

class JsonWriter {
  public:
    JsonWriter &begin_object();
    JsonWriter &end_object();
    JsonWriter &begin_array();
    JsonWriter &end_array();
    JsonWriter &key(std::string_view k);
    JsonWriter &value(std::string_view s);
    JsonWriter &value(const char *s) { return value(std::string_view(s)); }
    JsonWriter &value(std::int64_t n);
    JsonWriter &value(bool b);
    JsonWriter &value(const std::vector<std::string> &list);
    template <typename T> JsonWriter &field(std::string_view k, const T &v) {
        key(k);
        return value(v);
    }
    JsonWriter &field(std::string_view k, int v) { return field(k, std::int64_t(v)); }
    JsonWriter &field(std::string_view k, unsigned v) { return field(k, std::int64_t(v)); }

    // The document, pretty-printed with two-space indentation and a final newline.
    std::string str() const { return out_ + "\n"; }

  private:
    void before_value();
    JsonWriter &close(char c);
    void newline();
    std::string out_;
    std::vector<bool> first_; // per open container: nothing written yet
    bool after_key_ = false;
};

std::string json_escape(std::string_view s);

} // namespace rolewall

// hsk::inspect — the text renderer: the JSON document of decode_json as an indented tree.
//
// The tree is generated from the document, never from the wire, so text and JSON cannot
// disagree. Enumerated values print as "name (0x00ff)", byte strings up to 32 bytes inline
// and longer ones wrapped 16 bytes a line; records, messages and extensions get a header
// line carrying their length and, with offsets, their absolute offset ("[@5]").
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>

#include "inspect/inspect.hpp"
#include "inspect/document.hpp"

namespace hsk::inspect::detail {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::size_t kInlineHexBytes = 32;
constexpr std::size_t kHexBytesPerLine = 16;

// Members whose enumerated values are 16-bit codes (printed with four hex digits).
const std::set<std::string, std::less<>> kWideCodes = {
    "version",
    "client_version",
    "server_version",
    "cipher_suite",
    "cipher_suites",
    "extension_type",
    "named_group_list",
    "named_curve",
    "group",
    "selected_group",
    "supported_signature_algorithms",
    "algorithm",
    "versions",
};

// Members (or arrays of them) that hold byte strings as hex.
const std::set<std::string, std::less<>> kHexMembers = {
    "random",
    "session_id",
    "dh_p",
    "dh_g",
    "dh_Ys",
    "point",
    "rsa_modulus",
    "rsa_exponent",
    "signature",
    "encrypted_pre_master_secret",
    "dh_Yc",
    "ecdh_Yc",
    "verify_data",
    "ticket",
    "renegotiated_connection",
    "key_exchange",
    "padding",
    "request_extensions",
    "responder_id_list",
    "certificate_authorities",
    "raw",
    "hex",
    "response",
};

bool is_hex_member(std::string_view key) {
  return kHexMembers.count(key) > 0 || (key.size() > 4 && key.substr(key.size() - 4) == "_hex");
}

bool is_enum(const Json& v) {
  return v.is_object() && v.size() == 2 && v.contains("code") && v.contains("name") &&
         v["code"].is_number();
}

std::string code_text(const Json& v, std::string_view key) {
  unsigned code = v["code"].get<unsigned>();
  char buf[16];
  bool wide = kWideCodes.count(key) > 0 || code > 0xff;
  std::snprintf(buf, sizeof buf, wide ? "0x%04x" : "0x%02x", code);
  std::string name = v["name"].is_string() ? v["name"].get<std::string>() : "";
  return name.empty() ? std::string(buf) : name + " (" + buf + ")";
}

class Renderer {
 public:
  explicit Renderer(bool offsets) : offsets_(offsets) {}

  std::string run(const Json& doc) {
    for (const auto& in : doc.at("inputs")) {
      std::size_t n = in.at("records").size();
      line(0, "input " + in.at("name").get<std::string>() + " (" +
                  in.at("format").get<std::string>() + ", " + std::to_string(n) +
                  (n == 1 ? " record)" : " records)"));
      for (const auto& rec : in.at("records")) {
        record(rec);
      }
    }
    return out_;
  }

 private:
  void line(std::size_t indent, std::string_view text) {
    out_.append(indent * 2, ' ');
    out_ += text;
    out_ += '\n';
  }

  std::string at(const Json& obj) const {
    if (!offsets_ || !obj.contains("offset")) {
      return "";
    }
    return " [@" + std::to_string(obj["offset"].get<std::size_t>()) + "]";
  }

  void record(const Json& rec) {
    std::string head = "record: " + code_text(rec.at("content_type"), "content_type") + ", " +
                       code_text(rec.at("version"), "version") + ", length " +
                       std::to_string(rec.at("length").get<std::size_t>());
    if (rec.value("encrypted", false)) {
      head += ", encrypted";
    }
    line(1, head + at(rec));
    if (rec.value("encrypted", false) && rec.at("content_type").value("code", 0) == 22) {
      line(2, "(protected by the keys agreed in this handshake: normally the Finished message)");
    }
    if (rec.contains("messages")) {
      if (rec["messages"].empty()) {
        line(2, "(continues the handshake message above)");
      }
      for (const auto& m : rec["messages"]) {
        message(m);
      }
    }
    for (const char* key : {"change_cipher_spec", "alert", "fragment_hex"}) {
      if (rec.contains(key)) {
        member(2, key, rec[key]);
      }
    }
  }

  void message(const Json& m) {
    std::string head = "message: " + code_text(m.at("msg_type"), "msg_type") + ", length " +
                       std::to_string(m.at("length").get<std::size_t>());
    if (m.contains("record_split")) {
      std::string parts;
      for (const auto& p : m["record_split"]) {
        parts += (parts.empty() ? "" : " + ") + std::to_string(p.get<std::size_t>());
      }
      head += ", split across records: " + parts;
    }
    line(2, head + at(m));
    if (m.contains("body")) {
      fields(3, m["body"]);
    }
    if (m.contains("body_hex")) {
      member(3, "body_hex", m["body_hex"]);
    }
    if (m.contains("note")) {
      line(3, "note: " + m["note"].get<std::string>());
    }
  }

  void extension(std::size_t indent, const Json& e) {
    std::string head = "extension: " + code_text(e.at("extension_type"), "extension_type") +
                       ", length " + std::to_string(e.at("length").get<std::size_t>());
    line(indent, head + at(e));
    if (e.contains("data")) {
      fields(indent + 1, e["data"]);
    }
    if (e.contains("data_hex")) {
      member(indent + 1, "data_hex", e["data_hex"]);
    }
  }

  void fields(std::size_t indent, const Json& obj) {
    for (const auto& [key, value] : obj.items()) {
      member(indent, key, value);
    }
  }

  void hex_value(std::size_t indent, const std::string& label, const std::string& hex) {
    std::size_t n = hex.size() / 2;
    if (n == 0) {
      line(indent, label + "(empty)");
      return;
    }
    if (n <= kInlineHexBytes) {
      line(indent, label + hex);
      return;
    }
    if (std::all_of(hex.begin(), hex.end(), [](char c) { return c == '0'; })) {
      line(indent, label + std::to_string(n) + " bytes, all zero");
      return;
    }
    line(indent, label + std::to_string(n) + " bytes");
    for (std::size_t i = 0; i < n; i += kHexBytesPerLine) {
      std::string row;
      for (std::size_t k = i; k < std::min(n, i + kHexBytesPerLine); ++k) {
        row += (k == i ? "" : " ") + hex.substr(2 * k, 2);
      }
      line(indent + 1, row);
    }
  }

  void member(std::size_t indent, const std::string& key, const Json& value) {
    if (key == "offset" || key == "extensions") {
      if (key == "extensions") {
        line(indent, "extensions (" + std::to_string(value.size()) + "):");
        for (const auto& e : value) {
          extension(indent + 1, e);
        }
      }
      return;
    }
    std::string label = key + ": ";
    if (is_enum(value)) {
      line(indent, label + code_text(value, key));
    } else if (value.is_string()) {
      if (is_hex_member(key)) {
        hex_value(indent, label, value.get<std::string>());
      } else {
        line(indent, label + value.get<std::string>());
      }
    } else if (value.is_array()) {
      if (value.empty()) {
        line(indent, label + "(none)");
        return;
      }
      line(indent, key + " (" + std::to_string(value.size()) + "):");
      for (const auto& item : value) {
        array_item(indent + 1, key, item);
      }
    } else if (value.is_object()) {
      if (value.empty()) {
        line(indent, label + "(empty)");
        return;
      }
      line(indent, key + ":");
      fields(indent + 1, value);
    } else {
      line(indent, label + value.dump());
    }
  }

  void array_item(std::size_t indent, const std::string& key, const Json& item) {
    if (is_enum(item)) {
      line(indent, code_text(item, key));
    } else if (item.is_string()) {
      if (is_hex_member(key)) {
        hex_value(indent, "- ", item.get<std::string>());
      } else {
        line(indent, item.get<std::string>());
      }
    } else if (item.is_object()) {
      // "- " then the first member; the rest line up under it.
      std::size_t mark = out_.size();
      fields(indent + 1, item);
      if (out_.size() > mark + indent * 2 + 1) {
        out_[mark + indent * 2] = '-';
      }
    } else {
      line(indent, item.dump());
    }
  }

  bool offsets_;
  std::string out_;
};

}  // namespace

std::string render_text(std::string_view json_text, bool offsets) {
  // The whole document, PKI inputs included, exactly as decode_text draws it.
  return render_document_text(Json::parse(json_text), offsets);
}

std::string render_text_doc(const Json& doc, bool offsets) { return Renderer(offsets).run(doc); }

}  // namespace hsk::inspect::detail

// Internal to lib/inspect/*.cpp (it includes nlohmann/json.hpp, so no other header may
// include it): the decoded document as a JSON value, shared by the JSON and text renderers
// so the text tree is drawn without serialising and re-parsing the document.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace hsk::inspect::detail {

// render_text_doc draws the text tree of a document built by decode_json.
std::string render_text_doc(const nlohmann::ordered_json& doc, bool offsets);

}  // namespace hsk::inspect::detail

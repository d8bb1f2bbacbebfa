#include "rolewall/error.hpp"

namespace rolewall {

std::string Diagnostic::str() const {
    std::string s = file;
    if (line > 0) {
        s += ':' + std::to_string(line);
        if (column > 0) s += ':' + std::to_string(column);
    }
    if (!s.empty()) s += ": ";
    return s + message;
}

std::string Error::describe() const {
    std::string s = message;
    for (const auto &d : diagnostics)
        s += "\n  " + d.str();
    return s;
}

} // namespace rolewall

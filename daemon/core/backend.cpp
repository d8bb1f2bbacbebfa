// The interface to the kernel side (rolewall/backend.hpp). Its destructor is its key function:
// defined here, once, Backend's vtable and type information are emitted in this one object of
// the core instead of in every unit that includes the header.
#include "rolewall/backend.hpp"

namespace rolewall {

Backend::~Backend() = default;

} // namespace rolewall

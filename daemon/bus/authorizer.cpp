#include "authorizer.hpp"

#include "bus_names.hpp"

#include <chrono>
#include <map>
#include <sdbus-c++/Error.h>
#include <sdbus-c++/Types.h>

namespace rolewall::bus {

namespace {

constexpr const char *polkit_name = "org.freedesktop.PolicyKit1";
constexpr const char *polkit_path = "/org/freedesktop/PolicyKit1/Authority";
constexpr const char *polkit_interface = "org.freedesktop.PolicyKit1.Authority";
// Without user interaction polkit answers in milliseconds; this only bounds a hung polkitd.
constexpr auto polkit_timeout = std::chrono::seconds(10);
// CheckAuthorization flags: 0 = no AllowUserInteraction.
constexpr std::uint32_t polkit_flags = 0;

using Subject = sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>>;
using AuthResult = sdbus::Struct<bool, bool, std::map<std::string, std::string>>;

} // namespace

std::string describe(const Caller &caller) {
    std::string uid = caller.uid ? "uid " + std::to_string(*caller.uid) : "unknown uid";
    return uid + " (" + caller.sender + ")";
}

Authorizer::Authorizer(sdbus::IConnection &connection) : connection_(connection) {}
Authorizer::~Authorizer() = default;

// The first argument of a call when it is a string: the role of EnableRole and DisableRole.
// The adaptor has read the message already; it is read again from the start and rewound
// (reading moves a cursor in the underlying sd_bus_message, not in what the message says).
static std::string first_string(const sdbus::Message &message) {
    auto &m = const_cast<sdbus::Message &>(message);
    std::string value;
    try {
        m.rewind(true);
        std::string type, contents;
        m.peekType(type, contents);
        if (type == "s") m >> value;
        m.rewind(true);
    } catch (const sdbus::Error &) {
    }
    return value;
}

Caller Authorizer::identify(const sdbus::Message &message) {
    // Bounds the memory a stream of short-lived clients can take; forgetting only costs a
    // round trip.
    constexpr std::size_t max_remembered = 1024;
    Caller c;
    c.sender = message.getSender();
    c.method = message.getMemberName();
    c.role = first_string(message);
    if (auto it = uids_.find(c.sender); it != uids_.end()) {
        c.uid = it->second;
        return c;
    }
    try {
        c.uid = message.getCredsUid();
    } catch (const sdbus::Error &) {
        return c; // the sender went away, or the bus would not say: unknown (not root)
    }
    if (uids_.size() >= max_remembered) uids_.clear();
    uids_.emplace(c.sender, *c.uid);
    return c;
}

void Authorizer::check(const Caller &caller, const Done &given) {
    if (caller.uid && *caller.uid == 0) return given({true, {}});
    Done done = [this, caller, given](const Decision &d) {
        if (!d.allowed && refused_) refused_(caller, d);
        given(d);
    };
    const std::string denied = "changing the firewall needs root or polkit's authorization "
                               "for " +
                               std::string(polkit_action);
    try {
        if (!polkit_) polkit_ = sdbus::createProxy(connection_, polkit_name, polkit_path);
        Subject subject{"system-bus-name", {{"name", sdbus::Variant(caller.sender)}}};
        std::map<std::string, std::string> details;
        polkit_->callMethodAsync("CheckAuthorization")
            .onInterface(polkit_interface)
            .withTimeout(polkit_timeout)
            .withArguments(subject, std::string(polkit_action), details, polkit_flags,
                           std::string())
            .uponReplyInvoke([done, denied](const sdbus::Error *error, const AuthResult &r) {
                if (error)
                    return done({false, denied + "; polkit could not be asked (" +
                                            error->getName() + ": " + error->getMessage() + ")"});
                if (r.get<0>()) return done({true, {}});
                if (r.get<1>()) // is_challenge: yes after authentication, which we do not wait for
                    return done({false, denied + "; polkit would want a password, and rolewalld "
                                                 "does not ask for one interactively: run the "
                                                 "command as root, or have the action granted "
                                                 "by a polkit rule"});
                done({false, denied + "; polkit said no"});
            });
    } catch (const sdbus::Error &e) {
        done({false, denied + "; polkit could not be asked (" + e.getMessage() + ")"});
    }
}

} // namespace rolewall::bus

// Who may change the firewall: uid 0, or whoever polkit says yes for (org.rolewall1.manage).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>
#include <sdbus-c++/Message.h>
#include <string>
#include <sys/types.h>
#include <unordered_map>

namespace rolewall::bus {

// The sender of the message being handled, as the bus daemon knows it.
struct Caller {
    std::string sender;       // unique name, ":1.42"
    std::optional<uid_t> uid; // nullopt when the bus could not tell
    std::string method;       // "EnableRole"
    std::string role;         // the call's first argument when it is a string (a role name)
};
std::string describe(const Caller &caller); // "uid 1000 (:1.42)"

struct Decision {
    bool allowed = false;
    std::string why; // for a refusal: one sentence
};

class Authorizer {
  public:
    explicit Authorizer(sdbus::IConnection &connection);
    ~Authorizer();
    Authorizer(const Authorizer &) = delete;
    Authorizer &operator=(const Authorizer &) = delete;

    // Who sent `message`. The uid comes from the bus daemon (GetConnectionCredentials: the
    // peer credentials of the caller's socket) and is remembered per unique name: the bus never
    // gives a unique name to a second connection, so the answer cannot go stale, and a client
    // that calls again costs no second round trip to the bus.
    Caller identify(const sdbus::Message &message);

    // Told of every refusal (the daemon logs it, rate-limited).
    using Refused = std::function<void(const Caller &, const Decision &)>;
    void on_refused(Refused refused) { refused_ = std::move(refused); }

    using Done = std::function<void(const Decision &)>;
    // Calls `done` exactly once: right away for uid 0, else when polkit answers (from the
    // event loop, later). polkit is asked without user interaction; when it is not on the
    // bus, or fails, or says no, the answer is a refusal.
    void check(const Caller &caller, const Done &done);

  private:
    sdbus::IConnection &connection_;
    std::unique_ptr<sdbus::IProxy> polkit_; // created on first use
    std::unordered_map<std::string, uid_t> uids_;
    Refused refused_;
};

} // namespace rolewall::bus

// status, enable, disable, reload: they talk to rolewalld over the system bus with the proxy
// generated from org.rolewall1.Manager.xml.
#include "bus_client.hpp"
#include "bus_names.hpp"
#include "ctl.hpp"
#include "output.hpp"

#include <chrono>
#include <cstdio>
#include <functional>
#include <string_view>

namespace rolewall::ctl {

namespace {

// rolewalld answers in well under a millisecond; a daemon that takes this long is stuck.
constexpr auto call_timeout = std::chrono::seconds(5);
constexpr const char *running_hint = "is rolewalld running? systemctl status rolewalld";

void fail(const std::string &sentence, const std::string &next) {
    std::fprintf(stderr, "rolewallctl: %s\n", sentence.c_str());
    if (!next.empty()) std::fprintf(stderr, "%s\n", next.c_str());
}

bool name_is(const sdbus::Error &e, std::string_view name) {
    return e.getName() == name;
}

// One D-Bus error -> message on stderr and the exit code (ctl.hpp).
int report_bus_error(const sdbus::Error &e) {
    const std::string &msg = e.getMessage();
    if (name_is(e, bus::error_access_denied) ||
        name_is(e, "org.freedesktop.DBus.Error.AccessDenied")) {
        fail(msg, "Run it as root, or have an administrator allow the polkit action " +
                      std::string(bus::polkit_action) + " for you.");
        return exit_denied;
    }
    if (name_is(e, bus::error_unknown_role)) {
        fail(msg, "'rolewallctl list' shows the roles.");
        return exit_failed;
    }
    if (name_is(e, bus::error_degraded)) {
        fail(msg, "What next: 'rolewallctl status' shows every problem; fix them, then run "
                  "'rolewallctl reload'.");
        return exit_degraded;
    }
    if (name_is(e, bus::error_invalid_config)) {
        fail(msg, "Fix the file, check it with 'rolewallctl check', then reload again.");
        return exit_failed;
    }
    if (name_is(e, bus::error_invalid_argument) || name_is(e, bus::error_kernel_rejected) ||
        name_is(e, bus::error_failed)) {
        fail(msg, "");
        return exit_failed;
    }
    if (name_is(e, "org.freedesktop.DBus.Error.ServiceUnknown") ||
        name_is(e, "org.freedesktop.DBus.Error.NameHasNoOwner")) {
        fail("rolewalld is not on the system bus (no one owns " + std::string(bus::service_name) +
                 ")",
             std::string("What next: ") + running_hint);
        return exit_unreachable;
    }
    // Bus activation of an installed but not enabled daemon: the activation file names
    // dbus-org.rolewall1.service, an alias that exists only once the unit is enabled.
    if (name_is(e, "org.freedesktop.systemd1.NoSuchUnit") ||
        e.getName().rfind("org.freedesktop.DBus.Error.Spawn.", 0) == 0) {
        fail("rolewalld is not running and could not be started on demand (" + msg + ")",
             "What next: systemctl enable --now rolewalld");
        return exit_unreachable;
    }
    if (name_is(e, "org.freedesktop.DBus.Error.NoReply") ||
        name_is(e, "org.freedesktop.DBus.Error.Timeout")) {
        fail("rolewalld did not answer within " + std::to_string(call_timeout.count()) + " s",
             std::string("What next: ") + running_hint + "; journalctl -u rolewalld");
        return exit_unreachable;
    }
    fail("the call to rolewalld failed: " + e.getName() + ": " + msg, "");
    return exit_failed;
}

} // namespace

int with_daemon(const std::function<int(Client &)> &call) {
    std::unique_ptr<sdbus::IConnection> connection;
    try {
        connection = sdbus::createSystemBusConnection();
        connection->setMethodCallTimeout(call_timeout);
    } catch (const sdbus::Error &e) {
        fail("cannot connect to the system bus: " + e.getMessage(),
             std::string("What next: ") + running_hint + " (and is dbus running?)");
        return exit_unreachable;
    }
    try {
        Client client(*connection);
        return call(client);
    } catch (const sdbus::Error &e) {
        return report_bus_error(e);
    }
}

namespace {

std::string join(const std::vector<std::string> &v, const char *empty) {
    if (v.empty()) return empty;
    std::string out;
    for (const auto &s : v)
        out += (out.empty() ? "" : ",") + s;
    return out;
}

using EnabledList = std::vector<
    sdbus::Struct<std::string, std::string, std::vector<std::string>, std::vector<std::string>>>;

using StatusMap = std::map<std::string, sdbus::Variant>;

template <typename T> T status_value(const StatusMap &status, const char *key) {
    auto it = status.find(key);
    if (it == status.end()) return T{};
    try {
        return it->second.get<T>();
    } catch (const sdbus::Error &) {
        return T{};
    }
}

// Lines after the first indented to line up under the first.
std::string indented(const std::string &text) {
    std::string out;
    for (char ch : text)
        out += ch == '\n' ? std::string("\n         ") : std::string(1, ch);
    return out;
}

// How the daemon stands, before its roles: running or degraded (with the error and what to
// do), and whether the kernel holds what rolewalld applied.
std::string health_text(const StatusMap &s) {
    std::string state = status_value<std::string>(s, "state");
    std::string ruleset = status_value<std::string>(s, "ruleset");
    std::string out = "State:   " + state;
    if (ruleset == "fail-safe")
        out += " (the fail-safe table is in force: only SSH, TCP port 22, is open)";
    else if (ruleset == "last-good")
        out += " (the table the kernel held at start is kept as it was)";
    out += "\n";
    if (std::string error = status_value<std::string>(s, "error"); !error.empty())
        out += "Error:   " + indented(error) +
               "\n         Fix it, check with 'rolewallctl check', then run 'rolewallctl "
               "reload'.\n";
    std::string kernel = status_value<std::string>(s, "kernel");
    out += "Kernel:  " + (kernel == "matches"   ? "matches what rolewalld applied"
                          : kernel == "differs" ? "differs from what rolewalld applied (a reload "
                                                  "puts it right):"
                                                : kernel + ":");
    for (const auto &d : status_value<std::vector<std::string>>(s, "kernel_differences"))
        out += "\n         " + d;
    return out + "\n\n";
}

// The keys of GetStatus, after "roles", in this order (docs/JSON.md).
void add_health(Json &out, const StatusMap &s) {
    out["state"] = status_value<std::string>(s, "state");
    out["error"] = status_value<std::string>(s, "error");
    out["ruleset"] = status_value<std::string>(s, "ruleset");
    out["kernel"] = status_value<std::string>(s, "kernel");
    out["kernel_differences"] = status_value<std::vector<std::string>>(s, "kernel_differences");
    out["started"] = status_value<std::uint64_t>(s, "started");
}

void print_status(const EnabledList &roles, const StatusMap &status, bool json) {
    if (json) {
        Json list = Json::array();
        for (const auto &r : roles)
            list.push_back({{"name", r.get<0>()},
                            {"origin", r.get<1>()},
                            {"interfaces", r.get<2>()},
                            {"sources", r.get<3>()}});
        Json out = {{"roles", std::move(list)}};
        add_health(out, status);
        print_json(out);
        return;
    }
    print(health_text(status));
    if (roles.empty()) {
        print("No role is enabled.\n");
        return;
    }
    TextTable t({"ROLE", "ORIGIN", "INTERFACES", "SOURCES"});
    for (const auto &r : roles)
        t.row({r.get<0>(), r.get<1>(), join(r.get<2>(), "any"), join(r.get<3>(), "any")});
    print(t.str());
}

} // namespace

int verb_status(const Options &o) {
    return with_daemon([&](Client &c) {
        StatusMap status = c.GetStatus();
        print_status(c.ListEnabled(), status, o.json);
        return status_value<std::string>(status, "state") == "degraded" ? exit_degraded : exit_ok;
    });
}

int verb_enable(const Options &o) {
    std::map<std::string, sdbus::Variant> options;
    if (!o.interfaces.empty()) options[bus::option_interfaces] = sdbus::Variant(o.interfaces);
    if (!o.sources.empty()) options[bus::option_sources] = sdbus::Variant(o.sources);
    if (o.runtime) options[bus::option_runtime] = sdbus::Variant(true);
    const std::string &role = o.args[0];
    return with_daemon([&](Client &c) {
        c.EnableRole(role, options);
        std::printf("%s: enabled (interfaces: %s; sources: %s)%s\n", role.c_str(),
                    join(o.interfaces, "any").c_str(), join(o.sources, "any").c_str(),
                    o.runtime ? ", until rolewalld restarts" : "");
        return exit_ok;
    });
}

int verb_disable(const Options &o) {
    std::map<std::string, sdbus::Variant> options;
    if (o.runtime) options[bus::option_runtime] = sdbus::Variant(true);
    const std::string &role = o.args[0];
    return with_daemon([&](Client &c) {
        c.DisableRole(role, options);
        std::printf("%s: disabled%s\n", role.c_str(),
                    o.runtime ? ", until rolewalld restarts" : "");
        return exit_ok;
    });
}

int verb_reload(const Options &o) {
    return with_daemon([&](Client &c) {
        c.Reload();
        warn_samba_disagreements(o, c);
        return exit_ok;
    });
}

} // namespace rolewall::ctl

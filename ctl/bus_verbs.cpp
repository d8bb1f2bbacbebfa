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

void print_status(const EnabledList &roles, bool json) {
    if (json) {
        Json list = Json::array();
        for (const auto &r : roles)
            list.push_back({{"name", r.get<0>()},
                            {"origin", r.get<1>()},
                            {"interfaces", r.get<2>()},
                            {"sources", r.get<3>()}});
        print_json({{"roles", std::move(list)}});
        return;
    }
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
        print_status(c.ListEnabled(), o.json);
        return exit_ok;
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

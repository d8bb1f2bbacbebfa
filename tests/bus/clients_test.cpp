// rolewalld driven by other clients: busctl, python3-dbus and rolewallctl.
#include "checks.hpp"
#include "json_schema.hpp"
#include "rolewall/state.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>
#include <sys/wait.h>
#include <thread>

namespace fs = std::filesystem;
using namespace bustest;

// --- Other clients -------------------------------------------------------------------------------

TEST_CASE("busctl can drive the daemon") {
    Setup s;
    std::string a = "--address=" + s.address();
    auto busctl = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"busctl", a});
        return run(args);
    };
    Run r =
        busctl({"call", "org.rolewall1", "/org/rolewall1", "org.rolewall1.Manager", "EnableRole",
                "sa{sv}", "dc", "2", "interfaces", "as", "1", "lan0", "runtime", "b", "true"});
    INFO(r.err);
    CHECK(r.status == 0);
    r = busctl({"get-property", "org.rolewall1", "/org/rolewall1", "org.rolewall1.Manager",
                "EnabledRoles"});
    CHECK(r.out == "as 2 \"dc\" \"remote\"\n");
    r = busctl({"call", "org.rolewall1", "/org/rolewall1", "org.rolewall1.Manager", "ListEnabled"});
    CHECK(r.out == "a(ssasas) 2 \"dc\" \"runtime\" 1 \"lan0\" 0 \"remote\" \"config\" 0 0\n");
    r = busctl({"call", "org.rolewall1", "/org/rolewall1", "org.rolewall1.Manager", "DisableRole",
                "sa{sv}", "nope", "0"});
    CHECK(r.status != 0);
    CHECK(r.err.find("no role 'nope'") != std::string::npos);
    r = busctl({"introspect", "org.rolewall1", "/org/rolewall1"});
    CHECK(r.out.find(".EnableRole") != std::string::npos);
}

TEST_CASE("A python3-dbus client can drive the daemon") {
    Setup s;
    std::string script = R"(
import dbus, sys
bus = dbus.bus.BusConnection(sys.argv[1])
obj = bus.get_object('org.rolewall1', '/org/rolewall1')
m = dbus.Interface(obj, 'org.rolewall1.Manager')
m.EnableRole('vpn', {'sources': dbus.Array(['192.0.2.0/24', '2001:db8::/32'], signature='s')})
print(sorted(str(r) for r in obj.Get('org.rolewall1.Manager', 'EnabledRoles',
                                   dbus_interface='org.freedesktop.DBus.Properties')))
try:
    m.EnableRole('vpn', {'sources': dbus.Array(['300.0.0.1'], signature='s')})
except dbus.exceptions.DBusException as e:
    print(e.get_dbus_name())
)";
    Run r = run({"/usr/bin/python3", "-c", script, s.address()});
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out == "['remote', 'vpn']\norg.rolewall1.Error.InvalidArgument\n");
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"remote", "vpn"});
}

namespace {

std::uint64_t c_started(Setup &s) {
    return s.client().GetStatus().at("started").get<std::uint64_t>();
}

// The status text with its local times ("since 14:03:22", "since Nov 27 14:03") as "since T".
std::string without_times(const std::string &text) {
    static const std::regex time("since ([A-Z][a-z]{2} [0-9]{2} )?[0-9]{2}:[0-9]{2}(:[0-9]{2})?");
    return std::regex_replace(text, time, "since T");
}

} // namespace

TEST_CASE(
    "rolewallctl status, enable, disable and reload talk to the daemon with stable exit codes") {
    Setup s;
    Run r = s.ctl({"enable", "dc", "--interface", "lan0", "--source", "10.0.0.0/8"});
    INFO(r.err);
    CHECK(r.status == 0);
    r = s.ctl({"status"});
    CHECK(r.status == 0);
    CHECK(without_times(r.out) == "State:   running\n"
                                  "Kernel:  matches what rolewalld applied\n\n"
                                  "ROLE    ORIGIN  INTERFACES  SOURCES     ACCEPTED\n"
                                  "dc      state   lan0        10.0.0.0/8  0 packets, 0 B since T\n"
                                  "remote  config  any         any         0 packets, 0 B since T\n"
                                  "\nPolicy:  0 packets, 0 B refused (no rule accepted) since T\n");
    r = s.ctl({"disable", "remote", "--runtime"});
    CHECK(r.status == 0);
    r = s.ctl({"status", "--json"});
    auto [roles, policy] = s.client().GetCounters();
    REQUIRE(roles.size() == 1);
    CHECK(r.out ==
          "{\n  \"roles\": [\n    {\n      \"name\": \"dc\",\n      \"origin\": \"state\",\n"
          "      \"interfaces\": [\n        \"lan0\"\n      ],\n      \"sources\": [\n"
          "        \"10.0.0.0/8\"\n      ],\n      \"expires\": 0,\n      \"packets\": 0,\n"
          "      \"bytes\": 0,\n      \"counting_since\": " +
              std::to_string(roles[0].get<3>()) +
              "\n    }\n  ],\n  \"state\": \"running\",\n"
              "  \"error\": \"\",\n  \"ruleset\": \"roles\",\n  \"kernel\": \"matches\",\n"
              "  \"kernel_differences\": [],\n  \"started\": " +
              std::to_string(c_started(s)) +
              ",\n  \"overrides\": [],\n  \"pending\": \"\",\n  \"pending_deadline\": 0,\n"
              "  \"pending_by\": \"\",\n  \"policy\": {\n    \"packets\": 0,\n    \"bytes\": "
              "0,\n    \"counting_since\": " +
              std::to_string(policy.get<2>()) + "\n  }\n}\n");
    CHECK(testsupport::check_json_output("status", r.out).empty()); // docs/JSON.md
    CHECK(s.ctl({"reload"}).status == 0);
    r = s.ctl({"enable", "nope"});
    CHECK(r.status == 1);
    CHECK(r.err.find("no role 'nope'") != std::string::npos);
    CHECK(s.ctl({"enable", "dc", "--source", "10.0.0.0/99"}).status == 1);
    s.dir.write("rolewall.toml", "[roles.dc\n");
    r = s.ctl({"reload"});
    CHECK(r.status == 1);
    CHECK(r.err.find("rolewall.toml:1:") != std::string::npos);
    CHECK(s.ctl({"enable"}).status == 2);
    s.daemon.stop();
    r = s.ctl({"status"});
    CHECK(r.status == 3);
    CHECK(r.err.find("systemctl status rolewalld") != std::string::npos);
    s.bus.stop();
    CHECK(s.ctl({"disable", "dc"}).status == 3);
}

TEST_CASE("rolewallctl run by uid 65534 reads the state and is refused a change with exit 4") {
    BUSTEST_NEEDS_REAL_ROOT("a client with uid 65534");
    Setup s;
    Run r = s.ctl({"enable", "vpn"}, nobody);
    CHECK(r.status == 4);
    CHECK(r.err.find("polkit") != std::string::npos);
    r = s.ctl({"status"}, nobody); // reading needs no privileges
    CHECK(r.status == 0);
}

TEST_CASE("rolewallctl exits 3 and says how to start rolewalld when bus activation fails") {
    // As on a host where the package is installed but the unit not enabled: the activation
    // file exists, starting the daemon through it fails.
    TempDir dir;
    dir.write("services/org.rolewall1.service",
              "[D-BUS Service]\nName=org.rolewall1\nExec=/bin/false\nUser=root\n");
    PrivateBus bus(dir.path(), true, dir.path() / "services");
    RunOptions o;
    o.env["DBUS_SYSTEM_BUS_ADDRESS"] = bus.address();
    Run r = run({ROLEWALLCTL, "status"}, o);
    INFO(r.err);
    CHECK(r.status == 3);
    CHECK(r.err.find("systemctl enable --now rolewalld") != std::string::npos);
}

// --- Changes one after the other ----------------------------------------------------------------

TEST_CASE("Changes are applied one after the other in the order they came, while reads are "
          "answered with the roles as they were or as they became") {
    Setup s;
    Client writer(s.address());
    writer.connection().setMethodCallTimeout(60s);
    auto proxy = sdbus::createProxy(writer.connection(), "org.rolewall1", "/org/rolewall1");
    std::vector<std::string> many; // big enough that the kernel takes a while
    for (int i = 0; i < 20000; ++i) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "2001:db8:%x:%x::1/128", i >> 8, i & 0xff);
        many.push_back(buf);
    }
    std::vector<std::string> replies;
    auto send = [&](const char *method, const Options &options, const std::string &tag) {
        proxy->callMethodAsync(method)
            .onInterface("org.rolewall1.Manager")
            .withArguments(std::string("dc"), options)
            .uponReplyInvoke([&replies, tag](const sdbus::Error *e, const Options &) {
                replies.push_back(e ? tag + " failed: " + e->getName() : tag);
            });
    };
    // One connection: the bus delivers the three calls in this order.
    send("EnableRole", {{"sources", sdbus::Variant(many)}, {"runtime", sdbus::Variant(true)}},
         "big enable");
    send("DisableRole", {{"runtime", sdbus::Variant(true)}}, "disable");
    send("EnableRole", {{"interfaces", sdbus::Variant(std::vector<std::string>{"lan0"})}},
         "small enable");
    // Meanwhile another client reads: dc is disabled (before), enabled with the 20,000 sources,
    // disabled again, or enabled on lan0 from any source (after): never anything in between.
    int reads = 0;
    while (replies.size() < 3) {
        for (const auto &r : s.client().ListEnabled()) {
            if (std::get<0>(r) != "dc") continue;
            const std::vector<std::string> &interfaces = std::get<2>(r), &sources = std::get<3>(r);
            bool big = interfaces.empty() && sources.size() == many.size();
            bool small = interfaces == std::vector<std::string>{"lan0"} && sources.empty();
            CHECK((big || small));
        }
        ++reads;
        writer.pump([&] { return replies.size() == 3; }, 20ms);
        REQUIRE(reads < 100000);
    }
    CHECK(replies == std::vector<std::string>{"big enable", "disable", "small enable"});
    auto enabled = s.client().ListEnabled();
    auto dc = std::find_if(enabled.begin(), enabled.end(),
                           [](const auto &r) { return std::get<0>(r) == "dc"; });
    REQUIRE(dc != enabled.end());
    CHECK(std::get<2>(*dc) == std::vector<std::string>{"lan0"});
    CHECK(std::get<3>(*dc).empty());
    CHECK(s.ns.kernel_roles() == std::set<std::string>{"dc", "remote"});
}

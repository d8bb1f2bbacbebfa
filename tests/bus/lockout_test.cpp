// The lock-out guard: a change after which a new connection like the caller's SSH session (the
// ssh_connection option, rolewallctl's SSH_CONNECTION) would be dropped on the interface of the
// route back to the client is refused with Error.LockOut, and nothing changes; force or confirm
// let it through with a warning. The daemon's namespace has lan0 (192.0.2.1/24, 2001:db8::1/64),
// so the client 192.0.2.9 is routed through lan0.
#include "checks.hpp"

#include <catch2/catch.hpp>

using namespace bustest;

namespace {

constexpr const char *lan_session = "192.0.2.9 50022 192.0.2.1 22";
constexpr const char *lan_text = "192.0.2.9 -> 192.0.2.1:22 on lan0";
constexpr const char *error_lock_out = "org.rolewall1.Error.LockOut";

bool has(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

// remote (SSH, port 22) on lan0 only, as the config says.
Setup::Params on_lan(const std::string &config = "[roles.remote]\ninterfaces = [\"lan0\"]\n") {
    Setup::Params p;
    p.config = config;
    return p;
}

// lan0 in the daemon's namespace (a veth pair whose other end stays there), with the host's
// addresses on it.
void add_lan(Setup &s) {
    RunOptions o;
    o.netns_of = s.ns.holder();
    for (const auto &argv : std::vector<std::vector<std::string>>{
             {"ip", "link", "add", "lan0", "type", "veth", "peer", "name", "lan1"},
             {"ip", "link", "set", "lan1", "up"},
             {"ip", "addr", "add", "192.0.2.1/24", "dev", "lan0"},
             {"ip", "addr", "add", "2001:db8::1/64", "dev", "lan0", "nodad"},
             {"ip", "link", "set", "lan0", "up"}}) {
        Run r = run(argv, o);
        INFO(r.err);
        REQUIRE(r.status == 0);
    }
}

Options session(const std::string &ssh, Options more = {}) {
    more["ssh_connection"] = sdbus::Variant(ssh);
    return more;
}

std::string state_text(Setup &s) {
    return std::filesystem::exists(s.state_file()) ? read_file(s.state_file()) : "";
}

std::vector<std::string> warnings(const Options &result) {
    return get<std::vector<std::string>>(result, "warnings");
}

} // namespace

TEST_CASE("The lock-out guard refuses a change that would drop the caller's SSH connection") {
    Setup s(on_lan());
    add_lan(s);
    Client &c = s.client();
    const std::string table = table_listing(s.ns);
    const std::string state = state_text(s);
    auto unchanged = [&] {
        CHECK(enabled(c) == std::set<std::string>{"remote"});
        CHECK(table_listing(s.ns) == table);
        CHECK(state_text(s) == state);
        CHECK(c.PendingChange().empty());
    };

    SECTION("disabling the role that carries the session is refused; nothing changes") {
        std::string why =
            refusal(error_lock_out, [&] { c.DisableRole("remote", session(lan_session)); });
        CHECK(has(why, "disable remote would lock you out"));
        CHECK(has(why, lan_text));
        CHECK(has(why, "role remote accepts it now"));
        CHECK(has(why, "--force"));
        unchanged();
        // a dry run says so as well; a narrowing re-scope and a runtime change too
        refusal(error_lock_out, [&] {
            c.DisableRole("remote", session(lan_session, {{"dry_run", sdbus::Variant(true)}}));
        });
        refusal(error_lock_out, [&] {
            c.EnableRole("remote", session(lan_session,
                                           {{"interfaces",
                                             sdbus::Variant(std::vector<std::string>{"wan0"})}}));
        });
        refusal(error_lock_out, [&] { c.DisableRole("remote", session(lan_session, runtime())); });
        unchanged();
        // the same over IPv6
        why = refusal(error_lock_out, [&] {
            c.DisableRole("remote", session("2001:db8::9 50022 2001:db8::1 22"));
        });
        CHECK(has(why, "2001:db8::9 -> [2001:db8::1]:22 on lan0"));
        unchanged();
    }
    SECTION("force makes the change, with a warning") {
        Options r =
            c.DisableRole("remote", session(lan_session, {{"force", sdbus::Variant(true)}}));
        CHECK_FALSE(get<bool>(r, "enabled"));
        REQUIRE(warnings(r).size() == 1);
        CHECK(has(warnings(r)[0], std::string("--force: a new SSH connection like yours, ") +
                                      lan_text + ", is dropped now"));
        CHECK(enabled(c).empty());
        CHECK(s.ns.kernel_roles().empty());
        CHECK(has(state_text(s), "[roles.remote]"));
    }
    SECTION("confirm makes the change, with a warning, and waits for confirmation") {
        Options r = c.DisableRole(
            "remote", session(lan_session, {{"confirm", sdbus::Variant(std::uint32_t{60})}}));
        REQUIRE(warnings(r).size() == 1);
        CHECK(has(warnings(r)[0],
                  std::string("--confirm: a new SSH connection like yours, ") + lan_text));
        CHECK(c.PendingChange() == "disable remote");
        CHECK(enabled(c).empty());
        c.RevertPending();
        CHECK(enabled(c) == std::set<std::string>{"remote"});
    }
    SECTION("changes that keep the session accepted pass without a warning") {
        Options r = c.EnableRole("vpn", session(lan_session));
        CHECK(warnings(r).empty());
        r = c.DisableRole("vpn", session(lan_session));
        CHECK(warnings(r).empty());
        r = c.EnableRole(
            "remote", session(lan_session, {{"add_interfaces",
                                             sdbus::Variant(std::vector<std::string>{"wan0"})}}));
        CHECK(warnings(r).empty());
        // no check: the client is the host itself, or the server address is not the host's
        c.DisableRole("remote", session("192.0.2.1 50022 192.0.2.1 22", runtime()));
        c.EnableRole("remote", runtime());
        c.DisableRole("remote", session("192.0.2.9 50022 198.51.100.1 22"));
        CHECK(enabled(c).empty());
    }
    SECTION("a reload of an edited config that would drop the session is refused") {
        s.dir.write("rolewall.toml", "[roles.vpn]\n");
        std::string why =
            refusal(error_lock_out, [&] { c.ReloadWithOptions(session(lan_session)); });
        CHECK(has(why, "reload would lock you out"));
        CHECK(has(why, lan_text));
        unchanged();
        std::vector<std::string> notices =
            c.ReloadWithOptions(session(lan_session, {{"force", sdbus::Variant(true)}}));
        CHECK(std::any_of(notices.begin(), notices.end(), [](const std::string &n) {
            return has(n, "warning: --force: a new SSH connection like yours");
        }));
        CHECK(enabled(c) == std::set<std::string>{"vpn"});
    }
    SECTION("a malformed ssh_connection is an invalid argument naming the option") {
        for (const char *bad : {"192.0.2.9 50022 192.0.2.1", "192.0.2.9 port 192.0.2.1 22",
                                "192.0.2.0/24 50022 192.0.2.1 22", "192.0.2.9 1 2001:db8::1 22",
                                "192.0.2.9 1 192.0.2.1 65536", ""}) {
            INFO(bad);
            CHECK(
                has(refusal(error_invalid_argument, [&] { c.DisableRole("remote", session(bad)); }),
                    "option 'ssh_connection': "));
        }
        refusal(error_invalid_argument, [&] {
            c.ReloadWithOptions({{"ssh_connection", sdbus::Variant(std::uint32_t{22})}});
        });
        unchanged();
    }
}

TEST_CASE("The lock-out guard checks a revert against the config it goes back to") {
    Setup s(on_lan("[roles.remote]\ninterfaces = [\"wan0\"]\n"));
    add_lan(s);
    Client &c = s.client();
    c.EnableRole("remote", {{"interfaces", sdbus::Variant(std::vector<std::string>{"lan0"})}});
    const std::string table = table_listing(s.ns);
    std::string why =
        refusal(error_lock_out, [&] { c.RevertRoles({"remote"}, session(lan_session)); });
    CHECK(has(why, "revert remote would lock you out"));
    CHECK(table_listing(s.ns) == table);
    CHECK(origin_of(c, "remote") == "state");
    auto results = c.RevertRoles(
        {}, session(lan_session, {{"all", sdbus::Variant(true)}, {"force", sdbus::Variant(true)}}));
    CHECK(warnings(results.at("remote")).size() == 1);
    CHECK(origin_of(c, "remote") == "config");
}

TEST_CASE("rolewallctl sends SSH_CONNECTION, its own or an ancestor's, for the lock-out guard") {
    Setup s(on_lan());
    add_lan(s);
    RunOptions o;
    o.env["DBUS_SYSTEM_BUS_ADDRESS"] = s.address();
    o.env["SSH_CONNECTION"] = lan_session;
    // as under sudo: rolewallctl's own environment has no SSH_CONNECTION, its parent's has
    auto ctl = [&](const std::string &args) {
        return run({"sh", "-c",
                    std::string("env -u SSH_CONNECTION ") + ROLEWALLCTL + " " + args + "; exit $?"},
                   o);
    };
    Run r = ctl("disable remote");
    CHECK(r.status == 1);
    CHECK(has(r.err, "disable remote would lock you out"));
    CHECK(has(r.err, lan_text));
    CHECK(enabled(s.client()) == std::set<std::string>{"remote"});
    r = ctl("reload");
    CHECK(r.status == 0); // the config did not change
    r = ctl("disable remote --confirm 1m");
    CHECK(r.status == 0);
    CHECK(has(r.err, "rolewallctl: warning: --confirm: a new SSH connection like yours"));
    CHECK(ctl("confirm --abort").status == 0);
    r = run({ROLEWALLCTL, "disable", "remote", "--force"}, o); // its own SSH_CONNECTION
    CHECK(r.status == 0);
    CHECK(has(r.err, "rolewallctl: warning: --force: a new SSH connection like yours, " +
                         std::string(lan_text)));
    CHECK(enabled(s.client()).empty());
    CHECK(s.ctl({"status", "--force"}).status == 2);

    // reload: an edited config that drops the session is refused, then forced
    CHECK(ctl("enable remote").status == 0);
    s.dir.write("rolewall.toml", "[roles.vpn]\n");
    r = ctl("reload");
    CHECK(r.status == 1);
    CHECK(has(r.err, "reload would lock you out"));
    CHECK(enabled(s.client()) == std::set<std::string>{"remote"});
    r = ctl("reload --force");
    CHECK(r.status == 0);
    CHECK(has(r.err, "rolewallctl: warning: --force: a new SSH connection like yours"));
}

#include "testns.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

namespace testns {

namespace {

bool write_file(const char *path, const std::string &text) {
    std::ofstream f(path);
    f << text;
    f.close();
    return static_cast<bool>(f);
}

bool fail(std::string *why, const std::string &what) {
    if (why) *why = what + ": " + std::strerror(errno);
    return false;
}

// The network namespace this process started in, recorded before it leaves it.
ino_t initial_netns = 0;

ino_t current_netns() {
    struct stat st {};
    return stat("/proc/self/ns/net", &st) == 0 ? st.st_ino : 0;
}

} // namespace

bool in_private_netns() {
    ino_t now = current_netns();
    return initial_netns != 0 && now != 0 && now != initial_netns;
}

bool enter_user_netns(std::string *why) {
    uid_t uid = geteuid();
    gid_t gid = getegid();
    initial_netns = current_netns();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) return fail(why, "unshare(user, net)");
    // As `unshare -rn`: map ourselves to root inside the new user namespace.
    if (!write_file("/proc/self/setgroups", "deny"))
        return fail(why, "writing /proc/self/setgroups");
    if (!write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1"))
        return fail(why, "writing /proc/self/uid_map");
    if (!write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1"))
        return fail(why, "writing /proc/self/gid_map");
    return true;
}

bool enter_root_netns(std::string *why) {
    if (geteuid() != 0) {
        if (why) *why = "needs real root";
        return false;
    }
    initial_netns = current_netns();
    if (unshare(CLONE_NEWNET) != 0) return fail(why, "unshare(net)");
    return true;
}

Run run(const std::vector<std::string> &argv, const std::string &input) {
    testsupport::RunOptions o;
    o.input = input;
    o.merge_output = true;
    return testsupport::run(argv, o);
}

namespace {

// nft only ever runs on the test's own ruleset, never on the machine's.
void require_private_netns() {
    if (in_private_netns()) return;
    std::fprintf(stderr, "testns: refusing to run nft outside a private network namespace\n");
    std::abort();
}

} // namespace

Run nft(const std::vector<std::string> &args) {
    require_private_netns();
    std::vector<std::string> argv{"nft"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
}

Run nft_script(const std::string &script) {
    require_private_netns();
    return run({"nft", "-f", "-"}, script);
}

namespace {

using namespace rolewall;

SetContent empty_set(const std::string &role, const char *suffix, KeyType type, bool interval) {
    SetContent s;
    s.spec.name = role + "_" + suffix;
    s.spec.type = type;
    s.spec.interval = interval;
    s.spec.role = role;
    return s;
}

void sort_elements(SetContent &s) {
    std::sort(s.elements.begin(), s.elements.end(),
              [](const Element &a, const Element &b) { return a.lo < b.lo; });
}

void add_role(const RoleSpec &r, Layout &layout) {
    if (!r.enabled) return; // the table holds nothing of a disabled role
    layout.roles.push_back({r.id, r.title.empty() ? r.id : r.title});
    SetContent tcp = empty_set(r.id, "tcp", KeyType::inet_service, true);
    SetContent udp = empty_set(r.id, "udp", KeyType::inet_service, true);
    SetContent proto = empty_set(r.id, "proto", KeyType::inet_proto, false);
    SetContent ifs = empty_set(r.id, "if", KeyType::ifname, true);
    SetContent anyif = empty_set(r.id, "anyif", KeyType::nf_proto, false);
    SetContent v4 = empty_set(r.id, "v4", KeyType::ipv4_addr, true);
    SetContent v6 = empty_set(r.id, "v6", KeyType::ipv6_addr, true);
    {
        for (const auto &p : r.tcp)
            tcp.elements.push_back(port_element({p.first, p.last}, r.id + ": " + p.service));
        for (const auto &p : r.udp)
            udp.elements.push_back(port_element({p.first, p.last}, r.id + ": " + p.service));
        for (const auto &[n, svc] : r.protos)
            proto.elements.push_back(proto_element(n, r.id + ": " + svc));
        if (r.interfaces.empty())
            for (std::uint8_t f : {std::uint8_t{2}, std::uint8_t{10}})
                anyif.elements.push_back(nfproto_element(f, r.id + ": any interface"));
        for (const auto &i : r.interfaces)
            ifs.elements.push_back(ifname_element(i, r.id + ": interface scope"));
        std::vector<std::string> sources = r.sources;
        if (sources.empty()) sources = {"0.0.0.0/0", "::/0"};
        const char *what = r.sources.empty() ? ": any source" : ": source scope";
        for (const auto &s : sources) {
            Cidr c = Cidr::parse(s).value();
            (c.v6 ? v6 : v4).elements.push_back(cidr_element(c, r.id + what));
        }
    }
    for (SetContent *s : {&tcp, &udp, &proto, &ifs, &anyif, &v4, &v6}) {
        bool ports = s == &tcp || s == &udp || s == &proto;
        if (ports && s->elements.empty()) continue; // only the port sets a role has
        sort_elements(*s);
        layout.sets.push_back(std::move(*s));
    }
}

} // namespace

Layout make_layout(const std::vector<RoleSpec> &roles, Policy policy) {
    Layout layout;
    layout.policy = policy;
    for (const auto &r : roles)
        add_role(r, layout);
    std::sort(layout.roles.begin(), layout.roles.end(),
              [](const RoleChain &a, const RoleChain &b) { return a.role < b.role; });
    std::sort(layout.sets.begin(), layout.sets.end(),
              [](const SetContent &a, const SetContent &b) { return a.spec.name < b.spec.name; });
    return layout;
}

std::vector<std::string> many_sources(std::size_t count) {
    std::vector<std::string> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        std::uint32_t a = (198u << 24) | (18u << 16) | static_cast<std::uint32_t>(i);
        out.push_back(std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xff) + "." +
                      std::to_string((a >> 8) & 0xff) + "." + std::to_string(a & 0xff) + "/32");
    }
    return out;
}

} // namespace testns

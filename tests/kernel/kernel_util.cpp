#include "kernel_util.hpp"

#include "dump.hpp"
#include "netlink.hpp"

#include <stdexcept>

namespace testns {

std::string listing(const std::string &family, const std::string &name) {
    Run r = nft({"-s", "list", "table", family, name});
    return r.status == 0 ? r.out : std::string{};
}

std::string without_owner(const std::string &listing) {
    std::string out;
    std::size_t pos = 0;
    bool flags_seen = false, comment_seen = false;
    while (pos < listing.size()) {
        std::size_t nl = listing.find('\n', pos);
        std::string line =
            listing.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        pos = nl == std::string::npos ? listing.size() : nl + 1;
        if (out.empty() && line.find(" # progname ") != std::string::npos)
            line.erase(line.find(" # progname "));
        if (line.rfind("\tflags ", 0) == 0 && !comment_seen) {
            flags_seen = true;
            continue;
        }
        if (line.empty() && flags_seen && comment_seen) {
            flags_seen = false; // only the first blank line after the table's header
            continue;
        }
        if (line.rfind("\tcomment ", 0) == 0) comment_seen = true;
        out += line + "\n";
    }
    return out;
}

std::vector<Json> objects(const std::string &family, const std::string &name) {
    Run r = nft({"-a", "-j", "list", "table", family, name});
    if (r.status != 0) return {};
    Json doc = Json::parse(r.out);
    std::vector<Json> out;
    for (const Json &o : doc.at("nftables"))
        if (!o.contains("metainfo")) out.push_back(o);
    return out;
}

std::map<std::string, long long> handles(const std::string &family, const std::string &name) {
    std::map<std::string, long long> out;
    std::map<std::string, int> rules_seen;
    for (const Json &o : objects(family, name)) {
        const std::string &kind = o.begin().key();
        const Json &body = o.begin().value();
        auto handle = body.at("handle").get<long long>();
        if (kind == "table")
            out["table"] = handle;
        else if (kind == "rule") {
            const auto &chain = body.at("chain").get_ref<const std::string &>();
            out["rule " + chain + " " + std::to_string(rules_seen[chain]++)] = handle;
        } else
            out[kind + " " + body.at("name").get<std::string>()] = handle;
    }
    return out;
}

std::uint32_t generation() {
    auto sock = rolewall::kernel::NetlinkSocket::open();
    if (!sock) throw std::runtime_error(sock.error().message);
    auto gen = rolewall::kernel::read_generation(*sock);
    if (!gen) throw std::runtime_error(gen.error().message);
    return *gen;
}

bool table_exists(const std::string &family, const std::string &name) {
    return nft({"list", "table", family, name}).status == 0;
}

std::vector<RoleSpec> sample_roles() {
    RoleSpec dc;
    dc.id = "ad-dc";
    dc.title = "Active Directory domain controller";
    dc.tcp = {{88, 88, "kerberos"}, {389, 389, "ldap"}, {49152, 65535, "rpc-dynamic"}};
    dc.udp = {{88, 88, "kerberos"}, {123, 123, "ntp"}};
    dc.protos = {{47, "pptp"}};
    RoleSpec web;
    web.id = "web";
    web.title = "Web server";
    web.tcp = {{80, 80, "http"}, {443, 443, "https"}};
    web.udp = {{443, 443, "quic"}};
    web.interfaces = {"lan0", "vlan*"};
    RoleSpec ssh;
    ssh.id = "ssh";
    ssh.title = "Remote administration";
    ssh.tcp = {{22, 22, "ssh"}};
    ssh.sources = {"192.0.2.0/24", "198.51.100.7", "2001:db8::/32"};
    return {dc, web, ssh};
}

} // namespace testns

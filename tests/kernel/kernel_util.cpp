#include "kernel_util.hpp"

#include "dump.hpp"
#include "netlink.hpp"

#include <algorithm>
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

std::string canonical(const std::string &listing) {
    std::string header, tail;
    std::vector<std::pair<std::string, std::string>> blocks; // sort key, text
    std::string *into = &header;
    for (std::size_t pos = 0, nl; pos < listing.size(); pos = nl + 1) {
        nl = listing.find('\n', pos);
        if (nl == std::string::npos) nl = listing.size();
        std::string line = listing.substr(pos, nl - pos);
        bool set = line.rfind("\tset ", 0) == 0, chain = line.rfind("\tchain ", 0) == 0;
        if (set || chain) {
            std::string name = line.substr(set ? 5 : 7);
            name = name.substr(0, name.find(' '));
            // Sets by name, then chain input, chain roles, the roles' chains by name.
            std::string key = set               ? "0" + name
                              : name == "input" ? "1"
                              : name == "roles" ? "2"
                                                : "3" + name;
            blocks.emplace_back(key, "");
            into = &blocks.back().second;
        }
        if (line.empty() && into != &header) continue; // between blocks
        if (line == "}") into = &tail;
        *into += line + "\n";
    }
    std::sort(blocks.begin(), blocks.end());
    std::string out = header;
    for (std::size_t i = 0; i < blocks.size(); ++i)
        out += (i ? "\n" : "") + blocks[i].second;
    return out + tail;
}

std::string table_text() {
    return canonical(without_owner(listing()));
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

// From `nft -a list` text: nft 1.0.6 prints the table flags of an orphaned persist table as
// garbage in its JSON output, so the handles are read from the text.
std::map<std::string, long long> handles(const std::string &family, const std::string &name) {
    std::map<std::string, long long> out;
    Run r = nft({"-a", "-s", "list", "table", family, name});
    if (r.status != 0) return out;
    std::string chain;
    for (std::size_t pos = 0, nl; pos < r.out.size(); pos = nl + 1) {
        nl = r.out.find('\n', pos);
        if (nl == std::string::npos) nl = r.out.size();
        std::string line = r.out.substr(pos, nl - pos);
        auto mark = line.find(" # handle ");
        if (mark == std::string::npos) continue;
        long long handle = std::stoll(line.substr(mark + 10));
        std::string text = line.substr(0, mark);
        if (text.rfind("table ", 0) == 0) {
            out["table"] = handle;
        } else if (text.rfind("\tset ", 0) == 0 || text.rfind("\tchain ", 0) == 0) {
            std::string kind_name = text.substr(1, text.size() - 3); // "set x" without " {"
            if (text.rfind("\tchain ", 0) == 0) chain = kind_name.substr(6);
            out[kind_name] = handle;
        } else {
            // A rule, by its chain and text: its place may change as other rules come and go.
            out["rule " + chain + ": " + text.substr(text.find_first_not_of('\t'))] = handle;
        }
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

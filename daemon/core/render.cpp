// The layout as nft text, in the form `nft list table inet rolewall` prints it.
#include "rolewall/ruleset.hpp"

#include <cstdint>
#include <cstdio>

namespace rolewall {

namespace {

std::string quote(const std::string &s) {
    return "\"" + s + "\"";
}

// Elements per line before nft starts a new one (nftables src/expression.c, calculate_delim).
std::size_t per_line(KeyType t) {
    switch (t) {
    case KeyType::nf_proto:
    case KeyType::inet_proto:
    case KeyType::inet_service:
        return 5;
    case KeyType::ipv4_addr:
        return 2;
    default:
        return 1;
    }
}

std::string render_set(const SetContent &s) {
    std::string out = "\tset " + s.spec.name + " {\n";
    out += "\t\ttype " + std::string(key_type_name(s.spec.type)) + "\n";
    if (s.spec.interval) out += "\t\tflags interval\n";
    if (!s.elements.empty()) {
        out += "\t\telements = { ";
        std::size_t n = 0;
        for (const auto &e : s.elements) {
            if (n > 0) out += n % per_line(s.spec.type) ? ", " : ",\n\t\t\t     ";
            ++n;
            out += element_key_str(s.spec.type, e);
            if (!e.comment.empty()) out += " comment " + quote(e.comment);
        }
        out += " }\n";
    }
    return out + "\t}\n";
}

std::string render_input(const Layout &layout) {
    std::string out = "\tchain input {\n"
                      "\t\ttype filter hook input priority filter; policy drop;\n"
                      "\t\tiif \"lo\" accept comment \"loopback\"\n"
                      "\t\tct state established,related accept comment \"replies to the host's "
                      "own traffic\"\n"
                      "\t\tct state invalid drop comment \"invalid packets\"\n"
                      "\t\ticmp type { destination-unreachable, time-exceeded, "
                      "parameter-problem } accept comment \"essential ICMP\"\n"
                      "\t\ticmp type echo-request limit rate 10/second burst 20 packets accept "
                      "comment \"ping, rate-limited\"\n"
                      "\t\ticmpv6 type { destination-unreachable, packet-too-big, time-exceeded, "
                      "parameter-problem, mld-listener-query, mld-listener-report, "
                      "nd-router-solicit, nd-router-advert, nd-neighbor-solicit, "
                      "nd-neighbor-advert, mld2-listener-report } accept comment \"essential "
                      "ICMPv6 and neighbour discovery\"\n"
                      "\t\ticmpv6 type echo-request limit rate 10/second burst 20 packets accept "
                      "comment \"ping6, rate-limited\"\n"
                      "\t\tip6 daddr fe80::/64 udp dport 546 accept comment \"DHCPv6 client\"\n";
    if (layout.failsafe)
        out += "\t\ttcp dport " + std::to_string(failsafe_ssh_port) +
               " accept comment \"fail-safe: SSH, so that an admin can log in\"\n";
    else
        out += "\t\tjump roles\n";
    if (layout.log_drops)
        out += "\t\tlimit rate " + std::to_string(drop_log_rate) + "/second burst " +
               std::to_string(drop_log_burst) + " packets log group " +
               std::to_string(drop_log_group) + " comment \"" + drop_log_comment + "\"\n";
    if (layout.policy == Policy::drop) {
        out += "\t\tcounter drop comment \"policy drop\"\n";
    } else {
        out += "\t\tmeta l4proto tcp counter reject with tcp reset comment \"policy reject\"\n"
               "\t\tcounter reject with icmpx admin-prohibited comment \"policy reject\"\n";
    }
    return out + "\t}\n";
}

std::string render_chains(const Layout &layout) {
    std::string out = render_input(layout);
    if (layout.failsafe) return out; // no roles, no chain roles
    out += "\n\tchain roles {\n";
    for (const auto &r : layout.roles) {
        std::string jump = " jump " + role_chain(r.role) + " comment " + quote(r.role) + "\n";
        out += "\t\tiifname @" + r.role + "_if" + jump;
        out += "\t\tmeta nfproto @" + r.role + "_anyif" + jump;
    }
    out += "\t}\n";
    for (const auto &r : layout.roles) {
        const std::string &n = r.role;
        out += "\n\tchain " + role_chain(n) + " {\n";
        if (!r.title.empty()) out += "\t\tcomment " + quote(r.title) + "\n";
        for (const char *fam : {"ip", "ip6"}) {
            std::string src = std::string(fam) + " saddr @" + n + (fam[2] ? "_v6" : "_v4");
            // each accept rule counts for the role (Backend::counters())
            if (layout.set(n + "_tcp"))
                out += "\t\t" + src + " tcp dport @" + n + "_tcp counter accept\n";
            if (layout.set(n + "_udp"))
                out += "\t\t" + src + " udp dport @" + n + "_udp counter accept\n";
            if (layout.set(n + "_proto"))
                out += "\t\t" + src + " meta l4proto @" + n + "_proto counter accept\n";
        }
        out += "\t}\n";
    }
    return out;
}

} // namespace

std::string render_nft(const Layout &layout, const std::string &fingerprint) {
    std::string out =
        "table inet rolewall {\n\tcomment " + quote(table_comment(layout, fingerprint)) + "\n";
    for (const auto &s : layout.sets)
        out += render_set(s) + "\n";
    return out + render_chains(layout) + "}\n";
}

} // namespace rolewall

#include "samba.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cstring>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace rolewall::ctl {

namespace {

std::string trim(const std::string &s) {
    auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::string lower(std::string s) {
    for (char &c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Samba lists: separated by commas, spaces or tabs.
std::vector<std::string> words(const std::string &value) {
    std::vector<std::string> out;
    std::string w;
    for (char c : value + " ") {
        if (c == ',' || c == ' ' || c == '\t') {
            if (!w.empty()) out.push_back(w);
            w.clear();
        } else {
            w += c;
        }
    }
    return out;
}

struct Output {
    int status = -1;
    std::string out, err;
};

std::string drain(int fd) {
    std::string s;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        s.append(buf, static_cast<std::size_t>(n));
    close(fd);
    return s;
}

// Runs a program without a shell. testparm's output is a few KiB: stdout is read to the end
// before stderr, which holds only a few lines.
Output run(const std::vector<std::string> &argv) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0) return {};
    if (pipe2(err, O_CLOEXEC) != 0) return {};
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 1);
        dup2(err[1], 2);
        std::vector<char *> args;
        for (const auto &a : argv)
            args.push_back(const_cast<char *>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    Output o;
    o.out = drain(out[0]);
    o.err = drain(err[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    o.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    return o;
}

} // namespace

std::string SambaConfig::get(const std::string &key) const {
    auto it = global.find(key);
    return it != global.end() ? it->second : std::string();
}

bool SambaConfig::yes(const std::string &key) const {
    std::string v = lower(get(key));
    return v == "yes" || v == "true" || v == "1";
}

SambaConfig parse_testparm(const std::string &text, const std::string &file) {
    SambaConfig c;
    c.file = file;
    std::istringstream in(text);
    std::string line, section;
    while (std::getline(in, line)) {
        line = trim(line);
        if (line.empty() || line[0] == '#' || line[0] == ';') continue;
        if (line.front() == '[' && line.back() == ']') {
            section = line.substr(1, line.size() - 2);
            if (lower(section) != "global") c.shares.push_back(section);
            continue;
        }
        auto eq = line.find('=');
        if (eq == std::string::npos || lower(section) != "global") continue;
        c.global[lower(trim(line.substr(0, eq)))] = trim(line.substr(eq + 1));
    }
    return c;
}

Result<SambaConfig> read_samba_config(const std::string &file) {
    Output o = run({"testparm", "-s", "-v", file});
    if (o.status == 127)
        return make_error(Errc::io, "testparm is not installed (Debian: apt install "
                                    "samba-common-bin); it reads Samba's effective configuration");
    if (o.status != 0 || o.out.find("[global]") == std::string::npos)
        return make_error(Errc::io, "testparm -s -v " + file + " failed: " + trim(o.err));
    return parse_testparm(o.out, file);
}

namespace {

// The interface that holds `address` in this namespace, or "".
std::string interface_holding(const std::string &address) {
    std::string host = address.substr(0, address.find('/'));
    unsigned char want[16] = {};
    int family = host.find(':') != std::string::npos ? AF_INET6 : AF_INET;
    if (inet_pton(family, host.c_str(), want) != 1) return {};
    ifaddrs *list = nullptr;
    if (getifaddrs(&list) != 0) return {};
    std::string out;
    for (ifaddrs *i = list; i && out.empty(); i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != family) continue;
        const void *a = family == AF_INET6
                            ? static_cast<const void *>(
                                  &reinterpret_cast<sockaddr_in6 *>(i->ifa_addr)->sin6_addr)
                            : &reinterpret_cast<sockaddr_in *>(i->ifa_addr)->sin_addr;
        if (std::memcmp(a, want, family == AF_INET6 ? 16 : 4) == 0) out = i->ifa_name;
    }
    freeifaddrs(list);
    return out;
}

bool is_address(const std::string &w) {
    unsigned char buf[16];
    std::string host = w.substr(0, w.find('/'));
    return inet_pton(AF_INET, host.c_str(), buf) == 1 ||
           inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::string join(const std::vector<std::string> &v, const char *sep = ", ") {
    std::string out;
    for (const auto &s : v)
        out += (out.empty() ? "" : sep) + s;
    return out;
}

std::optional<Sourced<std::vector<std::string>>> interfaces_of(const SambaConfig &s) {
    std::string value = s.get("interfaces");
    if (!s.yes("bind interfaces only") || value.empty()) return std::nullopt;
    Sourced<std::vector<std::string>> out;
    out.from = "interfaces = " + value + ", bind interfaces only = yes";
    std::vector<std::string> skipped;
    for (const auto &w : words(value)) {
        std::string name = is_address(w) ? interface_holding(w) : w;
        if (name == "lo" || w.rfind("127.", 0) == 0 || w == "::1") continue; // loopback
        if (name.empty() || !valid_interface_name(name))
            skipped.push_back(w);
        else if (std::find(out.value.begin(), out.value.end(), name) == out.value.end())
            out.value.push_back(name);
    }
    if (!skipped.empty())
        out.left_out = join(skipped) + ": no interface of this host holds it; add its name";
    if (out.value.empty()) return std::nullopt;
    return out;
}

// One `hosts allow` entry as a network: "192.0.2." -> 192.0.2.0/24, "10." -> 10.0.0.0/8,
// "192.0.2.0/24", "192.0.2.0/255.255.255.0", "2001:db8::/32", "192.0.2.7".
std::optional<std::string> network_of(const std::string &w) {
    if (!w.empty() && w.back() == '.' && std::isdigit(static_cast<unsigned char>(w[0]))) {
        int dots = static_cast<int>(std::count(w.begin(), w.end(), '.'));
        std::string net = w;
        for (int i = dots; i < 4; ++i)
            net += i == dots ? "0" : ".0";
        auto c = Cidr::parse(net + "/" + std::to_string(8 * dots));
        return c ? std::optional(c->str()) : std::nullopt;
    }
    auto slash = w.find('/');
    if (slash != std::string::npos && w.find('.', slash) != std::string::npos) { // a netmask
        in_addr mask{};
        if (inet_pton(AF_INET, w.substr(slash + 1).c_str(), &mask) != 1) return std::nullopt;
        int bits = __builtin_popcount(mask.s_addr);
        auto c = Cidr::parse(w.substr(0, slash) + "/" + std::to_string(bits));
        return c ? std::optional(c->str()) : std::nullopt;
    }
    auto c = Cidr::parse(w);
    if (!c) return std::nullopt;
    std::string s = c->str();
    return s;
}

std::optional<Sourced<std::vector<std::string>>> sources_of(const SambaConfig &s) {
    std::string value = s.get("hosts allow");
    if (value.empty()) return std::nullopt;
    Sourced<std::vector<std::string>> out;
    out.from = "hosts allow = " + value;
    std::vector<std::string> skipped;
    auto list = words(value);
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (lower(list[i]) == "except") { // "10. EXCEPT 10.1.": the exception stays Samba's
            skipped.push_back(join({list.begin() + static_cast<long>(i), list.end()}, " "));
            break;
        }
        auto net = network_of(list[i]);
        if (net && (net->rfind("127.", 0) == 0 || *net == "::1/128")) continue;
        if (net)
            out.value.push_back(*net);
        else
            skipped.push_back(list[i]);
    }
    if (!skipped.empty())
        out.left_out = join(skipped) + ": not a network rolewall can scope by; Samba still "
                                       "applies it";
    if (out.value.empty()) return std::nullopt;
    return out;
}

} // namespace

SambaPlan plan_for(const SambaConfig &s, const Catalog &catalog) {
    SambaPlan p;
    std::string role = lower(s.get("server role"));
    std::string from = "server role = " + s.get("server role");
    auto add = [&](const std::string &id, std::string why) {
        if (catalog.role(id)) p.roles.push_back({id, std::move(why), {}});
    };
    if (role.find("active directory") != std::string::npos)
        add("ad-dc", from);
    else if (role.find("classic") != std::string::npos)
        add("nt4-domain", from);
    std::vector<std::string> files, printers;
    for (const auto &sh : s.shares)
        (lower(sh) == "printers" || lower(sh) == "print$" ? printers : files).push_back(sh);
    if (p.roles.empty())
        add("file-server", from + (files.empty() ? "" : "; shares [" + join(files, "], [") + "]"));
    if (!printers.empty() && s.yes("load printers"))
        add("print-server", "[" + join(printers, "], [") + "] with load printers = yes");
    p.interfaces = interfaces_of(s);
    p.sources = sources_of(s);
    std::string rpc = s.get("rpc server dynamic port range");
    if (auto r = parse_port_range(rpc))
        p.rpc_ports = Sourced<PortRange>{*r, "rpc server dynamic port range = " + rpc, {}};
    std::string ports = s.get("smb ports");
    if (!ports.empty() && words(ports) != std::vector<std::string>{"445", "139"})
        p.notes.push_back("smb ports = " + ports +
                          ": the catalog's smb-server opens 445 and 139; a port outside them "
                          "needs a local service (docs/CATALOG.md)");
    if (s.yes("disable netbios"))
        p.notes.push_back("disable netbios = yes: the roles still open NetBIOS (137-139); "
                          "nothing listens there");
    return p;
}

std::vector<std::string> samba_disagreements(const SambaConfig &s, const Catalog &catalog,
                                             const Config &config,
                                             const std::map<std::string, Scope> &enabled) {
    std::vector<std::string> out;
    SambaPlan plan = plan_for(s, catalog);
    auto range = config.ranges.find("rpc_dynamic_ports");
    if (plan.rpc_ports && range != config.ranges.end() && range->second != plan.rpc_ports->value)
        out.push_back("rpc_dynamic_ports is " + port_range_str(range->second) + " but Samba (" +
                      s.file + ") uses " + port_range_str(plan.rpc_ports->value) + " (" +
                      plan.rpc_ports->from + ")");
    for (const auto &r : plan.roles) {
        auto it = enabled.find(r.value);
        if (it == enabled.end() || !plan.interfaces) continue;
        for (const auto &i : it->second.interfaces)
            if (std::find(plan.interfaces->value.begin(), plan.interfaces->value.end(), i) ==
                plan.interfaces->value.end())
                out.push_back(r.value + " is enabled on " + i + " but Samba (" + s.file +
                              ") does not listen there (" + plan.interfaces->from + ")");
        if (it->second.interfaces.empty())
            out.push_back(r.value + " is enabled on every interface but Samba (" + s.file +
                          ") listens only on " + join(plan.interfaces->value) + " (" +
                          plan.interfaces->from + ")");
    }
    return out;
}

} // namespace rolewall::ctl

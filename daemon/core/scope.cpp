// The one scope model (include/rolewall/scope.hpp).
#include "rolewall/scope.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <cstring>

namespace rolewall {

namespace {

// ::ffff:0:0/96 holds the IPv4-mapped IPv6 addresses.
bool ipv4_mapped(const Cidr &c) {
    if (!c.v6 || c.prefix < 96) return false;
    for (std::size_t i = 0; i < 10; ++i)
        if (c.addr[i] != 0) return false;
    return c.addr[10] == 0xff && c.addr[11] == 0xff;
}

std::string mapped_message(const std::string &text, const Cidr &c) {
    Cidr v4;
    std::copy(c.addr.begin() + 12, c.addr.end(), v4.addr.begin());
    v4.prefix = c.prefix - 96;
    std::string plain = v4.str();
    if (v4.prefix == 32) plain.resize(plain.size() - 3); // "192.0.2.1", not "192.0.2.1/32"
    return "'" + text + "' is an IPv4-mapped IPv6 address: such packets arrive as IPv4 and never " +
           "match it; write the IPv4 address " + plain + " instead";
}

} // namespace

Result<Cidr> Cidr::parse(const std::string &text) {
    Cidr c;
    auto slash = text.find('/');
    std::string addr = text.substr(0, slash);
    c.v6 = addr.find(':') != std::string::npos;
    int max = c.v6 ? 128 : 32;
    if (inet_pton(c.v6 ? AF_INET6 : AF_INET, addr.c_str(), c.addr.data()) != 1)
        return make_error(Errc::invalid_argument,
                          "'" + text + "' is not an IPv4 or IPv6 address or network");
    c.prefix = max;
    if (slash != std::string::npos) {
        std::string_view p(text.data() + slash + 1, text.size() - slash - 1);
        int v = -1;
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
        if (ec != std::errc() || end != p.data() + p.size() || v < 0 || v > max)
            return make_error(Errc::invalid_argument, "'" + text + "' has a bad prefix length (0-" +
                                                          std::to_string(max) + ")");
        c.prefix = v;
    }
    int bytes = c.v6 ? 16 : 4;
    for (int i = 0; i < bytes; ++i) {
        int keep = std::clamp(c.prefix - 8 * i, 0, 8);
        c.addr[static_cast<std::size_t>(i)] &= static_cast<std::uint8_t>(0xff00 >> keep);
    }
    return c;
}

namespace {

// Appends the decimal digits of n (0-255) at p; returns the end.
char *put_decimal(char *p, unsigned n) {
    if (n >= 100) *p++ = static_cast<char>('0' + n / 100);
    if (n >= 10) *p++ = static_cast<char>('0' + n / 10 % 10);
    *p++ = static_cast<char>('0' + n % 10);
    return p;
}

} // namespace

// Written into one buffer, then one string: the daemon formats 65,536 of them in a reply.
std::string Cidr::str() const {
    char buf[INET6_ADDRSTRLEN + 4] = {};
    char *p = buf;
    if (v6) {
        inet_ntop(AF_INET6, addr.data(), buf, INET6_ADDRSTRLEN);
        p += std::strlen(buf);
    } else {
        for (int i = 0; i < 4; ++i) {
            if (i) *p++ = '.';
            p = put_decimal(p, addr[static_cast<std::size_t>(i)]);
        }
    }
    *p++ = '/';
    p = put_decimal(p, static_cast<unsigned>(prefix));
    return std::string(buf, p);
}

bool valid_interface_name(const std::string &name, std::string *why) {
    auto fail = [&](std::string w) {
        if (why) *why = std::move(w);
        return false;
    };
    std::string base = name;
    if (!base.empty() && base.back() == '*') base.pop_back();
    if (base.empty()) return fail("an interface name cannot be empty or only '*'");
    if (name.size() > 15) return fail("'" + name + "' is longer than 15 characters");
    if (base == "." || base == "..") return fail("'" + name + "' is not an interface name");
    for (char c : base) {
        if (c == '/' || c == ':' || c == '*' || c == '"' || c == '\\' ||
            static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
            return fail("'" + name + "' contains a character interface names cannot have");
    }
    return true;
}

void Scope::normalize() {
    std::sort(interfaces.begin(), interfaces.end());
    interfaces.erase(std::unique(interfaces.begin(), interfaces.end()), interfaces.end());
    std::sort(sources.begin(), sources.end());
    sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
}

namespace {

template <typename T, typename F> std::string short_list(const std::vector<T> &items, F str) {
    constexpr std::size_t shown = 8;
    if (items.empty()) return "any";
    std::string out;
    for (std::size_t i = 0; i < items.size() && i < shown; ++i)
        out += (i ? ", " : "") + str(items[i]);
    if (items.size() > shown) out += ", ... (" + std::to_string(items.size()) + " in all)";
    return out;
}

} // namespace

std::string scope_text(const Scope &scope) {
    return "interfaces: " + short_list(scope.interfaces, [](const std::string &s) { return s; }) +
           "; sources: " + short_list(scope.sources, [](const Cidr &c) { return c.str(); });
}

std::vector<std::string> source_strings(const std::vector<Cidr> &sources) {
    std::vector<std::string> out;
    out.reserve(sources.size());
    for (const auto &c : sources)
        out.push_back(c.str());
    return out;
}

namespace {

// What the rules say about each dimension, so that both are read by the same code.
template <typename T> struct Dim;

template <> struct Dim<std::string> {
    static constexpr const char *noun = "interface";
    static constexpr const char *plural = "interfaces";
    static constexpr const char *setting = "max_interfaces_per_role";
    static constexpr const char *any_option = "any_interface";
    static std::size_t max(const ScopeLimits &l) { return l.max_interfaces; }
    static Result<std::string> parse(const std::string &text) {
        std::string why;
        if (!valid_interface_name(text, &why)) return make_error(Errc::invalid_argument, why);
        return text;
    }
    static std::string str(const std::string &s) { return s; }
    static std::vector<std::string> &of(Scope &s) { return s.interfaces; }
};

template <> struct Dim<Cidr> {
    static constexpr const char *noun = "source";
    static constexpr const char *plural = "sources";
    static constexpr const char *setting = "max_sources_per_role";
    static constexpr const char *any_option = "any_source";
    static std::size_t max(const ScopeLimits &l) { return l.max_sources; }
    // A source of a scope: an address or network, and not IPv4-mapped (such packets arrive
    // as IPv4, so the entry would never match).
    static Result<Cidr> parse(const std::string &text) {
        auto c = Cidr::parse(text);
        if (c && ipv4_mapped(*c))
            return make_error(Errc::invalid_argument, mapped_message(text, *c));
        return c;
    }
    static std::string str(const Cidr &c) { return c.str(); }
    static std::vector<Cidr> &of(Scope &s) { return s.sources; }
};

template <typename T> Status check_count(std::size_t n, const ScopeLimits &limits) {
    std::size_t max = Dim<T>::max(limits);
    if (n <= max) return Ok{};
    return make_error(Errc::limit_exceeded, std::to_string(n) + " " + Dim<T>::plural +
                                                " are more than the " + std::to_string(max) +
                                                " one role may have ([firewall] " +
                                                Dim<T>::setting + " in rolewall.toml)");
}

// Every bad item is named, up to a few: a list of thousands of bad items must not make a
// message of thousands of lines.
constexpr std::size_t problems_shown = 5;

template <typename T>
Result<std::vector<T>> parse_list(const std::vector<std::string> &items, const ScopeLimits &limits,
                                  ScopeInput input) {
    if (auto s = check_count<T>(items.size(), limits); !s) return s.error();
    if (items.empty()) {
        return make_error(Errc::invalid_argument,
                          std::string("an empty list would match nothing; ") +
                              (input == ScopeInput::file
                                   ? std::string("leave the field out to allow any ") + Dim<T>::noun
                                   : std::string("use ") + Dim<T>::any_option + " to allow any " +
                                         Dim<T>::noun + ", or disable the role"));
    }
    std::vector<T> out;
    out.reserve(items.size());
    std::string problems;
    std::size_t bad = 0;
    for (const auto &text : items) {
        auto item = Dim<T>::parse(text);
        if (item) {
            out.push_back(std::move(*item));
        } else if (++bad <= problems_shown) {
            problems += (problems.empty() ? "" : "; ") + item.error().message;
        }
    }
    if (bad > problems_shown)
        problems += " (and " + std::to_string(bad - problems_shown) + " more)";
    if (bad) return make_error(Errc::invalid_argument, problems);
    return out;
}

} // namespace

Result<std::vector<std::string>> parse_interfaces(const std::vector<std::string> &items,
                                                  const ScopeLimits &limits, ScopeInput input) {
    return parse_list<std::string>(items, limits, input);
}

Result<std::vector<Cidr>> parse_sources(const std::vector<std::string> &items,
                                        const ScopeLimits &limits, ScopeInput input) {
    return parse_list<Cidr>(items, limits, input);
}

Status check_limits(const Scope &scope, const ScopeLimits &limits) {
    if (auto s = check_count<std::string>(scope.interfaces.size(), limits); !s) return s;
    return check_count<Cidr>(scope.sources.size(), limits);
}

namespace {

template <typename T> std::string option(const char *verb) {
    return std::string(verb) + Dim<T>::plural;
}

template <typename T> Status check_conflicts(const DimensionRequest &r) {
    std::string whole = Dim<T>::plural;
    auto conflict = [&](const std::string &a, const std::string &b) {
        return make_error(Errc::invalid_argument,
                          "'" + a + "' cannot go with '" + b +
                              "': give either the whole list, any, or additions and removals");
    };
    bool incremental = !r.add.empty() || !r.remove.empty();
    std::string inc = !r.add.empty() ? option<T>("add_") : option<T>("remove_");
    if (r.any && r.replace) return conflict(Dim<T>::any_option, whole);
    if (r.any && incremental) return conflict(Dim<T>::any_option, inc);
    if (r.replace && incremental) return conflict(whole, inc);
    return Ok{};
}

// A list of a request read by the rules, its errors naming the option.
template <typename T>
Result<std::vector<T>> parse_option(const std::vector<std::string> &items, const std::string &name,
                                    const ScopeLimits &limits) {
    auto out = parse_list<T>(items, limits, ScopeInput::bus);
    if (!out) {
        Error e = out.error();
        e.message = "option '" + name + "': " + e.message;
        return e;
    }
    return out;
}

template <typename T>
Status add_items(std::vector<T> &list, const std::vector<std::string> &add,
                 const ScopeLimits &limits, std::vector<std::string> *warnings) {
    auto items = parse_option<T>(add, option<T>("add_"), limits);
    if (!items) return items.error();
    if (list.empty()) { // any stays any
        if (warnings)
            warnings->push_back(std::string(Dim<T>::plural) + ": the role already takes any " +
                                Dim<T>::noun + ", so adding changes nothing (give '" +
                                Dim<T>::plural + "' to narrow it)");
        return Ok{};
    }
    list.insert(list.end(), items->begin(), items->end());
    return Ok{};
}

template <typename T>
Status remove_items(std::vector<T> &list, const std::vector<std::string> &remove,
                    const ScopeLimits &limits, std::vector<std::string> *warnings) {
    auto items = parse_option<T>(remove, option<T>("remove_"), limits);
    if (!items) return items.error();
    if (list.empty())
        return make_error(Errc::invalid_argument,
                          std::string("the role takes any ") + Dim<T>::noun +
                              ": there is nothing to remove from; give '" + Dim<T>::plural +
                              "' with the ones it should take instead");
    for (const auto &item : *items) {
        auto at = std::find(list.begin(), list.end(), item);
        if (at != list.end())
            list.erase(at);
        else if (warnings)
            warnings->push_back(std::string(Dim<T>::plural) + ": " + Dim<T>::str(item) +
                                " is not in the role's scope (only whole entries are removed)");
    }
    if (list.empty())
        return make_error(Errc::invalid_argument, std::string("removing them leaves no ") +
                                                      Dim<T>::noun +
                                                      ": the role would match nothing; use " +
                                                      Dim<T>::any_option + ", or disable the role");
    return Ok{};
}

template <typename T>
Status apply_dimension(Scope &scope, const DimensionRequest &r, const ScopeLimits &limits,
                       std::vector<std::string> *warnings) {
    if (auto s = check_conflicts<T>(r); !s) return s;
    std::vector<T> &list = Dim<T>::of(scope);
    if (r.any) {
        list.clear();
    } else if (r.replace) {
        auto items = parse_option<T>(*r.replace, Dim<T>::plural, limits);
        if (!items) return items.error();
        list = std::move(*items);
    } else {
        if (!r.add.empty())
            if (auto s = add_items<T>(list, r.add, limits, warnings); !s) return s;
        if (!r.remove.empty())
            if (auto s = remove_items<T>(list, r.remove, limits, warnings); !s) return s;
    }
    return Ok{};
}

} // namespace

Result<Scope> apply_request(const Scope &base, const ScopeRequest &request,
                            const ScopeLimits &limits, std::vector<std::string> *warnings) {
    Scope scope = base;
    if (auto s = apply_dimension<std::string>(scope, request.interfaces, limits, warnings); !s)
        return s.error();
    if (auto s = apply_dimension<Cidr>(scope, request.sources, limits, warnings); !s)
        return s.error();
    scope.normalize();
    if (auto s = check_limits(scope, limits); !s) return s.error();
    return scope;
}

} // namespace rolewall

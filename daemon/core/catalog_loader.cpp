// Loads the catalog directories strictly: every problem in every file is reported with file,
// line and column, and one run reports them all.
#include "rolewall/catalog.hpp"
#include "toml_util.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>
#include <map>
#include <set>

namespace fs = std::filesystem;

namespace rolewall {

namespace {

constexpr std::size_t max_id_length = 40; // keeps set names like "<id>_anyif" short to read

bool valid_id(const std::string &id) {
    if (id.empty() || id.size() > max_id_length || id[0] < 'a' || id[0] > 'z') return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
}

// Chains rolewall creates itself; a role of that name would collide with them.
bool reserved_role_id(const std::string &id) {
    return id == "input" || id == "roles";
}

std::vector<fs::path> toml_files(const fs::path &dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto &de : fs::directory_iterator(dir, ec))
        if (de.path().extension() == ".toml") out.push_back(de.path());
    std::sort(out.begin(), out.end());
    return out;
}

std::optional<std::uint16_t> parse_port_number(std::string_view s) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    if (v > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(v);
}

} // namespace

// "88", "1025-5000": ports 1..65535, first <= last.
std::optional<PortRange> parse_port_range(std::string_view text, std::string *why) {
    auto dash = text.find('-');
    auto first = parse_port_number(text.substr(0, dash));
    auto last = dash == std::string_view::npos ? first : parse_port_number(text.substr(dash + 1));
    if (!first || !last) {
        if (why) *why = "'" + std::string(text) + "' is not a port or a range like 1025-5000";
        return std::nullopt;
    }
    if (*first == 0 || *last == 0) {
        if (why) *why = "port 0 is not a port a service can listen on (use 1-65535)";
        return std::nullopt;
    }
    if (*first > *last) {
        if (why) *why = "inverted range " + std::string(text) + " (first port is above last)";
        return std::nullopt;
    }
    return PortRange{*first, *last};
}

class CatalogLoader {
  public:
    explicit CatalogLoader(std::vector<Diagnostic> &out) : diags_(out) {}

    void load_dir(const fs::path &dir, bool local);
    void check_references();
    Catalog take() { return std::move(catalog_); }

  private:
    void load_service(const fs::path &file, bool local);
    void load_role(const fs::path &file, bool local);
    std::optional<Entry> load_entry(const toml::table &t, const std::string &file, int index);
    bool load_port(TableReader &r, Entry &e);
    bool check_id(TableReader &r, const std::string &id, const fs::path &file, bool role);
    template <typename T>
    void place(std::map<std::string, T> &into, T obj, bool override_flag, const char *kind);
    void check_cycles();

    Diagnostics diags_;
    Catalog catalog_;
};

bool CatalogLoader::check_id(TableReader &r, const std::string &id, const fs::path &file,
                             bool role) {
    if (!valid_id(id)) {
        r.error("id", "'" + id +
                          "' is not a valid id (lower-case letters, digits and '-', "
                          "starting with a letter, at most 40 characters)");
        return false;
    }
    if (file.stem() != id) {
        r.error("id",
                "'" + id + "' does not match the file name '" + file.filename().string() + "'");
        return false;
    }
    if (role && reserved_role_id(id)) {
        r.error("id", "'" + id + "' is reserved for one of rolewall's own chains");
        return false;
    }
    return true;
}

template <typename T>
void CatalogLoader::place(std::map<std::string, T> &into, T obj, bool override_flag,
                          const char *kind) {
    auto it = into.find(obj.id);
    const Origin &o = obj.origin;
    if (it == into.end()) {
        if (override_flag)
            diags_.add(o.file, o.line, o.column,
                       std::string("field 'override': there is no shipped ") + kind + " '" +
                           obj.id + "' to override");
        into.emplace(obj.id, std::move(obj));
        return;
    }
    if (obj.local && !it->second.local && override_flag) {
        it->second = std::move(obj);
        return;
    }
    std::string why =
        obj.local && !it->second.local ? " (set override = true to replace the shipped one)" : "";
    diags_.add(o.file, o.line, o.column,
               std::string("duplicate ") + kind + " id '" + obj.id + "': already defined in " +
                   it->second.origin.file + why);
}

bool CatalogLoader::load_port(TableReader &r, Entry &e) {
    const toml::node *port = r.node("port");
    auto range = r.string("range", false);
    if (port && range) {
        r.error("range", "give either 'port' or 'range', not both");
        return false;
    }
    if (range) {
        bool known = std::any_of(named_ranges().begin(), named_ranges().end(),
                                 [&](const NamedRange &n) { return *range == n.key; });
        if (!known) {
            std::string names;
            for (const auto &n : named_ranges())
                names += std::string(names.empty() ? "" : ", ") + n.key;
            r.error("range", "unknown named range '" + *range + "' (known: " + names + ")");
            return false;
        }
        e.kind = Entry::Kind::named_range;
        e.range = *range;
        return true;
    }
    if (!port) {
        r.error_here("a tcp or udp entry needs 'port' or 'range'");
        return false;
    }
    std::string text;
    if (port->is_integer()) {
        text = std::to_string(*port->value<std::int64_t>());
    } else if (port->is_string()) {
        text = *port->value<std::string>();
    } else {
        r.error("port", "expected a port number or a range like \"1025-5000\"");
        return false;
    }
    std::string why;
    auto pr = parse_port_range(text, &why);
    if (!pr) {
        if (port->is_integer() && !why.starts_with("port 0"))
            why = "port " + text + " is out of range 1-65535";
        r.error("port", why);
        return false;
    }
    e.kind = Entry::Kind::port;
    e.ports = *pr;
    return true;
}

std::optional<Entry> CatalogLoader::load_entry(const toml::table &t, const std::string &file,
                                               int index) {
    TableReader r(t, file, diags_, "entry[" + std::to_string(index) + "]");
    std::size_t before = diags_.count();
    Entry e;
    e.origin = {file, static_cast<int>(t.source().begin.line),
                static_cast<int>(t.source().begin.column)};
    e.application = r.string("application", true).value_or("");
    e.note = r.string("note", false).value_or("");
    r.string("source", false);
    r.node("port"); // checked below by protocol; known either way
    r.node("range");
    auto proto = r.string("protocol", true);
    if (proto) {
        if (*proto == "tcp" || *proto == "udp") {
            e.l4 = *proto == "tcp" ? L4::tcp : L4::udp;
            load_port(r, e);
        } else if (auto n = ip_protocol_number(*proto)) {
            e.kind = Entry::Kind::ip_protocol;
            e.ip_protocol = *n;
            if (r.node("port") || r.node("range"))
                r.error(r.node("port") ? "port" : "range",
                        "bare IP protocol '" + *proto + "' has no ports");
        } else {
            std::string names = "tcp, udp";
            for (const auto &p : known_ip_protocols())
                names += std::string(", ") + p.name;
            r.error("protocol",
                    "unknown protocol '" + *proto + "' (expected one of " + names + ")");
        }
    }
    r.finish();
    if (diags_.count() != before) return std::nullopt;
    return e;
}

static bool same_entry(const Entry &a, const Entry &b) {
    if (a.kind != b.kind) return false;
    switch (a.kind) {
    case Entry::Kind::port:
        return a.l4 == b.l4 && a.ports == b.ports;
    case Entry::Kind::named_range:
        return a.l4 == b.l4 && a.range == b.range;
    case Entry::Kind::ip_protocol:
        return a.ip_protocol == b.ip_protocol;
    }
    return false;
}

void CatalogLoader::load_service(const fs::path &path, bool local) {
    const std::string file = path.string();
    auto table = parse_toml_file(file, diags_);
    if (!table) return;
    TableReader r(*table, file, diags_);
    Service s;
    s.local = local;
    s.origin = {file, 1, 1};
    auto id = r.string("id", true);
    s.title = r.string("title", true).value_or("");
    s.description = r.string("description", true).value_or("");
    s.windows_service = r.string("windows_service", false).value_or("");
    s.sources = r.strings("sources", true).value_or(std::vector<std::string>{});
    s.aliases = r.strings("aliases", false).value_or(std::vector<std::string>{});
    s.note = r.string("note", false).value_or("");
    bool override_flag = local ? r.boolean("override").value_or(false) : false;
    if (const toml::node *entries = r.node("entry")) {
        const toml::array *a = entries->as_array();
        if (!a || !a->is_array_of_tables()) {
            r.error("entry", "expected [[entry]] tables");
        } else {
            int i = 0;
            for (const toml::node &n : *a) {
                ++i;
                auto e = load_entry(*n.as_table(), file, i);
                if (!e) continue;
                for (const Entry &prev : s.entries)
                    if (same_entry(prev, *e))
                        diags_.add(file, e->origin.line, e->origin.column,
                                   "entry[" + std::to_string(i) + "]: repeats the entry at line " +
                                       std::to_string(prev.origin.line));
                s.entries.push_back(std::move(*e));
            }
        }
    } else {
        r.error_here("a service needs at least one [[entry]]");
    }
    r.finish();
    if (!id || !check_id(r, *id, path, false)) return;
    s.id = *id;
    place(catalog_.services_, std::move(s), override_flag, "service");
}

void CatalogLoader::load_role(const fs::path &path, bool local) {
    const std::string file = path.string();
    auto table = parse_toml_file(file, diags_);
    if (!table) return;
    TableReader r(*table, file, diags_);
    Role role;
    role.local = local;
    role.origin = {file, 1, 1};
    auto id = r.string("id", true);
    role.title = r.string("title", true).value_or("");
    role.description = r.string("description", true).value_or("");
    role.services = r.strings("services", false).value_or(std::vector<std::string>{});
    role.includes = r.strings("includes", false).value_or(std::vector<std::string>{});
    role.sources = r.strings("sources", false).value_or(std::vector<std::string>{});
    role.note = r.string("note", false).value_or("");
    bool override_flag = local ? r.boolean("override").value_or(false) : false;
    if (role.services.empty() && role.includes.empty() && r.node("services") == nullptr)
        r.error_here("a role needs 'services' or 'includes'");
    r.finish();
    if (!id || !check_id(r, *id, path, true)) return;
    role.id = *id;
    place(catalog_.roles_, std::move(role), override_flag, "role");
}

void CatalogLoader::load_dir(const fs::path &dir, bool local) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        if (!local) diags_.add(dir.string(), "catalog directory does not exist");
        return;
    }
    if (!local && !fs::is_directory(dir / "services", ec))
        diags_.add((dir / "services").string(), "catalog directory has no services/");
    for (const auto &f : toml_files(dir / "services"))
        load_service(f, local);
    for (const auto &f : toml_files(dir / "roles"))
        load_role(f, local);
}

// Finds the line in a role file where a name is mentioned, for messages about references.
static int line_of(const std::string &file, const std::string &needle) {
    std::ifstream in(file);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n)
        if (line.find('"' + needle + '"') != std::string::npos) return n;
    return 0;
}

void CatalogLoader::check_references() {
    for (const auto &[id, role] : catalog_.roles_) {
        const std::string &file = role.origin.file;
        for (const auto &s : role.services)
            if (!catalog_.services_.count(s))
                diags_.add(file, line_of(file, s), 0,
                           "field 'services': role '" + id + "' names unknown service '" + s + "'");
        for (const auto &inc : role.includes)
            if (!catalog_.roles_.count(inc))
                diags_.add(file, line_of(file, inc), 0,
                           "field 'includes': role '" + id + "' includes unknown role '" + inc +
                               "'");
    }
    check_cycles();
}

void CatalogLoader::check_cycles() {
    enum class Mark { none, active, done };
    std::map<std::string, Mark> mark;
    std::vector<std::string> path;
    std::set<std::string> reported;
    std::function<void(const std::string &)> visit = [&](const std::string &id) {
        mark[id] = Mark::active;
        path.push_back(id);
        for (const auto &inc : catalog_.roles_.at(id).includes) {
            if (!catalog_.roles_.count(inc)) continue;
            if (mark[inc] == Mark::active) {
                auto from = std::find(path.begin(), path.end(), inc);
                std::string cycle;
                for (auto it = from; it != path.end(); ++it)
                    cycle += *it + " -> ";
                cycle += inc;
                if (reported.insert(inc).second) {
                    const auto &file = catalog_.roles_.at(id).origin.file;
                    diags_.add(file, line_of(file, inc), 0,
                               "field 'includes': include cycle " + cycle);
                }
            } else if (mark[inc] == Mark::none) {
                visit(inc);
            }
        }
        path.pop_back();
        mark[id] = Mark::done;
    };
    for (const auto &[id, role] : catalog_.roles_)
        if (mark[id] == Mark::none) visit(id);
}

Result<Catalog> Catalog::load(const fs::path &dir, const fs::path &local_dir) {
    std::vector<Diagnostic> diags;
    CatalogLoader loader(diags);
    loader.load_dir(dir, false);
    if (!local_dir.empty()) loader.load_dir(local_dir, true);
    loader.check_references();
    if (!diags.empty()) {
        Error e =
            make_error(Errc::invalid_config, "the catalog has " + std::to_string(diags.size()) +
                                                 (diags.size() == 1 ? " problem" : " problems"));
        e.diagnostics = std::move(diags);
        return e;
    }
    return loader.take();
}

} // namespace rolewall

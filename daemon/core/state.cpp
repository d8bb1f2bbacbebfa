// The state file: strict parsing, deterministic rendering, and crash-safe replacement
// (temporary file + fsync + rename + fsync of the directory).
#include "rolewall/state.hpp"

#include "toml_util.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace rolewall {

namespace {

// prepare() writes state.toml.tmp-XXXXXX (mkostemp's six characters).
std::string temporary_prefix() {
    return std::string(state_file_name) + ".tmp-";
}

std::string quote(const std::string &s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// Role ids are bare TOML keys (lower-case letters, digits, '-'); anything else is quoted.
std::string key(const std::string &s) {
    bool bare = !s.empty();
    for (char c : s)
        bare = bare && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_');
    return bare ? s : quote(s);
}

std::string list(const std::vector<std::string> &items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i)
        out += (i ? ", " : "") + quote(items[i]);
    return out + "]";
}

// saved_at = 2026-11-28T12:00:00Z: a date and time with its offset, in whole seconds; 0 when
// absent.
std::uint64_t read_saved_at(TableReader &r) {
    const toml::node *n = r.node("saved_at");
    if (!n) return 0;
    auto dt = n->value<toml::date_time>();
    using namespace std::chrono;
    if (dt && dt->offset) {
        sys_days date{year{dt->date.year} / month{dt->date.month} / day{dt->date.day}};
        auto at = date + hours{dt->time.hour} + minutes{dt->time.minute} +
                  seconds{dt->time.second} - minutes{dt->offset->minutes};
        auto usec = duration_cast<microseconds>(at.time_since_epoch()).count();
        if (usec >= 0) return static_cast<std::uint64_t>(usec);
    }
    r.error("saved_at", "expected a date and time with its offset, like 2026-11-28T12:00:00Z");
    return 0;
}

SavedRole read_role(TableReader &r, const ScopeLimits &limits) {
    SavedRole role;
    role.enabled = r.boolean("enabled").value_or(true);
    if (!r.node("enabled")) r.error_here("missing required field 'enabled' (true or false)");
    role.scope = read_scope(r, limits);
    if (!role.enabled && (r.node("interfaces") || r.node("sources")))
        r.error_here("a disabled role has no interfaces or sources");
    role.saved_at = read_saved_at(r);
    role.saved_by = r.string("saved_by", false).value_or("");
    r.finish();
    return role;
}

// One section of the file: the lines from a table header ("[roles.dc]") to the next one, or
// the lines before the first header (the top: version).
struct Section {
    int first_line = 1;
    std::string_view text;
};

std::vector<Section> split_sections(std::string_view text) {
    std::vector<Section> out{{1, {}}};
    std::size_t begin = 0;
    int line = 1;
    for (std::size_t at = 0; at <= text.size(); ++line) {
        std::size_t nl = std::min(text.find('\n', at), text.size());
        std::size_t first = text.find_first_not_of(" \t", at);
        if (first < nl && text[first] == '[' && at > 0) {
            out.back().text = text.substr(begin, at - begin);
            out.push_back({line, {}});
            begin = at;
        }
        at = nl + 1;
    }
    out.back().text = text.substr(begin);
    return out;
}

// The role a section header names, read leniently so that a damaged header still names its
// role: "[roles.dc", "[ roles . \"dc\" ]" -> "dc". nullopt when it names none.
std::optional<std::string> header_role(std::string_view section) {
    std::string h(section.substr(0, section.find('\n')));
    std::erase_if(h, [](char c) { return c == ' ' || c == '\t' || c == '"' || c == '\''; });
    if (h.rfind("[roles.", 0) != 0) return std::nullopt;
    std::string name = h.substr(7, h.find_first_of(".]", 7) - 7);
    if (name.empty()) return std::nullopt;
    return name;
}

// Reads the state file section by section into `out`.
class EntryReader {
  public:
    EntryReader(const std::string &name, const ScopeLimits &limits, StateRead &out)
        : name_(name), limits_(limits), out_(out) {}

    void section(const Section &s, bool top) {
        std::vector<Diagnostic> problems;
        Diagnostics diags(problems);
        // Padding keeps the file's line numbers in every message about this section.
        std::string text(static_cast<std::size_t>(s.first_line - 1), '\n');
        text += s.text;
        auto table = parse_toml_text(text, name_, diags);
        if (table) read_table(*table, top, diags);
        if (!table && top) version_ok_ = false;
        if (!table && !top) blame(header_role(s.text));
        take(problems);
    }

    void finish() {
        for (const auto &[role, n] : seen_)
            if (n > 1) {
                out_.problems.push_back(
                    {name_, 0, 0, "the role '" + role + "' has more than one entry"});
                out_.damaged.insert(role);
            }
        for (const auto &role : out_.damaged)
            out_.good.erase(role);
        if (!version_ok_) {
            out_.good.clear();
            out_.unattributed = true;
        }
    }

  private:
    void read_table(const toml::table &table, bool top, Diagnostics &diags) {
        TableReader t(table, name_, diags);
        std::size_t before = diags.count();
        if (top) {
            auto version = t.integer("version", true);
            if (version && *version != state_format_version)
                t.error("version", "unknown state format version " + std::to_string(*version) +
                                       " (this rolewalld reads version " +
                                       std::to_string(state_format_version) + ")");
            version_ok_ = version == state_format_version;
        }
        if (const toml::node *roles = t.node("roles")) read_roles(*roles, t);
        t.finish();
        if (diags.count() > before) out_.unattributed = true; // a problem outside any entry
    }

    // Each role's entry with diagnostics of its own, so that a problem damages only its role.
    void read_roles(const toml::node &node, TableReader &top) {
        const toml::table *roles = node.as_table();
        if (!roles) return top.error("roles", "expected a table of roles ([roles.NAME])");
        for (auto &&[k, v] : *roles) {
            std::string role(k.str());
            ++seen_[role];
            std::vector<Diagnostic> problems;
            Diagnostics mine(problems);
            if (const toml::table *t = v.as_table()) {
                TableReader r(*t, name_, mine, "roles." + role);
                SavedRole entry = read_role(r, limits_);
                if (problems.empty()) out_.good[role] = std::move(entry);
            } else {
                mine.add(name_, v.source(), "field 'roles." + role + "': expected a table");
            }
            if (!problems.empty()) out_.damaged.insert(role);
            take(problems);
        }
    }

    // A section that does not parse: its role, if the header still names one, is damaged.
    void blame(const std::optional<std::string> &role) {
        if (!role) {
            out_.unattributed = true;
            return;
        }
        out_.damaged.insert(*role);
        ++seen_[*role];
    }

    void take(std::vector<Diagnostic> &problems) {
        for (auto &p : problems)
            out_.problems.push_back(std::move(p));
    }

    const std::string &name_;
    const ScopeLimits &limits_;
    StateRead &out_;
    std::map<std::string, int> seen_; // entries per role: two of one role damage it
    bool version_ok_ = false;
};

Error io_error(const std::string &what, const fs::path &path, int err) {
    return make_error(Errc::io, "cannot " + what + " " + path.string() + ": " + std::strerror(err));
}

// Writes all of `text` to fd; false with errno set on failure.
bool write_all(int fd, const std::string &text) {
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

Status fsync_dir(const fs::path &dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return io_error("open directory", dir, errno);
    int r = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (r < 0) return io_error("sync directory", dir, err);
    return Ok{};
}

} // namespace

StateRead read_state(const std::string &text, const std::string &name, const ScopeLimits &limits) {
    StateRead out;
    EntryReader reader(name, limits, out);
    auto sections = split_sections(text);
    for (std::size_t i = 0; i < sections.size(); ++i)
        reader.section(sections[i], i == 0);
    reader.finish();
    return out;
}

Error StateRead::error(const std::string &name) const {
    std::size_t n = problems.size();
    Error e =
        make_error(Errc::invalid_config, "the state file " + name + " has " + std::to_string(n) +
                                             (n == 1 ? " problem" : " problems"));
    e.diagnostics = problems;
    return e;
}

Result<SavedState> parse_state(const std::string &text, const std::string &name,
                               const ScopeLimits &limits) {
    StateRead read = read_state(text, name, limits);
    if (!read.clean()) return read.error(name);
    return std::move(read.good);
}

std::string utc_time_text(std::uint64_t usec) {
    std::time_t t = static_cast<std::time_t>(usec / 1000000u);
    std::tm tm{};
    char buf[32] = "";
    if (gmtime_r(&t, &tm)) std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::uint64_t realtime_usec() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

std::string render_state(const SavedState &state) {
    std::string out =
        "# Written by rolewalld: roles enabled or disabled with \"rolewallctl enable/disable\"\n"
        "# without --runtime. They overlay the config. Do not edit while rolewalld runs.\n"
        "version = " +
        std::to_string(state_format_version) + "\n";
    for (const auto &[name, role] : state) {
        out += "\n[roles." + key(name) + "]\n";
        out += std::string("enabled = ") + (role.enabled ? "true" : "false") + "\n";
        if (role.enabled && !role.scope.interfaces.empty())
            out += "interfaces = " + list(role.scope.interfaces) + "\n";
        if (role.enabled && !role.scope.sources.empty())
            out += "sources = " + list(source_strings(role.scope.sources)) + "\n";
        if (role.saved_at) out += "saved_at = " + utc_time_text(role.saved_at) + "\n";
        if (!role.saved_by.empty()) out += "saved_by = " + quote(role.saved_by) + "\n";
    }
    return out;
}

StateRead StateFile::read(const ScopeLimits &limits) const {
    const fs::path file = path();
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        int err = errno;
        std::error_code ec;
        if (!fs::exists(file, ec) && !ec) return StateRead{};
        StateRead unreadable;
        unreadable.unattributed = true;
        unreadable.problems.push_back(
            {file.string(), 0, 0, std::string("cannot be read: ") + std::strerror(err)});
        return unreadable;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return read_state(ss.str(), file.string(), limits);
}

Result<fs::path> StateFile::move_aside() const {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    fs::path target = dir_ / (std::string(state_file_name) + ".corrupt-" + stamp);
    // Two bad files within one second: number the later ones instead of overwriting.
    for (int n = 1; fs::exists(target); ++n)
        target =
            dir_ / (std::string(state_file_name) + ".corrupt-" + stamp + "-" + std::to_string(n));
    if (::rename(path().c_str(), target.c_str()) < 0) return io_error("move aside", path(), errno);
    if (auto s = fsync_dir(dir_); !s) return s.error();
    return target;
}

Result<PendingWrite> StateFile::prepare(const SavedState &state) const {
    // 0755 whatever the umask: a state directory others could write to is refused at start.
    std::error_code ec;
    fs::create_directories(dir_.parent_path(), ec);
    if (!ec && ::mkdir(dir_.c_str(), 0755) < 0 && errno != EEXIST)
        ec = std::error_code(errno, std::generic_category());
    if (ec)
        return make_error(Errc::io, "cannot create the state directory " + dir_.string() + ": " +
                                        ec.message());
    std::string temp = (dir_ / (temporary_prefix() + "XXXXXX")).string();
    int fd = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0) return io_error("create a temporary file in", dir_, errno);
    PendingWrite pending(temp, path()); // removes the file on every early return below
    // The file is readable by all: it only says which roles are enabled, as the bus does.
    bool good = ::fchmod(fd, 0644) == 0 && write_all(fd, render_state(state)) && ::fsync(fd) == 0;
    int err = errno;
    if (::close(fd) < 0 && good) {
        good = false;
        err = errno;
    }
    if (!good) return io_error("write", temp, err);
    return pending;
}

std::vector<fs::path> StateFile::remove_temporaries() const {
    std::vector<fs::path> removed;
    std::error_code ec;
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (name.rfind(temporary_prefix(), 0) != 0 || !it->is_regular_file(ec)) continue;
        if (::unlink(it->path().c_str()) == 0) removed.push_back(it->path());
    }
    return removed;
}

PendingWrite::PendingWrite(fs::path temp, fs::path target)
    : temp_(std::move(temp)), target_(std::move(target)) {}

PendingWrite::PendingWrite(PendingWrite &&other) noexcept
    : temp_(std::move(other.temp_)), target_(std::move(other.target_)) {
    other.temp_.clear();
}

PendingWrite::~PendingWrite() {
    if (!temp_.empty()) ::unlink(temp_.c_str());
}

Status PendingWrite::commit() {
    if (::rename(temp_.c_str(), target_.c_str()) < 0) return io_error("replace", target_, errno);
    temp_.clear();
    // The rename is the commit point: the new state is in place. A failed fsync of the
    // directory only means the rename may not survive a power cut; it is not a reason to
    // undo a change that is already visible.
    (void)fsync_dir(target_.parent_path());
    return Ok{};
}

} // namespace rolewall

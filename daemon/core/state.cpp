// The state file: strict parsing, deterministic rendering, and crash-safe replacement
// (temporary file + fsync + rename + fsync of the directory).
#include "rolewall/state.hpp"

#include "toml_util.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <sstream>
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

// A non-empty list of strings; each item checked by `check` (empty string: good).
template <typename F> void read_list(TableReader &r, const char *field, F check) {
    auto items = r.strings(field, false);
    if (!items) return;
    if (items->empty()) r.error(field, "an empty list is not written by rolewalld");
    for (const auto &item : *items)
        if (std::string why = check(item); !why.empty()) r.error(field, why);
}

SavedRole read_role(TableReader &r) {
    SavedRole role;
    role.enabled = r.boolean("enabled").value_or(true);
    if (!r.node("enabled")) r.error_here("missing required field 'enabled' (true or false)");
    read_list(r, "interfaces", [&](const std::string &i) {
        std::string why;
        if (!valid_interface_name(i, &why)) return why;
        role.scope.interfaces.push_back(i);
        return std::string();
    });
    read_list(r, "sources", [&](const std::string &s) {
        auto c = Cidr::parse(s);
        if (!c) return c.error().message;
        role.scope.sources.push_back(*c);
        return std::string();
    });
    if (!role.enabled && (r.node("interfaces") || r.node("sources")))
        r.error_here("a disabled role has no interfaces or sources");
    r.finish();
    role.scope.normalize();
    return role;
}

void read_roles(const toml::node &node, TableReader &top, SavedState &state, Diagnostics &diags) {
    const toml::table *roles = node.as_table();
    if (!roles) {
        top.error("roles", "expected a table of roles ([roles.NAME])");
        return;
    }
    for (auto &&[k, v] : *roles) {
        std::string name(k.str());
        const toml::table *t = v.as_table();
        if (!t) {
            diags.add(top.file(), v.source(), "field 'roles." + name + "': expected a table");
            continue;
        }
        TableReader r(*t, top.file(), diags, "roles." + name);
        state[name] = read_role(r);
    }
}

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

Result<SavedState> parse_state(const std::string &text, const std::string &name) {
    std::vector<Diagnostic> out;
    Diagnostics diags(out);
    SavedState state;
    if (auto table = parse_toml_text(text, name, diags)) {
        TableReader top(*table, name, diags);
        auto version = top.integer("version", true);
        if (version && *version != state_format_version)
            top.error("version", "unknown state format version " + std::to_string(*version) +
                                     " (this rolewalld reads version " +
                                     std::to_string(state_format_version) + ")");
        if (const toml::node *roles = top.node("roles")) read_roles(*roles, top, state, diags);
        top.finish();
    }
    if (!out.empty()) {
        Error e = make_error(Errc::invalid_config, "the state file " + name + " is not valid");
        e.diagnostics = std::move(out);
        return e;
    }
    return state;
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
        if (!role.enabled) continue;
        if (!role.scope.interfaces.empty())
            out += "interfaces = " + list(role.scope.interfaces) + "\n";
        if (!role.scope.sources.empty()) {
            std::vector<std::string> s;
            for (const auto &c : role.scope.sources)
                s.push_back(c.str());
            out += "sources = " + list(s) + "\n";
        }
    }
    return out;
}

Result<SavedState> StateFile::read() const {
    const fs::path file = path();
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        int err = errno;
        std::error_code ec;
        if (!fs::exists(file, ec) && !ec) return SavedState{};
        Error e =
            make_error(Errc::invalid_config, "the state file " + file.string() + " cannot be read");
        e.diagnostics.push_back({file.string(), 0, 0, std::strerror(err)});
        return e;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_state(ss.str(), file.string());
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
    std::error_code ec;
    fs::create_directories(dir_, ec);
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

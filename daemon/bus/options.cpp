#include "options.hpp"

#include "bus_names.hpp"

#include <algorithm>

namespace rolewall::bus {

namespace {

const char *type_of(const OptionValue &v) {
    static const char *const names[] = {"b", "u", "s", "as"};
    return names[v.index()];
}

const OptionSpec *spec_of(const std::vector<OptionSpec> &spec, const std::string &key) {
    auto it =
        std::find_if(spec.begin(), spec.end(), [&](const OptionSpec &s) { return key == s.key; });
    return it == spec.end() ? nullptr : &*it;
}

std::string keys_of(const std::vector<OptionSpec> &spec) {
    std::string out;
    for (const auto &s : spec)
        out += (out.empty() ? "" : ", ") + std::string(s.key);
    return out;
}

Error bad(const std::string &message) {
    return make_error(Errc::invalid_argument, message);
}

template <typename T>
std::optional<T> get(const std::map<std::string, OptionValue> &values, const std::string &key) {
    auto it = values.find(key);
    if (it == values.end()) return std::nullopt;
    return std::get<T>(it->second);
}

// The rules every entry follows, checked before its value is read.
Status check_entry(const std::vector<OptionSpec> &spec, const OptionSet &set,
                   const std::string &key, const std::string &type) {
    const OptionSpec *s = spec_of(spec, key);
    if (!s) return bad("unknown option '" + key + "' (this method takes: " + keys_of(spec) + ")");
    if (set.has(key)) return bad("option '" + key + "' is given more than once");
    if (type != s->type)
        return bad("option '" + key + "' must have type '" + s->type + "', not '" + type + "'");
    return Ok{};
}

} // namespace

std::optional<bool> OptionSet::boolean(const std::string &key) const {
    return get<bool>(values_, key);
}
std::optional<std::uint32_t> OptionSet::number(const std::string &key) const {
    return get<std::uint32_t>(values_, key);
}
std::optional<std::string> OptionSet::string(const std::string &key) const {
    return get<std::string>(values_, key);
}
std::optional<std::vector<std::string>> OptionSet::strings(const std::string &key) const {
    return get<std::vector<std::string>>(values_, key);
}

Status OptionSet::add(const std::vector<OptionSpec> &spec, std::string key, OptionValue value) {
    if (auto s = check_entry(spec, *this, key, type_of(value)); !s) return s;
    values_.emplace(std::move(key), std::move(value));
    return Ok{};
}

std::vector<OptionSpec> enable_options(const ScopeLimits &limits) {
    std::size_t ifs = limits.max_interfaces, srcs = limits.max_sources;
    return {
        {option_interfaces, "as", ifs},
        {option_sources, "as", srcs},
        {option_any_interface, "b"},
        {option_any_source, "b"},
        {option_add_interfaces, "as", ifs},
        {option_remove_interfaces, "as", ifs},
        {option_add_sources, "as", srcs},
        {option_remove_sources, "as", srcs},
        {option_runtime, "b"},
        {option_dry_run, "b"},
        {option_timeout, "u"},
        {option_confirm, "u"},
        {option_force, "b"},
        {option_ssh_connection, "s"},
    };
}

std::vector<OptionSpec> disable_options() {
    return {{option_runtime, "b"}, {option_dry_run, "b"}, {option_timeout, "u"},
            {option_confirm, "u"}, {option_force, "b"},   {option_ssh_connection, "s"}};
}

std::vector<OptionSpec> revert_options() {
    return {{option_all, "b"},
            {option_dry_run, "b"},
            {option_confirm, "u"},
            {option_force, "b"},
            {option_ssh_connection, "s"}};
}

std::vector<OptionSpec> reload_options() {
    return {{option_confirm, "u"}, {option_force, "b"}, {option_ssh_connection, "s"}};
}

Result<ChangeOptions> reload_request(const OptionSet &o) {
    ChangeOptions change;
    if (auto s = read_confirm(o, change); !s) return s.error();
    if (auto s = read_guard(o, change); !s) return s.error();
    return change;
}

Status read_guard(const OptionSet &o, ChangeOptions &change) {
    change.force = o.boolean(option_force).value_or(false);
    auto text = o.string(option_ssh_connection);
    if (!text) return Ok{};
    auto ssh = parse_ssh_connection(*text);
    if (!ssh) return bad("option 'ssh_connection': " + ssh.error().message);
    if (locate(*ssh)) change.ssh = std::move(*ssh);
    return Ok{};
}

namespace {

// The value of one entry, entered with enterVariant(); nullopt with `type` set for a type no
// option has (the variant is skipped).
std::optional<OptionValue> read_value(sdbus::Message &m, const std::string &contents,
                                      std::size_t max_items, const std::string &key,
                                      Status &status) {
    if (contents == "b" || contents == "u" || contents == "s") {
        m.enterVariant(contents);
        OptionValue v;
        if (contents == "b")
            m >> v.emplace<bool>();
        else if (contents == "u")
            m >> v.emplace<std::uint32_t>();
        else
            m >> v.emplace<std::string>();
        m.exitVariant();
        return v;
    }
    if (contents != "as") {
        sdbus::Variant skipped;
        m >> skipped;
        return std::nullopt;
    }
    m.enterVariant("as");
    m.enterContainer("s");
    std::vector<std::string> items;
    for (std::string item; m >> item;) {
        if (max_items && items.size() == max_items) {
            status = make_error(Errc::limit_exceeded, "option '" + key + "' holds more than " +
                                                          std::to_string(max_items) +
                                                          " items, the most it may hold");
            return std::nullopt;
        }
        items.push_back(std::move(item));
    }
    m.clearFlags();
    m.exitContainer();
    m.exitVariant();
    return OptionValue(std::move(items));
}

Status read_entry(sdbus::Message &m, const std::vector<OptionSpec> &spec, OptionSet &out) {
    std::string key, type, contents;
    m >> key;
    m.peekType(type, contents);
    if (auto s = check_entry(spec, out, key, contents); !s) return s;
    Status status = Ok{};
    auto value = read_value(m, contents, spec_of(spec, key)->max_items, key, status);
    if (!status) return status;
    if (!value) return bad("option '" + key + "' has a type no option has");
    return out.add(spec, std::move(key), std::move(*value));
}

} // namespace

Result<OptionSet> read_options(sdbus::Message &m, const std::vector<OptionSpec> &spec) {
    OptionSet out;
    try {
        if (!m.enterContainer("{sv}")) return bad("the options are not an a{sv}");
        while (m.enterDictEntry("sv")) {
            if (auto s = read_entry(m, spec, out); !s) return s.error();
            m.exitDictEntry();
        }
        m.clearFlags();
        m.exitContainer();
    } catch (const sdbus::Error &e) {
        return bad("the options cannot be read: " + e.getMessage());
    }
    return out;
}

Result<OptionSet> read_call_options(const sdbus::Message &call, int index,
                                    const std::vector<OptionSpec> &spec) {
    // sd-bus keeps the read position in the message itself; sdbus-c++ offers no const way to
    // read, and the handler that calls this is the message's only reader at this point.
    auto &m = const_cast<sdbus::Message &>(call);
    try {
        m.rewind(true);
        for (int i = 0; i < index; ++i) {
            std::string type, contents;
            m.peekType(type, contents);
            if (type == "s") {
                std::string skipped;
                m >> skipped;
            } else {
                std::vector<std::string> skipped;
                m >> skipped;
            }
        }
    } catch (const sdbus::Error &e) {
        return bad("the arguments cannot be read: " + e.getMessage());
    }
    return read_options(m, spec);
}

Status read_confirm(const OptionSet &o, ChangeOptions &change) {
    auto confirm = o.number(option_confirm);
    if (!confirm) return Ok{};
    if (*confirm < 1 || *confirm > max_confirm)
        return bad("option 'confirm': " + std::to_string(*confirm) + " is not between 1 and " +
                   std::to_string(max_confirm) + " seconds");
    change.confirm = *confirm;
    return Ok{};
}

Result<RoleRequest> role_request(const OptionSet &o) {
    RoleRequest r;
    auto dimension = [&](DimensionRequest &d, const char *whole, const char *any, const char *add,
                         const char *remove) -> Status {
        d.replace = o.strings(whole);
        d.any = o.boolean(any).value_or(false);
        d.add = o.strings(add).value_or(std::vector<std::string>{});
        d.remove = o.strings(remove).value_or(std::vector<std::string>{});
        // An empty list given for an increment is as wrong as an empty scope.
        for (const char *key : {add, remove})
            if (o.has(key) && o.strings(key)->empty())
                return bad("option '" + std::string(key) + "': an empty list changes nothing");
        return Ok{};
    };
    if (auto s = dimension(r.scope.interfaces, option_interfaces, option_any_interface,
                           option_add_interfaces, option_remove_interfaces);
        !s)
        return s.error();
    if (auto s = dimension(r.scope.sources, option_sources, option_any_source, option_add_sources,
                           option_remove_sources);
        !s)
        return s.error();
    r.change.runtime = o.boolean(option_runtime).value_or(false);
    r.change.dry_run = o.boolean(option_dry_run).value_or(false);
    if (auto timeout = o.number(option_timeout)) {
        if (*timeout < 1 || *timeout > max_timeout)
            return bad("option 'timeout': " + std::to_string(*timeout) + " is not between 1 and " +
                       std::to_string(max_timeout) + " seconds");
        if (o.has(option_runtime) && !r.change.runtime)
            return bad("option 'timeout' makes a runtime change: it cannot go with runtime=false");
        r.change.timeout = *timeout;
        r.change.runtime = true;
    }
    if (auto s = read_confirm(o, r.change); !s) return s.error();
    if (auto s = read_guard(o, r.change); !s) return s.error();
    if (r.change.timeout && r.change.confirm)
        return bad("options 'timeout' and 'confirm' do not go together: a timed change is "
                   "undone anyway");
    return r;
}

Result<RevertRequest> revert_request(const std::vector<std::string> &names, const OptionSet &o) {
    RevertRequest r;
    r.all = o.boolean(option_all).value_or(false);
    r.change.dry_run = o.boolean(option_dry_run).value_or(false);
    if (r.all && !names.empty())
        return bad("option 'all' reverts every role with a saved or runtime entry: give no "
                   "names with it");
    if (!r.all && names.empty())
        return bad("no role to revert: name the roles, or give option 'all' (true)");
    if (auto s = read_confirm(o, r.change); !s) return s.error();
    if (auto s = read_guard(o, r.change); !s) return s.error();
    return r;
}

} // namespace rolewall::bus

#include "harness.hpp"

#include "kernel/nft_backend.hpp"
#include "rolewall/config.hpp"
#include "rolewall/manager.hpp"
#include "rolewall/state.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <grp.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace bustest {

namespace {

[[noreturn]] void die(const char *what) {
    std::fprintf(stderr, "harness child: %s: %s\n", what, std::strerror(errno));
    _exit(120);
}

using testsupport::die_with_parent;

void enter_ns(pid_t holder, int type) {
    std::string path =
        "/proc/" + std::to_string(holder) + "/ns/" + (type == CLONE_NEWUSER ? "user" : "net");
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, type) < 0) die(("setns " + path).c_str());
    ::close(fd);
}

void enter_named_netns(const std::string &name) {
    std::string path = "/run/netns/" + name;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) die(("setns " + path).c_str());
    ::close(fd);
}

void become(uid_t uid) {
    if (setgroups(0, nullptr) < 0 || setgid(uid) < 0 || setuid(uid) < 0) die("setuid");
}

std::string slurp(int fd) {
    std::string out;
    ::lseek(fd, 0, SEEK_SET);
    char buf[8192];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
        out.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return out;
}

// Waits for a child until the deadline, then kills it. Returns the exit code or 128 + signal.
int wait_child(pid_t pid, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) return -1;
        if (Clock::now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -2; // timed out
        }
        std::this_thread::sleep_for(1ms);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<char *> c_args(const std::vector<std::string> &argv) {
    std::vector<char *> out;
    for (const auto &a : argv)
        out.push_back(const_cast<char *>(a.c_str()));
    out.push_back(nullptr);
    return out;
}

// A mount namespace where `dir` is /run/systemd/journal (on a tmpfs over /run/systemd), and the
// environment systemd gives a service (with journal_stream_is_stderr()), so that rolewalld logs
// to the journal socket there.
void journal_in(const fs::path &dir) {
    if (unshare(CLONE_NEWNS) < 0) die("unshare(mount)");
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) die("mount private");
    if (mount("tmpfs", "/run/systemd", "tmpfs", 0, "mode=0755") < 0) die("mount tmpfs");
    if (mkdir("/run/systemd/journal", 0755) < 0) die("mkdir");
    if (mount(dir.c_str(), "/run/systemd/journal", nullptr, MS_BIND, nullptr) < 0) die("bind");
    setenv("INVOCATION_ID", "0123456789abcdef0123456789abcdef", 1);
}

// JOURNAL_STREAM naming what fd 2 is now, as systemd sets it for a service whose stderr goes
// to the journal.
void journal_stream_is_stderr() {
    struct stat st {};
    if (fstat(2, &st) < 0) die("fstat");
    std::string value = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    setenv("JOURNAL_STREAM", value.c_str(), 1);
}

} // namespace

namespace {
bool tests_as_real_root = false;
} // namespace

std::string enter_test_namespace() {
    tests_as_real_root = geteuid() == 0;
    if (tests_as_real_root) return "";
    std::string why = testsupport::unshare_as_root();
    return why.empty() ? "" : "they need root or a user namespace (" + why + ")";
}

bool real_root() {
    return tests_as_real_root;
}

bool have_root() {
    return geteuid() == 0;
}

Run run(const std::vector<std::string> &argv, const RunOptions &o) {
    testsupport::RunOptions t;
    t.env = o.env;
    t.timeout = o.timeout;
    pid_t parent = getpid();
    t.in_child = [&o, parent] {
        if (o.netns_of) enter_ns(o.netns_of, CLONE_NEWNET);
        if (!o.uid) return;
        become(*o.uid);
        die_with_parent(parent); // setuid() cleared the death signal
    };
    return testsupport::run(argv, t);
}

// ---------------------------------------------------------------------------------------------

Netns::Netns() {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) throw std::runtime_error("pipe");
    pid_t parent = getpid();
    holder_ = fork();
    if (holder_ == 0) {
        die_with_parent(parent);
        ::close(p[0]);
        if (std::string why = testsupport::unshare_as_root(CLONE_NEWNET); !why.empty()) {
            std::fprintf(stderr, "harness child: %s\n", why.c_str());
            _exit(120);
        }
        if (::write(p[1], "x", 1) != 1) die("write");
        for (;;)
            pause();
    }
    ::close(p[1]);
    char c = 0;
    bool ready = ::read(p[0], &c, 1) == 1;
    ::close(p[0]);
    if (!ready) throw std::runtime_error("the namespace holder did not start");
}

Netns::~Netns() {
    kill(holder_, SIGKILL);
    waitpid(holder_, nullptr, 0);
}

Run Netns::nft(const std::vector<std::string> &args) const {
    std::vector<std::string> argv{"nft"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions o;
    o.netns_of = holder_;
    return run(argv, o);
}

bool Netns::table_exists() const {
    return nft({"list", "table", "inet", "rolewall"}).status == 0;
}

std::set<std::string> Netns::kernel_roles() const {
    std::set<std::string> out;
    // The sets, not the table: nft 1.0.6 ends its JSON at the flags of a table that is only
    // persist (the table a stopped rolewalld leaves), and the parse would fail.
    Run r = nft({"-j", "list", "sets", "inet"});
    if (r.status != 0) return out;
    auto doc = nlohmann::json::parse(r.out);
    for (const auto &item : doc.at("nftables")) {
        if (!item.contains("set")) continue;
        const auto &set = item["set"];
        if (set.value("table", "") != "rolewall") continue;
        if (!set.contains("elem") || set["elem"].empty()) continue;
        auto name = set.at("name").get<std::string>();
        out.insert(name.substr(0, name.rfind('_')));
    }
    return out;
}

std::vector<rolewall::SetContent> Netns::read_sets() const {
    // A netlink socket belongs to the namespace it was created in: make it there, come back.
    int self = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    std::string target = "/proc/" + std::to_string(holder_) + "/ns/net";
    int fd = ::open(target.c_str(), O_RDONLY | O_CLOEXEC);
    if (self < 0 || fd < 0 || setns(fd, CLONE_NEWNET) < 0)
        throw std::runtime_error("cannot enter " + target);
    auto backend = rolewall::NftBackend::open();
    setns(self, CLONE_NEWNET);
    ::close(self);
    ::close(fd);
    if (!backend) throw std::runtime_error(backend.error().describe());
    auto sets = (*backend)->read();
    if (!sets) throw std::runtime_error(sets.error().describe());
    return *sets;
}

// ---------------------------------------------------------------------------------------------

PrivateBus::PrivateBus(fs::path dir, bool start_now, const fs::path &service_dir)
    : dir_(std::move(dir)), socket_(dir_ / "bus.sock") {
    std::string conf = read_file(source_dir() + "/tests/data/system-bus.conf.in");
    auto put = [&conf](const std::string &name, const std::string &value) {
        for (auto at = conf.find(name); at != std::string::npos;
             at = conf.find(name, at + value.size()))
            conf.replace(at, name.size(), value);
    };
    put("@LISTEN@", "unix:path=" + socket_.string());
    put("@POLICY@", source_dir() + "/etc/dbus-1/system.d/org.rolewall1.conf");
    // The polkit stand-in (root) may own its name and be called, as polkitd's own policy
    // allows on a real system bus; activation files only when asked for.
    std::string extra = "  <policy context=\"default\">\n"
                        "    <allow send_destination=\"org.freedesktop.PolicyKit1\"/>\n"
                        "  </policy>\n"
                        "  <policy user=\"root\">\n"
                        "    <allow own=\"org.freedesktop.PolicyKit1\"/>\n"
                        "  </policy>\n"
                        // The real polkitd (tests/bus/polkit_test.cpp) owns it as its own user.
                        "  <include ignore_missing=\"yes\">"
                        "/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf</include>\n";
    if (!service_dir.empty()) extra += "  <servicedir>" + service_dir.string() + "</servicedir>\n";
    conf.insert(conf.rfind("</busconfig>"), extra);
    std::ofstream(dir_ / "bus.conf") << conf;
    if (start_now) start();
}

PrivateBus::~PrivateBus() {
    stop();
}

void PrivateBus::start() {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) throw std::runtime_error("pipe");
    pid_t parent = getpid();
    std::string conf = "--config-file=" + (dir_ / "bus.conf").string();
    pid_ = fork();
    if (pid_ == 0) {
        die_with_parent(parent, SIGTERM);
        ::close(p[0]);
        dup2(p[1], 3); // --print-address=3 (dup2 clears FD_CLOEXEC on the copy)
        int log = ::open((dir_ / "dbus-daemon.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(log, 1);
        dup2(log, 2);
        execlp("dbus-daemon", "dbus-daemon", conf.c_str(), "--nofork", "--print-address=3",
               static_cast<char *>(nullptr));
        die("dbus-daemon");
    }
    ::close(p[1]);
    pollfd pfd{p[0], POLLIN, 0};
    char buf[512] = {};
    bool ready = ::poll(&pfd, 1, 10000) == 1 && ::read(p[0], buf, sizeof buf - 1) > 0;
    ::close(p[0]);
    if (!ready)
        throw std::runtime_error("dbus-daemon did not start: " +
                                 read_file(dir_ / "dbus-daemon.log"));
}

void PrivateBus::stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    wait_child(pid_, 10s);
    pid_ = -1;
    ::unlink(socket_.c_str());
}

// ---------------------------------------------------------------------------------------------

NotifySocket::NotifySocket(const fs::path &dir, const std::string &name) : path_(dir / name) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path_.c_str(), sizeof sa.sun_path - 1);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr *>(&sa), sizeof sa) < 0)
        throw std::runtime_error("cannot bind " + path_.string());
}

NotifySocket::~NotifySocket() {
    ::close(fd_);
}

bool NotifySocket::wait_for(const std::string &line, std::chrono::milliseconds timeout,
                            const std::function<void(const std::string &)> &each) {
    auto has = [&](const std::string &msg) {
        return ("\n" + msg + "\n").find("\n" + line + "\n") != std::string::npos;
    };
    auto deadline = Clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        pollfd pfd{fd_, POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(left.count())) != 1) continue;
        char buf[4096];
        ssize_t n = recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) continue;
        std::string msg(buf, static_cast<size_t>(n));
        received_.push_back(msg);
        if (each) each(msg);
        if (has(msg)) return true;
    }
}

// ---------------------------------------------------------------------------------------------

DaemonProcess::DaemonProcess(const Netns &ns, fs::path dir, Options options)
    : ns_(ns), dir_(std::move(dir)), options_(std::move(options)) {}

DaemonProcess::~DaemonProcess() {
    if (running()) stop(SIGTERM);
}

void DaemonProcess::start() {
    std::vector<std::string> argv{options_.binary, "--config=" + options_.config.string(),
                                  "--catalog=" + options_.catalog.string(),
                                  "--local-catalog=" + options_.local_catalog.string(),
                                  "--state-dir=" + options_.state_dir.string()};
    argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
    std::string log = (dir_ / "rolewalld.log").string();
    pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
        die_with_parent(parent);
        if (options_.netns_name.empty()) {
            enter_ns(ns_.holder(), CLONE_NEWUSER); // root in the namespace, as with unshare -rn
            enter_ns(ns_.holder(), CLONE_NEWNET);
        } else {
            enter_named_netns(options_.netns_name);
        }
        die_with_parent(parent);
        if (!options_.journal_dir.empty()) journal_in(options_.journal_dir);
        setenv("DBUS_SYSTEM_BUS_ADDRESS", options_.bus_address.c_str(), 1);
        if (options_.notify_socket.empty())
            unsetenv("NOTIFY_SOCKET");
        else
            setenv("NOTIFY_SOCKET", options_.notify_socket.c_str(), 1);
        if (options_.journal_dir.empty()) unsetenv("INVOCATION_ID"); // stderr, not the journal
        unsetenv("JOURNAL_STREAM");
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        if (!options_.journal_dir.empty()) journal_stream_is_stderr();
        auto args = c_args(argv);
        execv(args[0], args.data());
        die("exec rolewalld");
    }
}

int DaemonProcess::stop(int sig) {
    if (pid_ <= 0) return -1;
    kill(pid_, sig);
    int status = wait_child(pid_, 10s);
    pid_ = -1;
    return status;
}

std::string DaemonProcess::log() const {
    return read_file(dir_ / "rolewalld.log");
}

// ---------------------------------------------------------------------------------------------

Client::Client(const std::string &address)
    : ConnectionHolder{sdbus::createSessionBusConnectionWithAddress(address)},
      ProxyInterfaces(*connection_, rolewall::bus::service_name, rolewall::bus::object_path) {
    connection_->setMethodCallTimeout(10s);
    registerProxy();
}

Client::~Client() {
    unregisterProxy();
}

bool Client::pump(const std::function<bool()> &done, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (!done()) {
        if (connection_->processPendingRequest()) continue;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return done();
        auto p = connection_->getEventLoopPollData();
        pollfd pfd{p.fd, p.events, 0};
        int t = p.getPollTimeout();
        ::poll(&pfd, 1,
               t < 0 ? static_cast<int>(left.count())
                     : std::min<int>(t, static_cast<int>(left.count())));
    }
    return true;
}

void Client::onRoleChanged(const std::string &name, const bool &enabled) {
    role_changed.emplace_back(name, enabled);
}

void Client::onPropertiesChanged(const std::string &,
                                 const std::map<std::string, sdbus::Variant> &changed,
                                 const std::vector<std::string> &invalidated) {
    std::vector<std::string> names = invalidated;
    for (const auto &[k, v] : changed)
        names.push_back(k);
    properties_changed.push_back(names);
}

FakePolkit::FakePolkit(const std::string &address, const std::string &answer, const fs::path &dir)
    : log_(dir / "polkit.log") {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) throw std::runtime_error("pipe");
    pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
        die_with_parent(parent, SIGTERM);
        dup2(p[1], 1);
        execl(FAKE_POLKIT, FAKE_POLKIT, address.c_str(), answer.c_str(), log_.c_str(),
              static_cast<char *>(nullptr));
        die("fake_polkit");
    }
    ::close(p[1]);
    pollfd pfd{p[0], POLLIN, 0};
    char buf[64] = {};
    bool ready = ::poll(&pfd, 1, 10000) == 1 && ::read(p[0], buf, sizeof buf - 1) > 0;
    ::close(p[0]);
    if (!ready) throw std::runtime_error("fake_polkit did not start");
}

FakePolkit::~FakePolkit() {
    kill(pid_, SIGTERM);
    wait_child(pid_, 10s);
}

std::string error_of(const std::function<void()> &call) {
    try {
        call();
        return "";
    } catch (const sdbus::Error &e) {
        return e.getName();
    }
}

bool name_has_owner(const std::string &address, const std::string &name) {
    try {
        auto conn = sdbus::createSessionBusConnectionWithAddress(address);
        auto proxy = sdbus::createProxy(*conn, "org.freedesktop.DBus", "/org/freedesktop/DBus");
        bool has = false;
        proxy->callMethod("NameHasOwner")
            .onInterface("org.freedesktop.DBus")
            .withArguments(name)
            .storeResultsTo(has);
        return has;
    } catch (const sdbus::Error &) {
        return false;
    }
}

bool wait_for_daemon(const std::string &address, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (name_has_owner(address, rolewall::bus::service_name)) return true;
        std::this_thread::sleep_for(5ms);
    }
    return false;
}

std::string as_uid(uid_t uid, const std::string &address,
                   const std::function<std::string(Client &)> &body,
                   std::chrono::milliseconds timeout) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return "child failed: pipe";
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        ::close(p[0]);
        become(uid);
        die_with_parent(parent);
        std::string result;
        try {
            Client c(address);
            result = body(c);
        } catch (const sdbus::Error &e) {
            result = "exception: " + e.getName() + ": " + e.getMessage();
        } catch (const std::exception &e) {
            result = std::string("exception: ") + e.what();
        }
        if (::write(p[1], result.data(), result.size()) < 0) _exit(1);
        _exit(0); // no destructors of the parent's objects in the child
    }
    ::close(p[1]);
    int status = wait_child(pid, timeout);
    std::string result = slurp(p[0]);
    if (status != 0) return "child failed: status " + std::to_string(status) + " " + result;
    return result;
}

// ---------------------------------------------------------------------------------------------

Setup::Setup(const Params &p)
    : ns(), bus(dir.path(), p.start_bus),
      notify(p.notify ? std::make_unique<NotifySocket>(dir.path()) : nullptr),
      daemon(ns, dir.path(),
             {dir.path() / "rolewall.toml",
              p.catalog,
              dir.path() / "local",
              dir.path() / "state",
              bus.address(),
              notify ? notify->path() : "",
              {},
              p.binary,
              {},
              {}}) {
    dir.write("rolewall.toml", p.config);
    if (!p.start_daemon) return;
    daemon.start();
    if (p.start_bus && !wait_for_daemon(address()))
        throw std::runtime_error("rolewalld did not appear on the bus:\n" + daemon.log());
}

Setup::~Setup() {
    client_.reset();
    daemon.stop(SIGTERM);
}

Client &Setup::client() {
    if (!client_) client_ = std::make_unique<Client>(address());
    return *client_;
}

void Setup::restart() {
    client_.reset();
    daemon.stop(SIGTERM);
    daemon.start();
    if (!wait_for_daemon(address()))
        throw std::runtime_error("rolewalld did not come back on the bus:\n" + daemon.log());
}

Run Setup::ctl(const std::vector<std::string> &args, std::optional<uid_t> uid) {
    std::vector<std::string> argv{ROLEWALLCTL};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions o;
    o.env["DBUS_SYSTEM_BUS_ADDRESS"] = address();
    o.uid = uid;
    return run(argv, o);
}

// ---------------------------------------------------------------------------------------------

namespace {

// The elements of the sets that have any: the empty sets of a disabled role's shell (and of
// an enabled role without IPv4 or IPv6 sources) are left out.
using Keys = std::vector<std::pair<rolewall::Bytes, rolewall::Bytes>>;
std::map<std::string, Keys> keys_of(const std::vector<rolewall::SetContent> &sets) {
    std::map<std::string, Keys> out;
    for (const auto &s : sets) {
        if (s.elements.empty()) continue;
        Keys k;
        for (const auto &e : s.elements)
            k.emplace_back(e.lo, e.hi);
        std::sort(k.begin(), k.end());
        out[s.spec.name] = k;
    }
    return out;
}

} // namespace

std::string consistency(Setup &s, const std::string &catalog_dir) {
    using namespace rolewall;
    auto catalog = Catalog::load(catalog_dir, s.dir.path() / "local");
    if (!catalog) return "catalog: " + catalog.error().describe();
    auto config = Config::load(s.dir.path() / "rolewall.toml", *catalog);
    if (!config) return "config: " + config.error().describe();

    Client &c = s.client();
    std::vector<std::string> names = c.EnabledRoles();
    std::map<std::string, Scope> scopes;
    EnabledRoles listed;
    for (const auto &r : c.ListEnabled()) {
        Scope scope;
        scope.interfaces = r.get<2>();
        for (const auto &src : r.get<3>())
            scope.sources.push_back(*Cidr::parse(src));
        scopes[r.get<0>()] = scope;
        std::string origin = r.get<1>();
        listed[r.get<0>()] = {scope, origin == "config"  ? RoleOrigin::config
                                     : origin == "state" ? RoleOrigin::state
                                                         : RoleOrigin::runtime};
    }
    std::vector<std::string> listed_names;
    for (const auto &[n, sc] : scopes)
        listed_names.push_back(n);
    if (listed_names != names) return "EnabledRoles differs from ListEnabled";

    auto kernel_roles = s.ns.kernel_roles();
    if (std::set<std::string>(names.begin(), names.end()) != kernel_roles)
        return "the kernel (nft -j) has other roles than EnabledRoles";
    Layout want = build_layout(*catalog, config->policy, config->ranges, scopes);
    if (keys_of(s.ns.read_sets()) != keys_of(want.sets))
        return "the kernel's set elements differ from the layout of the enabled roles";

    auto saved = parse_state(read_file(s.state_file()), s.state_file().string());
    if (fs::exists(s.state_file()) && !saved) return "state file: " + saved.error().describe();
    SavedState state = fs::exists(s.state_file()) ? *saved : SavedState{};
    if (effective_roles(*catalog, *config, state, {}) != listed)
        return "config + state file differ from the enabled roles (runtime changes present?)";
    return "";
}

} // namespace bustest

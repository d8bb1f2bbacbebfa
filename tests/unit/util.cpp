#include "util.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace test {

static std::string drain(int fd) {
    std::string s;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        s.append(buf, static_cast<size_t>(n));
    close(fd);
    return s;
}

Run run(const std::vector<std::string> &argv) {
    TempDir tmp;
    std::string out = (tmp.path() / "out").string(), err = (tmp.path() / "err").string();
    pid_t pid = fork();
    if (pid == 0) {
        int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(o, 1);
        dup2(e, 2);
        std::vector<char *> args;
        for (const auto &a : argv)
            args.push_back(const_cast<char *>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    Run r;
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = drain(open(out.c_str(), O_RDONLY));
    r.err = drain(open(err.c_str(), O_RDONLY));
    return r;
}

Run ctl(std::vector<std::string> args) {
    args.insert(args.begin(), ROLEWALL_CTL);
    return run(args);
}

const rolewall::Catalog &fixture() {
    static rolewall::Catalog c = *rolewall::Catalog::load(fixture_catalog());
    return c;
}

rolewall::Layout fixture_layout(const std::map<std::string, rolewall::Scope> &enabled,
                                rolewall::Policy policy) {
    return rolewall::build_layout(fixture(), policy, rolewall::default_range_values(), enabled);
}

rolewall::Scope scope(std::vector<std::string> interfaces, std::vector<std::string> sources) {
    rolewall::Scope s;
    s.interfaces = std::move(interfaces);
    for (const auto &c : sources)
        s.sources.push_back(*rolewall::Cidr::parse(c));
    return s;
}

} // namespace test

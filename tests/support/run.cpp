#include "run.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace testsupport {

namespace {

std::string slurp(int fd) {
    std::string out;
    ::lseek(fd, 0, SEEK_SET);
    char buf[65536];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
        out.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return out;
}

// stdin for the child: a memory file holding `input`, or /dev/null.
int input_fd(const std::string &input) {
    if (input.empty()) return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int fd = memfd_create("in", MFD_CLOEXEC);
    for (std::size_t off = 0; fd >= 0 && off < input.size();) {
        ssize_t n = ::write(fd, input.data() + off, input.size() - off);
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
    }
    ::lseek(fd, 0, SEEK_SET);
    return fd;
}

[[noreturn]] void exec_child(const std::vector<std::string> &argv, const RunOptions &o, int in,
                             int out, int err) {
    for (const auto &[k, v] : o.env)
        v.empty() ? unsetenv(k.c_str()) : setenv(k.c_str(), v.c_str(), 1);
    if (o.in_child) o.in_child();
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(Run::cannot_run);
    std::vector<char *> args;
    for (const auto &a : argv)
        args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
    _exit(Run::cannot_run);
}

// Waits for `pid` until the timeout, then kills it. The exit code, 128 + signal, or timed_out.
int wait_for(pid_t pid, std::chrono::milliseconds timeout) {
    // Readable once the child has exited. (glibc 2.36's <sys/pidfd.h> declares pidfd_open()
    // without C linkage, so C++ cannot link it: the system call itself.)
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    pollfd pfd{pidfd, POLLIN, 0};
    int ready = pidfd < 0 ? 1 : 0; // no pidfd: wait without a timeout
    while (pidfd >= 0 && (ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()))) < 0 &&
           errno == EINTR) {
    }
    if (pidfd >= 0) ::close(pidfd);
    bool killed = ready == 0;
    if (killed) ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (killed) return Run::timed_out;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace

void die_with_parent(int parent_pid, int sig) {
    prctl(PR_SET_PDEATHSIG, sig);
    if (getppid() != parent_pid) _exit(121);
}

Run run(const std::vector<std::string> &argv, const RunOptions &o) {
    Run r;
    if (argv.empty()) return r;
    int in = input_fd(o.input);
    int out = memfd_create("out", MFD_CLOEXEC);
    int err = o.merge_output ? out : memfd_create("err", MFD_CLOEXEC);
    pid_t parent = getpid();
    std::fflush(nullptr); // nothing buffered twice
    pid_t pid = fork();
    if (pid == 0) {
        die_with_parent(parent, SIGKILL);
        exec_child(argv, o, in, out, err);
    }
    ::close(in);
    if (pid < 0) {
        r.err = std::string("fork: ") + std::strerror(errno);
    } else {
        r.status = wait_for(pid, o.timeout);
    }
    r.out = slurp(out);
    if (!o.merge_output) r.err += slurp(err);
    return r;
}

} // namespace testsupport

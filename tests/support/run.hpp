// The one way tests and benchmarks run a program: no shell, output captured, a timeout, and
// the child dies with the test (PR_SET_PDEATHSIG) if the test crashes.
#pragma once

#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace testsupport {

struct Run {
    // The exit code, 128 + signal when killed by one, timed_out when the timeout killed it,
    // cannot_run when it could not be started at all (its reason is in err).
    int status = -1;
    std::string out;
    std::string err; // empty with merge_output
    static constexpr int timed_out = -2;
    static constexpr int cannot_run = 127;
};

struct RunOptions {
    std::string input;                      // stdin; /dev/null when empty
    bool merge_output = false;              // stderr goes to out as well, interleaved
    std::map<std::string, std::string> env; // added to ours; an empty value removes it
    // Runs in the child after fork, before exec (enter a namespace, change uid...). It may
    // call _exit() with a code of its own to report that it failed.
    std::function<void()> in_child;
    std::chrono::milliseconds timeout = std::chrono::seconds(60);
};

// Runs argv[0] (looked up in PATH when it has no slash) with argv and waits for it, killing it
// (SIGKILL) once the timeout has passed. Output goes to memory files, so no pipe can fill up
// and stall the child, whatever the sizes of input and output.
Run run(const std::vector<std::string> &argv, const RunOptions &options = {});

// In a child right after fork: dies with `sig` when the parent (the test) goes, even if the
// parent has gone already.
void die_with_parent(int parent_pid, int sig = SIGKILL);

} // namespace testsupport

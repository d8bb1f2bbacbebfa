#include "log.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <vector>

namespace rolewall::log {

namespace {

bool to_journal = false;
bool want_debug = false;
std::string ident = "rolewalld";

// JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected stdout/stderr to; it only
// counts when stderr still is that stream (not redirected by whoever started us).
bool stderr_is_journal() {
    const char *js = std::getenv("JOURNAL_STREAM");
    if (!js) return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(js, "%llu:%llu", &dev, &ino) != 2) return false;
    struct stat st {};
    if (fstat(2, &st) < 0) return false;
    return st.st_dev == dev && st.st_ino == ino;
}

const char *level_name(Priority p) {
    switch (p) {
    case Priority::err:
        return "error";
    case Priority::warning:
        return "warning";
    case Priority::notice:
        return "notice";
    case Priority::info:
        return "info";
    case Priority::debug:
        return "debug";
    }
    return "";
}

void send_journal(Priority priority, const std::string &message,
                  std::initializer_list<Field> fields) {
    std::vector<std::string> items;
    items.push_back("MESSAGE=" + message);
    items.push_back("PRIORITY=" + std::to_string(static_cast<int>(priority)));
    items.push_back("SYSLOG_IDENTIFIER=" + ident);
    for (const auto &f : fields)
        if (!f.value.empty()) items.push_back(std::string(f.name) + "=" + f.value);
    std::vector<iovec> iov;
    for (auto &s : items)
        iov.push_back({s.data(), s.size()});
    sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
}

} // namespace

void init(const char *identifier) {
    ident = identifier;
    // As systemd's own programs decide: the journal when stderr is the journal stream that
    // systemd gave the service, else stderr (also for a daemon started by hand from a shell
    // that itself runs under systemd and so passes INVOCATION_ID on).
    to_journal = stderr_is_journal();
    const char *level = std::getenv("ROLEWALL_LOG_LEVEL");
    want_debug = level && std::string_view(level) == "debug";
}

void write(Priority priority, const std::string &message, std::initializer_list<Field> fields) {
    if (priority == Priority::debug && !want_debug) return;
    if (to_journal) return send_journal(priority, message, fields);
    std::string line = ident + ": " + level_name(priority) + ": " + message;
    for (const auto &f : fields)
        if (!f.value.empty()) line += std::string(" ") + f.name + "=" + f.value;
    line += "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

RateLimit::Verdict RateLimit::next(Clock::time_point now) {
    if (in_window_ == 0 || now - window_ >= interval_) {
        window_ = now;
        in_window_ = 0;
    }
    ++in_window_;
    if (in_window_ < burst_) return Verdict::log;
    if (in_window_ == burst_) return Verdict::log_last;
    ++dropped_;
    return Verdict::drop;
}

std::size_t RateLimit::take_dropped() {
    std::size_t n = dropped_;
    dropped_ = 0;
    return n;
}

} // namespace rolewall::log

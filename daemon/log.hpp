// rolewalld's log: the journal with structured fields when started by systemd, else one line
// per message on stderr. Only the daemon logs; the libraries return what happened.
#pragma once

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <string>

namespace rolewall::log {

// syslog priorities, as the journal's PRIORITY= field takes them.
enum class Priority { err = 3, warning = 4, notice = 5, info = 6, debug = 7 };

struct Field {
    const char *name; // journal field name: upper case, "ROLE"
    std::string value;
};

// Decides where messages go: the journal when stderr is the journal stream systemd set up
// (JOURNAL_STREAM) or when started by systemd (INVOCATION_ID), else stderr. Debug messages
// are written only when ROLEWALL_LOG_LEVEL=debug.
void init(const char *identifier);
void write(Priority priority, const std::string &message, std::initializer_list<Field> fields = {});

inline void error(const std::string &m, std::initializer_list<Field> f = {}) {
    write(Priority::err, m, f);
}
inline void warning(const std::string &m, std::initializer_list<Field> f = {}) {
    write(Priority::warning, m, f);
}
inline void notice(const std::string &m, std::initializer_list<Field> f = {}) {
    write(Priority::notice, m, f);
}
inline void info(const std::string &m, std::initializer_list<Field> f = {}) {
    write(Priority::info, m, f);
}
inline void debug(const std::string &m, std::initializer_list<Field> f = {}) {
    write(Priority::debug, m, f);
}

// At most `burst` messages of one kind per `interval`, so that a flood (a client calling in a
// loop) cannot flood the journal. The first message held back says so once; the next one let
// through says how many were held back.
class RateLimit {
  public:
    using Clock = std::chrono::steady_clock;
    RateLimit(std::size_t burst, std::chrono::seconds interval)
        : burst_(burst), interval_(interval) {}

    enum class Verdict { log, log_last, drop };
    // log: write it; log_last: write it and say that the next ones are held back; drop: count it.
    Verdict next(Clock::time_point now = Clock::now());
    // How many were held back since the last message let through (and forgets them).
    std::size_t take_dropped();

  private:
    std::size_t burst_;
    std::chrono::seconds interval_;
    Clock::time_point window_{};
    std::size_t in_window_ = 0;
    std::size_t dropped_ = 0;
};

} // namespace rolewall::log

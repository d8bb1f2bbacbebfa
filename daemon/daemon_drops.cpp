// The daemon's part of the drop table: the receiver opened and closed with [firewall]
// log_drops, the packets it brings counted, a journal line per new key (rate-limited).
#include "daemon.hpp"
#include "rolewall/state.hpp"

namespace rolewall {

namespace {

std::string joined(const std::vector<std::string> &items) {
    std::string out;
    for (const auto &i : items)
        out += (out.empty() ? "" : " ") + i;
    return out;
}

} // namespace

// After start and every reload: the receiver is open exactly while the config says so.
void Daemon::sync_drops() {
    if (!manager_.config().log_drops || !open_drops_) {
        if (drops_in_) log::info("drops are no longer recorded ([firewall] log_drops = false)");
        drops_in_.reset();
        drops_.clear();
        return;
    }
    if (drops_in_) return;
    auto r = open_drops_();
    if (!r) {
        if (!drops_warned_)
            log::warning("drops are not recorded: " + r.error().message +
                         "; the firewall drops them all the same");
        drops_warned_ = true;
        return;
    }
    drops_in_ = std::move(*r);
    drops_warned_ = false;
    log::debug("recording drops (NFLOG group " + std::to_string(drop_log_group) + ")");
}

void Daemon::take_drops() {
    auto packets = drops_in_->receive();
    if (!packets) {
        log::warning("drops are no longer recorded: " + packets.error().message +
                     "; a reload tries again");
        drops_in_.reset();
        return;
    }
    std::uint64_t now = realtime_usec();
    for (auto &p : *packets) {
        auto key = drop_key(std::move(p.interface), p.network);
        if (key && drops_.record(*key, now)) log_drop(*key);
    }
}

// One structured line per new key; at most drop_lines_burst a minute.
void Daemon::log_drop(const DropKey &key) {
    auto verdict = drop_lines_.next();
    if (verdict == log::RateLimit::Verdict::drop) return;
    DropInsight insight =
        explain_drop(manager_.layout(), manager_.catalog(), manager_.config().ranges, key,
                     [&](const std::string &role) { return enable_scope(manager_, role); });
    std::string text = drop_line(key, insight);
    if (std::size_t n = drop_lines_.take_dropped())
        text += " (" + std::to_string(n) + " new drops before it were not logged)";
    if (verdict == log::RateLimit::Verdict::log_last)
        text += "; further new drops are not logged for up to " +
                std::to_string(drop_lines_interval.count()) + " s (rolewallctl drops lists them)";
    log::info(text, {{"DROP_INTERFACE", key.interface},
                     {"DROP_PROTOCOL", protocol_name(key.protocol)},
                     {"DROP_PORT", std::to_string(key.port)},
                     {"DROP_SOURCE", address_str(key.source)},
                     {"DROP_ROLES", joined(insight.would_accept)}});
}

const DropTable *Daemon::recorded_drops() const {
    return drops_in_ ? &drops_ : nullptr;
}

} // namespace rolewall

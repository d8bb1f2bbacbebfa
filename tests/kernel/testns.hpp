// Support for tests and benchmarks that talk to a real kernel: a private network namespace,
// running nft (a test-only tool: the product never shells out), and layouts built by hand.
#pragma once

#include "rolewall/ruleset.hpp"
#include "run.hpp"
#include "skip.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace testns {

using testsupport::listing_only;
using testsupport::Run;
using testsupport::skip_code;

// Enters a fresh user + network namespace (like `unshare -rn`): a private, empty ruleset
// without privileges in the initial namespace. Returns false (with the reason) when it
// cannot; the process must still be single-threaded.
bool enter_user_netns(std::string *why);
// As real root: a fresh network namespace only, keeping CAP_NET_ADMIN in the initial user
// namespace (SO_SNDBUFFORCE works there). False when not root or unshare fails.
bool enter_root_netns(std::string *why);
// True once enter_user_netns() or enter_root_netns() has moved this process out of the
// network namespace it started in: what a test checks before anything ruleset-wide.
bool in_private_netns();
// Runs a program (testsupport::run) with stdout and stderr together in `out`; `input` goes to
// its stdin.
Run run(const std::vector<std::string> &argv, const std::string &input = {});
// nft with arguments; `nft -f -` when given a script.
Run nft(const std::vector<std::string> &args);
Run nft_script(const std::string &script);

// A role as the tests describe it.
struct RoleSpec {
    std::string id;
    std::string title;
    struct Port {
        std::uint16_t first, last;
        std::string service;
    };
    std::vector<Port> tcp, udp;
    std::vector<std::pair<std::uint8_t, std::string>> protos; // number, service
    bool enabled = true;
    std::vector<std::string> interfaces; // empty: any
    std::vector<std::string> sources;    // CIDRs; empty: any
};
// The layout build_layout() makes for such roles: for each enabled role its scope sets and the
// port sets it has, every element commented "<role>: <service>", sets and roles in name order.
// Ports are not merged, so that a test can make the kernel refuse overlapping ones.
rolewall::Layout make_layout(const std::vector<RoleSpec> &roles,
                             rolewall::Policy policy = rolewall::Policy::drop);
// `count` distinct IPv4 /32 sources from 198.18.0.0/15 (a benchmarking range), for big scopes.
std::vector<std::string> many_sources(std::size_t count);

} // namespace testns

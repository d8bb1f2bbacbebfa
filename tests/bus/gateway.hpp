// rolewalld on the gateway of testns::Hosts (tests/kernel/traffic.hpp) with the shipped
// catalog, listeners on the gateway, and the probes of a client on the lan: the setting of the
// tests that send real packets through the daemon's table (drops, counters).
#pragma once

#include "harness.hpp"
#include "traffic.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

namespace bustest {

using Drop = std::map<std::string, sdbus::Variant>;

template <typename T> T field(const Drop &d, const std::string &key) {
    auto it = d.find(key);
    REQUIRE(it != d.end());
    return it->second.get<T>();
}

// The daemon on the gateway of testns::Hosts, with the shipped catalog.
struct Gateway {
    testns::Hosts hosts;
    std::unique_ptr<testns::Servers> servers;
    std::unique_ptr<Setup> s;
    explicit Gateway(const std::string &config) {
        REQUIRE(hosts.ok());
        {
            testns::InNetns in(hosts.gw);
            servers = std::make_unique<testns::Servers>(std::vector<std::uint16_t>{22, 139, 445},
                                                        std::vector<std::uint16_t>{},
                                                        std::vector<std::uint8_t>{});
        }
        Setup::Params p;
        p.config = config;
        p.catalog = source_dir() + "/catalog";
        p.start_daemon = false;
        s = std::make_unique<Setup>(p);
        s->daemon.options().netns_name = hosts.gw;
        s->daemon.start();
        REQUIRE(wait_for_daemon(s->address()));
    }
    bool connects(std::uint16_t port, bool v6 = false) {
        return testns::tcp_connects(hosts.lan, hosts.gw_address(hosts.lan, v6), port, 300);
    }
    // The drop of `port`/tcp from `source`, waiting for the kernel's copy to arrive.
    std::optional<Drop> drop(std::uint16_t port, const std::string &source) {
        for (int i = 0; i < 50; ++i) {
            for (const auto &d : s->client().ListDrops({}))
                if (field<std::uint16_t>(d, "port") == port &&
                    field<std::string>(d, "source") == source)
                    return d;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return std::nullopt;
    }
};

} // namespace bustest

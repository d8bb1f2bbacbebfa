// rolewalld (fixture catalog unless params say otherwise) on the gateway of testns::Hosts, with TCP
// listeners there, and probes from the LAN client: for tests that prove with packets that a
// port opens and closes.
#pragma once

#include "checks.hpp"
#include "traffic.hpp"

#include <memory>
#include <vector>

namespace bustest {

struct PortGateway {
    testns::Hosts hosts;
    std::unique_ptr<testns::Servers> servers;
    std::unique_ptr<Setup> setup;

    explicit PortGateway(const std::vector<std::uint16_t> &tcp, Setup::Params params = {}) {
        REQUIRE(hosts.ok());
        {
            testns::InNetns in(hosts.gw);
            servers = std::make_unique<testns::Servers>(tcp, std::vector<std::uint16_t>{},
                                                        std::vector<std::uint8_t>{});
        }
        params.start_daemon = false;
        setup = std::make_unique<Setup>(params);
        setup->daemon.options().netns_name = hosts.gw;
        setup->daemon.start();
        REQUIRE(wait_for_daemon(setup->address()));
    }
    // Whether a new TCP connection from the LAN client to `port` on the gateway is accepted.
    bool reaches(std::uint16_t port, bool v6) {
        return testns::tcp_connects(hosts.lan, hosts.gw_address(hosts.lan, v6), port, 300);
    }
    // Enables `role`, which opens `port`, with `options` that make rolewalld undo the change by
    // itself within seconds (a timeout, an unconfirmed confirm): the port is closed before,
    // open over IPv4 and IPv6 after the call, and closed again once RoleChanged says so.
    void opens_until_undone(const std::string &role, std::uint16_t port, const Options &options) {
        REQUIRE_FALSE(reaches(port, false));
        Client &c = setup->client();
        c.EnableRole(role, options);
        CHECK(reaches(port, false));
        CHECK(reaches(port, true));
        REQUIRE(signalled(c, role, false, 5s));
        CHECK_FALSE(reaches(port, false));
        CHECK_FALSE(reaches(port, true));
    }
};

} // namespace bustest

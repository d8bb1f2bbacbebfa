// rolewalld: command line, logging, the kernel backend and the Daemon. Everything else is in
// the libraries (rolewall-daemon, rolewall-bus, rolewall-kernel, rolewall-core).
#include "daemon.hpp"
#include "kernel/nflog.hpp"
#include "kernel/nft_backend.hpp"
#include "log.hpp"
#include "options.hpp"

using namespace rolewall;

int main(int argc, char **argv) {
    CommandLine cmd;
    if (auto exit_code = parse_command_line(argc, argv, cmd)) return *exit_code;
    log::init("rolewalld");
    auto backend = make_nft_backend();
    if (!backend) {
        log::error("cannot open the kernel's nftables interface: " + backend.error().describe());
        return 1;
    }
    Daemon daemon(**backend, cmd.sources, [] { return kernel::open_nflog(); });
    return cmd.apply_only ? daemon.apply_once() : daemon.run();
}

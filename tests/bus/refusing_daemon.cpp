// rolewalld with one difference: a backend that refuses, as the kernel would, every layout in
// which a role is scoped to the interface "refused0". It lets the integration tests follow a
// kernel refusal through the whole daemon and bus (KernelRejected, nothing changed) without
// having to break a real kernel.
#include "daemon.hpp"
#include "kernel/nft_backend.hpp"
#include "log.hpp"
#include "options.hpp"

using namespace rolewall;

namespace {

class RefusingBackend final : public Backend {
  public:
    explicit RefusingBackend(Backend &real) : real_(real) {}
    Result<ApplyReport> apply(const Layout &desired, const ApplyHint &hint) override {
        Element refused = ifname_element("refused0", "");
        for (const auto &set : desired.sets) {
            for (const auto &e : set.elements) {
                if (set.spec.type == KeyType::ifname && e.lo == refused.lo) {
                    Error err = make_error(Errc::kernel_rejected,
                                           "the kernel refused the change for role '" +
                                               set.spec.role + "' (test backend)");
                    err.role = set.spec.role;
                    return err;
                }
            }
        }
        return real_.apply(desired, hint);
    }
    Status check(const Layout &desired) override { return real_.check(desired); }
    Result<KernelCheck> verify(const Layout &expected) override { return real_.verify(expected); }
    Result<std::vector<SetContent>> read() override { return real_.read(); }
    Result<TablePresence> presence() override { return real_.presence(); }
    Result<ApplyReport> keep() override { return real_.keep(); }
    Result<Counters> counters() override { return real_.counters(); }

  private:
    Backend &real_;
};

} // namespace

int main(int argc, char **argv) {
    CommandLine cmd;
    if (auto exit_code = parse_command_line(argc, argv, cmd)) return *exit_code;
    log::init("rolewalld");
    auto backend = make_nft_backend();
    if (!backend) return 1;
    RefusingBackend refusing(**backend);
    Daemon daemon(refusing, cmd.sources);
    return cmd.apply_only ? daemon.apply_once() : daemon.run();
}

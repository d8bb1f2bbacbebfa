// confirm [--abort]: the change made with --confirm is made final, or undone now.
#include "bus_client.hpp"
#include "ctl.hpp"
#include "output.hpp"

namespace rolewall::ctl {

int verb_confirm(const Options &o) {
    return with_daemon([&](Client &c) {
        std::string what = c.PendingChange();
        if (o.abort)
            c.RevertPending();
        else
            c.ConfirmPending();
        print((o.abort ? "undone: " : "confirmed: ") + what + "\n");
        return exit_ok;
    });
}

} // namespace rolewall::ctl

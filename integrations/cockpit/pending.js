// The change that waits for confirmation (a trial change): what it is, a countdown to the moment
// rolewalld undoes it by itself, and Confirm / Undo now. The daemon's properties PendingChange
// and PendingDeadline are the truth; the countdown runs on this browser's clock corrected by
// what the daemon's replies said about its own (app.clockSkew()).
import { h, replaceChildren } from "./dom.js";
import { _, format } from "./i18n.js";
import { formatRemaining, formatTime, usecToDate } from "./format.js";
import { alert, button, errorAlert, toast } from "./ui.js";

export class PendingBanner {
    constructor(app) {
        this.app = app;
        this.root = h("div", { id: "rw-pending", class: "rw-pending" });
        this.timer = null;
        this.busy = false;
        this.error = null;
        this.key = null;
    }

    // change: "" or the daemon's description ("enable web-server"); deadline: usec or 0.
    update(change, deadline) {
        const key = change ? `${change}@${deadline}` : null;
        if (key !== this.key) {
            this.error = null;
            this.key = key;
        }
        this.change = change;
        this.deadline = Number(deadline || 0);
        clearInterval(this.timer);
        this.timer = null;
        if (!change) {
            replaceChildren(this.root);
            return;
        }
        this.render();
        if (this.deadline)
            this.timer = setInterval(() => this.tick(), 1000);
    }

    secondsLeft() {
        return (this.deadline / 1000 - (Date.now() + this.app.clockSkew())) / 1000;
    }

    tick() {
        const el = this.root.querySelector("#rw-pending-countdown");
        if (el)
            el.textContent = formatRemaining(this.secondsLeft());
    }

    render() {
        const when = usecToDate(this.deadline ? this.deadline - this.app.clockSkew() * 1000 : 0);
        const body = [
            this.deadline
                ? h("p", {}, _("rolewalld undoes it in"), " ",
                    h("strong", { id: "rw-pending-countdown", role: "timer", "aria-live": "off" },
                      formatRemaining(this.secondsLeft())),
                    " ", format(_("(at $0) unless you confirm it."), formatTime(when)))
                : h("p", {}, _("rolewalld undoes it unless you confirm it.")),
            this.error && errorAlert(_("Not done"), this.error),
        ];
        const actions = [
            button(_("Confirm"), () => this.act("confirm"), { variant: "primary", id: "rw-pending-confirm",
                                                              disabled: this.busy }),
            button(_("Undo now"), () => this.act("revert"), { variant: "secondary", id: "rw-pending-undo",
                                                              disabled: this.busy }),
        ];
        replaceChildren(this.root, alert("warning", format(_("Trial change: $0"), this.change),
                                         { body, actions, id: "rw-pending-alert" }));
    }

    async act(what) {
        this.busy = true;
        this.render();
        try {
            if (what === "confirm") {
                await this.app.client.confirmPending();
                toast("success", format(_("Confirmed: $0"), this.change));
            } else {
                await this.app.client.revertPending();
                toast("info", format(_("Undone: $0"), this.change));
            }
            this.error = null;
        } catch (ex) {
            this.error = ex;
        } finally {
            this.busy = false;
            this.app.refresh();
        }
    }
}

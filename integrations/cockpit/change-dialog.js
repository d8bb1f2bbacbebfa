// The dialog every change goes through: enable (or re-scope), disable, follow the config again.
// It shows what the daemon would do (a dry run, when the daemon has it) before the admin
// applies it, and the daemon's own message when it refuses.
import { h, replaceChildren, uniqueId } from "./dom.js";
import { _, format } from "./i18n.js";
import { parseList, scopeText } from "./format.js";
import { changeOptions, describeChange, predictResult, resultSummary, variant, DIMENSIONS } from "./options.js";
import { openModal } from "./modal.js";
import { alert, button, errorAlert, radioGroup, toast } from "./ui.js";
import { icon } from "./icons.js";

const TITLES = {
    enable: [_("Enable $0"), _("Change the scope of $0")],
    disable: [_("Disable $0"), _("Disable $0")],
    revert: [_("Follow rolewall.toml for $0"), _("Follow rolewall.toml for $0")],
};

const APPLY = { enable: [_("Enable"), _("Apply")], disable: [_("Disable")], revert: [_("Follow rolewall.toml")] };

// app: the page (client, features, refresh(), pendingStarted()); role: { name, title, enabled,
// interfaces, sources, origin }; prefill: { interfaces?: [..], sources?: [..] } to start from;
// context: { reason?: why the dialog was opened, e.g. the drop it would let in }.
export function openChangeDialog(app, action, role, prefill = {}, context = {}) {
    return new ChangeDialog(app, action, role, prefill, context).dialog;
}

function initialForm(action, prefill) {
    const dimension = items => (items ? { mode: "only", items } : { mode: "keep", items: [] });
    return { action, interfaces: dimension(prefill.interfaces), sources: dimension(prefill.sources),
             keep: "saved", timeout: 3600, trial: false, confirm: 120 };
}

class ChangeDialog {
    constructor(app, action, role, prefill, context) {
        Object.assign(this, { app, action, role, features: app.client.features, seq: 0, timer: null });
        this.form = initialForm(action, prefill);
        this.preview = h("div", { class: "rw-preview", "aria-live": "polite", id: "rw-change-preview" });
        this.errors = h("div", { class: "rw-dialog-errors", id: "rw-change-errors" });
        const which = role.enabled ? 1 : 0;
        this.apply = button(APPLY[action][which] || APPLY[action][0], () => this.submit(), {
            variant: action === "disable" ? "danger" : "primary", id: "rw-change-apply" });
        const changed = () => this.changed();
        const { form, features } = this;
        this.dialog = openModal({
            title: format(TITLES[action][which], role.name),
            description: role.title,
            id: "rw-change-dialog",
            body: h("form", { class: "pf-c-form pf-m-horizontal", novalidate: true,
                              onsubmit: ev => { ev.preventDefault(); this.submit() } },
                    context.reason && alert("info", context.reason),
                    this.errors,
                    action === "enable" && DIMENSIONS.map(dim => scopeGroup(dim, role, form, features, changed)),
                    action !== "revert" && lifetimeGroup(form, features, changed),
                    features.confirm && trialGroup(form, changed),
                    this.preview),
            footer: [this.apply, button(_("Cancel"), () => this.dialog.close(), { variant: "link" })],
        });
        this.refreshPreview();
    }

    changed() {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.refreshPreview(), 250);
    }

    // The daemon's dry run where it has one, else the page's own prediction.
    async refreshPreview() {
        const mine = ++this.seq;
        const { options, problems } = changeOptions(this.form, this.role, this.features);
        if (problems.length) {
            replaceChildren(this.preview, problems.map(p => alert("warning", p)));
            return;
        }
        if (!this.features.dryRun) {
            replaceChildren(this.preview, previewTable(predictResult(this.form, this.role), false));
            return;
        }
        let shown;
        try {
            shown = previewTable(await dryRun(this.app.client, this.action, this.role.name, options), true);
        } catch (ex) {
            shown = errorAlert(_("The daemon would refuse this change"), ex);
        }
        if (mine === this.seq && !this.dialog.closed)
            replaceChildren(this.preview, shown);
    }

    async submit() {
        const { app, role, form, errors } = this;
        const { options, problems } = changeOptions(form, role, this.features);
        replaceChildren(errors, problems.map(p => alert("danger", p)));
        if (problems.length) {
            errors.scrollIntoView({ block: "nearest" });
            return;
        }
        this.apply.disabled = true;
        try {
            const result = await runChange(app.client, this.action, role.name, options);
            this.dialog.close();
            const known = result.enabled !== undefined ? result : predictResult(form, role);
            toast("success", resultSummary(role.name, known, options));
            if (result.pending_deadline)
                app.pendingStarted(result.pending_deadline, options.confirm.v);
        } catch (ex) {
            replaceChildren(errors, errorAlert(format(_("$0 was not changed"), role.name), ex,
                                               { id: "rw-change-error" }));
            errors.scrollIntoView({ block: "nearest" });
            this.apply.disabled = false;
        } finally {
            app.refresh();
        }
    }
}

async function runChange(client, action, name, options) {
    if (action === "revert")
        return (await client.revert([name], options))[name] || {};
    return client.change(action, name, options);
}

async function dryRun(client, action, name, options) {
    return runChange(client, action, name, { ...options, dry_run: variant("b", true) });
}

// Keep / any / only these, for one dimension of the scope.
function scopeGroup(dim, role, form, features, changed) {
    const labelId = uniqueId("rw-scope-label");
    const input = h("input", { class: "pf-c-form-control", type: "text", id: `rw-${dim.key}-input`,
                               "aria-label": format(_("$0, separated by spaces or commas"), dim.label),
                               value: form[dim.key].items.join(" ") || (role[dim.key] || []).join(" "),
                               placeholder: dim.key === "interfaces" ? "lan0 wg*" : "192.0.2.0/24 2001:db8::/32",
                               oninput: () => {
                                   form[dim.key].items = parseList(input.value);
                                   select("only");
                               } });
    let keepText = format(_("Keep: $0"), scopeText(role[dim.key], dim.anyText));
    if (!role.enabled) {
        keepText = features.results ? _("As rolewall.toml says (any if it says nothing)")
                                    : format(_("Keep: $0"), dim.anyText);
    }
    const radios = radioGroup(`rw-${dim.key}`, [
        { value: "keep", label: keepText },
        { value: "any", label: dim.anyText.charAt(0).toUpperCase() + dim.anyText.slice(1) },
        { value: "only", label: _("Only these"), body: input },
    ], form[dim.key].mode, mode => select(mode));
    function select(mode) {
        form[dim.key].mode = mode;
        if (mode === "only")
            form[dim.key].items = parseList(input.value);
        for (const r of group.querySelectorAll("input[type=radio]"))
            r.checked = r.value === mode;
        changed();
    }
    const group = formGroup(labelId, dim.label, radios, "radiogroup");
    return group;
}

function lifetimeGroup(form, features, changed) {
    const minutes = h("input", { class: "pf-c-form-control rw-number", type: "number", min: 1, max: 43200,
                                 id: "rw-timeout-minutes", value: String(form.timeout / 60),
                                 "aria-label": _("Minutes until the change is undone"),
                                 oninput: () => {
                                     form.timeout = Number(minutes.value) * 60;
                                     pick("timeout");
                                 } });
    const radios = radioGroup("rw-keep", [
        { value: "saved", label: _("Saved: kept when rolewalld restarts") },
        { value: "runtime", label: _("Until rolewalld restarts") },
        features.timeout && { value: "timeout", label: _("For a while"),
                              body: h("span", { class: "rw-inline-field" }, minutes, " ",
                                      _("minutes, then rolewalld undoes it")) },
    ].filter(Boolean), form.keep, value => pick(value));
    const group = formGroup(uniqueId("rw-keep-label"), _("Keep the change"), radios, "radiogroup");
    function pick(value) {
        form.keep = value;
        for (const r of group.querySelectorAll("input[type=radio]"))
            r.checked = r.value === value;
        changed();
    }
    return group;
}

function trialGroup(form, changed) {
    const seconds = h("input", { class: "pf-c-form-control rw-number", type: "number", min: 1, max: 86400,
                                 id: "rw-confirm-seconds", value: String(form.confirm),
                                 "aria-label": _("Seconds to confirm the change"),
                                 oninput: () => { form.confirm = Number(seconds.value); changed() } });
    const check = h("input", { class: "pf-c-check__input", type: "checkbox", id: "rw-trial",
                               onchange: () => { form.trial = check.checked; changed() } });
    return formGroup(uniqueId("rw-trial-label"), _("Trial"),
                     h("div", { class: "pf-c-check" }, check,
                       h("label", { class: "pf-c-check__label", for: "rw-trial" },
                         _("Undo it unless I confirm within"), " "),
                       h("span", { class: "pf-c-check__body rw-inline-field" }, seconds, " ", _("seconds")),
                       h("span", { class: "pf-c-check__description" },
                         _("rolewalld undoes the change by itself, even if this browser loses the connection."))));
}

function formGroup(labelId, label, control, role = "group") {
    return h("div", { class: "pf-c-form__group", role, "aria-labelledby": labelId },
             h("div", { class: "pf-c-form__group-label" },
               h("span", { class: "pf-c-form__label", id: labelId },
                 h("span", { class: "pf-c-form__label-text" }, label))),
             h("div", { class: "pf-c-form__group-control" }, control));
}

// Before -> after per row, widenings marked; then the daemon's warnings.
function previewTable(result, fromDaemon) {
    const { rows, warnings } = describeChange(result);
    return [
        h("h2", { class: "pf-c-title pf-m-md rw-preview-title" },
          fromDaemon ? _("What rolewalld would do") : _("What changes")),
        h("table", { class: "pf-c-table pf-m-compact rw-preview-table", role: "grid", "aria-label": _("What changes") },
          h("thead", {}, h("tr", { role: "row" },
                           [_("Setting"), _("Now"), _("After")].map(t => h("th", { role: "columnheader", scope: "col" }, t)))),
          h("tbody", {}, rows.map(r => h("tr", { role: "row", class: r.changed ? "rw-changed" : null },
                                         h("th", { role: "rowheader", scope: "row" }, r.label),
                                         h("td", { role: "cell" }, r.before),
                                         h("td", { role: "cell" }, r.after,
                                           r.widens && h("span", { class: "rw-widens" }, " ", icon("warning"), " ", _("opens more")))))) ),
        warnings.map(w => alert("warning", w)),
    ];
}

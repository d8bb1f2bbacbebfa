// Kernel backend benchmark: rolewall's backend against `nft -f` with the same content, in a
// network namespace of its own (real root: a plain network namespace, so SO_SNDBUFFORCE
// works; otherwise a user + network namespace). Prints a markdown table of medians.
//
//   build/bench/kernel_bench [--reps N] [--only CASE]
//     N scales the repetitions (default 1); CASE is one of toggle, create, sources, big-toggle.
#include "kernel/nft_backend.hpp"
#include "rolewall/catalog.hpp"
#include "stats.hpp"
#include "support.hpp"
#include "testns.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <unistd.h>

using namespace rolewall;
using Clock = std::chrono::steady_clock;

namespace {

double micros(Clock::duration d) {
    return std::chrono::duration<double, std::micro>(d).count();
}

double median(std::vector<double> v) {
    return bench::stats(std::move(v)).median;
}

const std::string &script_path();

[[noreturn]] void die(const std::string &what) {
    std::remove(script_path().c_str());
    std::fprintf(stderr, "kernel_bench: %s\n", what.c_str());
    std::exit(1);
}

template <typename T> T must(Result<T> r, const char *what) {
    if (!r) die(std::string(what) + ": " + r.error().message);
    return std::move(*r);
}

// Where the scripts for `nft -f` go; removed at the end.
const std::string &script_path() {
    static const std::string path = "/tmp/rolewall-bench-" + std::to_string(getpid()) + ".nft";
    return path;
}

// `nft -f FILE` as an administrator would run it: process start, parsing and netlink.
double time_nft_file(const std::string &script) {
    const std::string &path = script_path();
    std::ofstream(path) << script;
    auto t0 = Clock::now();
    testns::Run r = testns::run({"nft", "-f", path});
    double us = micros(Clock::now() - t0);
    if (r.status != 0) die("nft -f failed: " + r.out.substr(0, 2000));
    return us;
}

void delete_table() {
    testns::nft({"delete", "table", "inet", "rolewall"});
}

// A backend on an empty kernel that has already read it (the read is not what is measured).
std::unique_ptr<NftBackend> fresh_backend() {
    delete_table();
    auto b = must(NftBackend::open(), "opening the backend");
    must(b->read(), "reading the kernel");
    return b;
}

// The nft commands for the element changes between two layouts of the same fingerprint.
std::string nft_changes(const Layout &from, const Layout &to) {
    std::string out;
    for (const SetChange &c : diff(from.sets, to.sets)) {
        auto list = [&](const std::vector<Element> &es, bool comments) {
            std::string s;
            for (const Element &e : es) {
                if (!s.empty()) s += ", ";
                s += element_key_str(c.type, e);
                if (comments && !e.comment.empty()) s += " comment \"" + e.comment.str() + "\"";
            }
            return s;
        };
        if (!c.remove.empty())
            out += "delete element inet rolewall " + c.set + " { " + list(c.remove, false) + " }\n";
        if (!c.add.empty())
            out += "add element inet rolewall " + c.set + " { " + list(c.add, true) + " }\n";
    }
    return out;
}

// The blocks of a render_nft() text whose first line starts with "\t" + `head`: "set ad-dc_"
// gives the role's sets, "chain role-ad-dc {" its chain, "chain roles {" the dispatch chain.
std::string blocks(const std::string &render, const std::string &head) {
    std::string out;
    for (std::size_t at = render.find("\n\t" + head); at != std::string::npos;
         at = render.find("\n\t" + head, at + 1)) {
        std::size_t end = render.find("\n\t}\n", at);
        out += render.substr(at + 1, end + 4 - at);
    }
    return out;
}

// A toggle of `role` from `from` to `to` as nft commands: its sets and chain come (or go), and
// chain roles is written anew with the dispatch rules of `to` (nft has no handle of ours to
// insert before).
std::string nft_toggle(const Layout &from, const Layout &to, const std::string &role) {
    std::string render = render_nft(to, nft_fingerprint(to));
    std::string out = "flush chain inet rolewall roles\n";
    if (to.role(role)) {
        out += "table inet rolewall {\n" + blocks(render, "set " + role + "_") +
               blocks(render, "chain " + role_chain(role) + " {") + "}\n";
    } else {
        out += "delete chain inet rolewall " + role_chain(role) + "\n";
        for (const SetContent *set : from.role_sets(role))
            out += "delete set inet rolewall " + set->spec.name + "\n";
    }
    return out + "table inet rolewall {\n" + blocks(render, "chain roles {") + "}\n";
}

std::string fmt_time(double us) {
    char buf[32];
    if (us >= 10000)
        std::snprintf(buf, sizeof buf, "%.0f ms", us / 1000);
    else if (us >= 1000)
        std::snprintf(buf, sizeof buf, "%.1f ms", us / 1000);
    else
        std::snprintf(buf, sizeof buf, "%.0f µs", us);
    return buf;
}

struct Row {
    std::string what;
    double ours = 0, theirs = 0;
};

// The first `count` catalog roles in id order, enabled and unscoped, but for `off`; plus the roles
// of `scopes`, enabled with those scopes.
Layout catalog_layout(const Catalog &cat, std::size_t count, const std::string &off,
                      const std::map<std::string, Scope> &scopes = {}) {
    std::map<std::string, Scope> enabled = scopes;
    std::size_t n = 0;
    for (const auto &[id, role] : cat.roles()) {
        if (n == count) break;
        if (id == off) continue;
        enabled.emplace(id, Scope{});
        ++n;
    }
    return build_layout(cat, Policy::drop, default_range_values(), enabled);
}

// `on` with `role` disabled as rolewalld disables a role at run time: its shell stays, its sets
// emptied (ruleset.hpp).
Layout shelled(const Catalog &cat, Layout on, const std::string &role) {
    update_role_sets(on, cat, default_range_values(), {}, {role});
    return on;
}

// Enabling then disabling `role`, each commit timed; the same with `nft -f` on a table nft
// made (ours is owned by the backend's socket, which nft may not touch).
Row toggle(const std::string &what, const Layout &off, const Layout &on, int reps, bool hinted,
           const std::string &role) {
    Row row{what, 0, 0};
    std::vector<double> ours, theirs;
    {
        auto b = fresh_backend();
        must(b->apply(off, ApplyHint::everything()), "applying the base layout");
        for (int i = 0; i < 2 * reps; ++i) {
            const Layout &next = i % 2 ? off : on;
            auto t0 = Clock::now();
            auto r = hinted ? b->apply(next, ApplyHint::only({role}))
                            : b->apply(next, ApplyHint::everything());
            ours.push_back(micros(Clock::now() - t0));
            if (!r || r->kind != ApplyReport::Kind::elements) die("toggle did not change elements");
        }
    }
    delete_table();
    time_nft_file(render_nft(off, nft_fingerprint(off)));
    // A shell is filled and emptied; a role that is not in the table comes and goes.
    bool shell = off.role(role);
    std::string enable = shell ? nft_changes(off, on) : nft_toggle(off, on, role);
    std::string disable = shell ? nft_changes(on, off) : nft_toggle(on, off, role);
    for (int i = 0; i < 2 * std::max(3, reps / 20); ++i)
        theirs.push_back(time_nft_file(i % 2 ? disable : enable));
    delete_table();
    row.ours = median(ours);
    row.theirs = median(theirs);
    std::vector<double> enabling, disabling;
    for (std::size_t i = 0; i < ours.size(); ++i)
        (i % 2 ? disabling : enabling).push_back(ours[i]);
    row.what += " (enabling " + fmt_time(median(enabling)) + ", disabling " +
                fmt_time(median(disabling)) + ")";
    return row;
}

// The whole layout from an empty kernel, as one transaction.
Row create(const std::string &what, const Layout &layout, int reps) {
    Row row{what, 0, 0};
    std::vector<double> ours, theirs;
    for (int i = 0; i < reps; ++i) {
        auto b = fresh_backend();
        auto t0 = Clock::now();
        auto r = b->apply(layout, ApplyHint::everything());
        ours.push_back(micros(Clock::now() - t0));
        if (!r || r->kind != ApplyReport::Kind::created) die("creation failed");
    }
    std::string script = render_nft(layout, nft_fingerprint(layout));
    for (int i = 0; i < std::max(2, reps / 2); ++i) {
        delete_table();
        theirs.push_back(time_nft_file(script));
    }
    delete_table();
    row.ours = median(ours);
    row.theirs = median(theirs);
    return row;
}

// A role's scope going from one network to `big` sources on an existing table.
Row rescope(const std::string &what, const Layout &small, const Layout &big, int reps) {
    Row row{what, 0, 0};
    std::vector<double> ours, theirs;
    for (int i = 0; i < reps; ++i) {
        auto b = fresh_backend();
        must(b->apply(small, ApplyHint::everything()), "applying the small scope");
        auto t0 = Clock::now();
        auto r = b->apply(big, ApplyHint::everything());
        ours.push_back(micros(Clock::now() - t0));
        if (!r || r->kind != ApplyReport::Kind::elements) die("re-scoping failed");
    }
    std::string script = nft_changes(small, big);
    for (int i = 0; i < std::max(2, reps / 2); ++i) {
        delete_table();
        time_nft_file(render_nft(small, nft_fingerprint(small)));
        theirs.push_back(time_nft_file(script));
    }
    delete_table();
    row.ours = median(ours);
    row.theirs = median(theirs);
    return row;
}

void print(const std::vector<Row> &rows) {
    std::printf("| case | rolewall backend (median) | nft -f (median) | nft -f / rolewall |\n");
    std::printf("|---|---:|---:|---:|\n");
    for (const Row &r : rows)
        std::printf("| %s | %s | %s | %.1f× |\n", r.what.c_str(), fmt_time(r.ours).c_str(),
                    fmt_time(r.theirs).c_str(), r.ours > 0 ? r.theirs / r.ours : 0);
}

Scope sources(std::size_t n) {
    Scope s;
    for (const std::string &c : testns::many_sources(n))
        s.sources.push_back(*Cidr::parse(c));
    return s;
}

} // namespace

int main(int argc, char **argv) {
    int scale = 1;
    std::string only;
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], "--reps") == 0) scale = std::max(1, std::atoi(argv[i + 1]));
        if (std::strcmp(argv[i], "--only") == 0) only = argv[i + 1];
    }
    auto wanted = [&](const char *name) { return only.empty() || only == name; };
    std::string why;
    bool root = testns::enter_root_netns(&why);
    if (!root && !testns::enter_user_netns(&why)) die("cannot enter a namespace: " + why);
    Catalog cat =
        must(Catalog::load(testsupport::source_dir() + "/catalog"), "loading the catalog");

    const std::string toggled = "ad-dc", big_role = "ssh";
    Layout absent = catalog_layout(cat, 30, toggled), on = catalog_layout(cat, 31, "");
    Layout off = shelled(cat, on, toggled);
    std::vector<Row> rows;
    if (wanted("toggle")) {
        std::string what = "toggle a role of " +
                           std::to_string(on.set(toggled + "_tcp")->elements.size() +
                                          on.set(toggled + "_udp")->elements.size()) +
                           " port ranges (30 roles enabled)";
        // A hint naming the role is what rolewalld gives for a toggle; "everything" compares
        // every set. rolewalld keeps a disabled role's shell until the next start or reload;
        // the first toggle of a role after those creates and removes its objects.
        rows.push_back(toggle(what + ", hint: the role", off, on, 200 * scale, true, toggled));
        rows.push_back(toggle(what + ", hint: everything", off, on, 200 * scale, false, toggled));
        rows.push_back(toggle(
            "the same role without a shell: created and removed, as its first toggle after a start",
            absent, on, 200 * scale, true, toggled));
    }
    if (wanted("create"))
        rows.push_back(create("whole layout from empty (31 roles enabled)", on, 20 * scale));
    for (std::size_t n : {10000u, 100000u}) {
        if (!wanted("sources") && !(n == 100000 && wanted("big-toggle"))) continue;
        Layout small = catalog_layout(cat, 31, "", {{big_role, sources(1)}});
        Layout big = catalog_layout(cat, 31, "", {{big_role, sources(n)}});
        if (wanted("sources"))
            rows.push_back(rescope(std::to_string(n) + " source entries into one role", small, big,
                                   (n > 10000 ? 3 : 6) * scale));
        if (n == 100000 && wanted("big-toggle")) {
            Layout big_off = shelled(cat, big, toggled);
            rows.push_back(toggle("same toggle, 100,000 sources in another role, hint: everything",
                                  big_off, big, 20 * scale, false, toggled));
            rows.push_back(toggle("same toggle, 100,000 sources in another role, hint: the role",
                                  big_off, big, 200 * scale, true, toggled));
        }
    }
    std::printf("namespace: %s\n\n", root ? "network (real root)" : "user + network");
    print(rows);
    std::remove(script_path().c_str());
    return 0;
}

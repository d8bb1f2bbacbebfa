"""Unit tests of the modules' argument handling: which options a call sends to rolewalld, with
which D-Bus types, and which combinations fail before anything is sent. No daemon, no root."""

import json

import dbus
import pytest
import yaml

import conftest  # noqa: F401  (puts the collection on sys.path)
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes
from ansible_collections.rolewall.rolewall.plugins.module_utils import rolewall as rw
from ansible_collections.rolewall.rolewall.plugins.modules import info, pending, role

DEFAULTS = dict((k, v.get("default")) for k, v in role.ARGUMENT_SPEC.items())


def params(**given):
    p = dict(DEFAULTS)
    p.update(given)
    return p


# --- durations ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text,want", [
    ("90", 90), (90, 90), ("90s", 90), ("10m", 600), ("2h", 7200), ("1d", 86400),
    ("1h30m", 5400), (" 5m ", 300), ("1m30s", 90),
])
def test_a_duration_is_read_as_rolewallctl_reads_it(text, want):
    assert rw.seconds(text, "timeout") == want


@pytest.mark.parametrize("text", ["", "0", "0s", "10x", "m", "1.5h", "-5", "10 m", "5m3", True])
def test_a_bad_duration_is_refused_naming_the_option(text):
    with pytest.raises(ValueError, match="^confirm"):
        rw.seconds(text, "confirm")


# --- role: names ----------------------------------------------------------------------------------
def test_names_keep_their_order_and_lose_repeats():
    assert role.role_names(params(name=["ssh", "ad-dc", "ssh"])) == ["ssh", "ad-dc"]


@pytest.mark.parametrize("given,message", [
    (dict(name=["*"]), "only for state=reverted"),
    (dict(name=["*", "ssh"], state="reverted"), "give it alone"),
    (dict(name=[" "]), "empty role name"),
    (dict(name=["ssh", "ad-dc"], confirm="2m"), "one role per task"),
    (dict(name=["ssh", "ad-dc"], confirm="2m", state="disabled"), "one role per task"),
])
def test_names_that_cannot_be_one_change_are_refused(given, message):
    with pytest.raises(role.ArgumentError, match=message):
        role.role_names(params(**given))


def test_a_revert_of_several_roles_with_confirm_is_one_change():
    assert role.role_names(params(name=["ssh", "ad-dc"], state="reverted", confirm="1m")) == [
        "ssh", "ad-dc"]


# --- role: options --------------------------------------------------------------------------------
def test_options_not_given_are_not_sent_so_the_daemon_keeps_them():
    assert role.change_options(params(name=["ssh"])) == {}
    assert role.change_options(params(name=["ssh"], state="disabled")) == {}


def test_scope_options_are_sent_as_given():
    opts = role.change_options(params(
        name=["ad-dc"], interfaces=["lan0"], add_sources=[" 192.0.2.0/24"],
        remove_sources=["198.51.100.0/24"], any_interface=False, any_source=False))
    assert opts == {"interfaces": ["lan0"], "add_sources": ["192.0.2.0/24"],
                    "remove_sources": ["198.51.100.0/24"]}


def test_any_is_sent_only_when_true():
    opts = role.change_options(params(name=["ssh"], any_interface=True, sources=["192.0.2.0/24"]))
    assert opts == {"any_interface": True, "sources": ["192.0.2.0/24"]}


def test_an_empty_list_is_sent_so_the_daemon_refuses_it_with_its_message():
    assert role.change_options(params(name=["ssh"], sources=[])) == {"sources": []}


@pytest.mark.parametrize("state", ["disabled", "reverted"])
@pytest.mark.parametrize("key,value", [("interfaces", ["lan0"]), ("remove_sources", ["x"]),
                                       ("any_source", True)])
def test_a_scope_is_only_for_enabling(state, key, value):
    with pytest.raises(role.ArgumentError, match="^%s: only with state=enabled" % key):
        role.change_options(params(name=["ssh"], state=state, **{key: value}))


def test_runtime_timeout_confirm_and_force_are_sent_with_their_values():
    opts = role.change_options(params(name=["ssh"], state="disabled", runtime=True,
                                      timeout="10m", confirm="90", force=True))
    assert opts == {"runtime": True, "timeout": 600, "confirm": 90, "force": True}


@pytest.mark.parametrize("key,value", [("runtime", True), ("timeout", "5m")])
def test_a_revert_has_no_runtime_or_timeout(key, value):
    with pytest.raises(role.ArgumentError, match="^%s: " % key):
        role.change_options(params(name=["ssh"], state="reverted", **{key: value}))


def test_a_bad_timeout_is_refused_naming_it():
    with pytest.raises(role.ArgumentError, match="^timeout must be a duration"):
        role.change_options(params(name=["ssh"], timeout="soon"))


def test_the_ssh_connection_comes_from_the_environment_unless_given():
    env = "192.0.2.9 50000 192.0.2.1 22"
    assert role.change_options(params(name=["ssh"]), env) == {"ssh_connection": env}
    given = "203.0.113.5 40000 203.0.113.1 22"
    assert role.change_options(params(name=["ssh"], ssh_connection=given), env) == {
        "ssh_connection": given}


# --- the D-Bus types ------------------------------------------------------------------------------
def test_options_go_out_with_the_types_of_the_api():
    out = rw.to_dbus_options({"interfaces": ["lan0"], "runtime": True, "timeout": 600,
                              "ssh_connection": "a b c d", "dry_run": True, "since": 5,
                              "limit": 3, "sources": []})
    assert out.signature == "sv"
    assert out["interfaces"].signature == "s" and list(out["interfaces"]) == ["lan0"]
    assert out["sources"].signature == "s" and list(out["sources"]) == []
    assert isinstance(out["runtime"], dbus.Boolean)
    assert isinstance(out["dry_run"], dbus.Boolean)
    assert isinstance(out["timeout"], dbus.UInt32) and out["timeout"] == 600
    assert isinstance(out["limit"], dbus.UInt32)
    assert isinstance(out["since"], dbus.UInt64)
    assert isinstance(out["ssh_connection"], dbus.String)


def test_every_option_the_role_module_sends_has_a_type():
    sent = set(role.SCOPE_OPTIONS) | {"any_interface", "any_source", "runtime", "timeout",
                                      "confirm", "force", "ssh_connection", "dry_run", "all"}
    assert sent <= set(rw.OPTION_TYPES)


def test_replies_become_plain_python_so_json_says_true_not_1():
    reply = dbus.Dictionary({"changed": dbus.Boolean(True), "expires": dbus.UInt64(7),
                             "interfaces": dbus.Array([dbus.String("lan0")], signature="s")},
                            signature="sv")
    native = rw.to_native(reply)
    assert json.dumps(native, sort_keys=True) == (
        '{"changed": true, "expires": 7, "interfaces": ["lan0"]}')
    assert type(native["changed"]) is bool


# --- diff -----------------------------------------------------------------------------------------
RESULT = dict(changed=True, enabled=True, interfaces=["lan0"], sources=[], origin="state",
              was_enabled=True, was_interfaces=["lan0", "wg*"],
              was_sources=["192.0.2.0/24"], was_origin="config")


def test_the_diff_shows_each_dimension_before_and_after_with_any_for_empty():
    (d,) = role.diffs({"ad-dc": RESULT, "ssh": dict(RESULT, changed=False)})
    assert d["before_header"] == d["after_header"] == "rolewall role ad-dc"
    assert d["before"] == ("enabled: true\ninterfaces: lan0, wg*\nsources: 192.0.2.0/24\n"
                           "origin: config\n")
    assert d["after"] == "enabled: true\ninterfaces: lan0\nsources: any\norigin: state\n"


def test_a_disabled_role_is_one_line_in_the_diff():
    (d,) = role.diffs({"ssh": dict(changed=True, enabled=False, was_enabled=True,
                                   was_interfaces=[], was_sources=[], was_origin="config")})
    assert d["after"] == "enabled: false\n"
    assert d["before"] == "enabled: true\ninterfaces: any\nsources: any\norigin: config\n"


# --- the order of calls ---------------------------------------------------------------------------
class Recorder:
    """Answers like rolewalld would for the calls of Change, and records them. Only the
    module's sequencing is tested with it; the tests in test_playbooks.py use the real daemon."""

    def __init__(self, refuse=None, changes=()):
        self.calls, self.refuse, self.changes = [], refuse, set(changes)

    def call(self, method, *args):
        if method == "RevertRoles":  # an 'as', even when empty
            assert isinstance(args[0], dbus.Array) and args[0].signature == "s"
        name = args[0] if isinstance(args[0], str) else tuple(args[0])
        opts = rw.to_native(args[-1])
        self.calls.append((method, name, bool(opts.get("dry_run"))))
        if name == self.refuse:
            raise rw.RolewallError("org.rolewall1.Error.UnknownRole", "no role %r" % name)
        if method == "RevertRoles":
            return [dict((n, dict(changed=n in self.changes)) for n in (args[0] or ["a"]))]
        return [dict(changed=name in self.changes)]


def test_every_role_is_dry_run_before_any_is_changed_and_a_refusal_stops_all():
    rec = Recorder(refuse="nope", changes={"ssh"})
    change = role.Change(rec, params(name=["ssh", "nope"]), {}, ["ssh", "nope"])
    with pytest.raises(rw.RolewallError):
        change.dry_run()
    assert rec.calls == [("EnableRole", "ssh", True), ("EnableRole", "nope", True)]
    assert change.role == "nope"


def test_only_the_roles_that_would_change_are_changed():
    rec = Recorder(changes={"ad-dc"})
    change = role.Change(rec, params(name=["ssh", "ad-dc"], state="disabled"), {},
                         ["ssh", "ad-dc"])
    change.dry_run()
    change.apply()
    assert rec.calls[2:] == [("DisableRole", "ad-dc", False)]
    assert change.applied == ["ad-dc"]


def test_a_revert_of_every_role_asks_for_all():
    rec = Recorder(changes={"a"})
    change = role.Change(rec, params(name=["*"], state="reverted"), {}, ["*"])
    change.dry_run()
    change.apply()
    assert rec.calls == [("RevertRoles", (), True), ("RevertRoles", (), False)]


# --- the modules' argument specs ------------------------------------------------------------------
def run_module(main, args, capsys):
    basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    with pytest.raises(SystemExit):
        main()
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("args,message", [
    ({}, "missing required arguments: name"),
    ({"name": "ssh", "state": "on"}, "value of state must be one of"),
    ({"name": "ssh", "any_interface": True, "interfaces": ["lan0"]}, "mutually exclusive"),
    ({"name": "ssh", "any_source": True, "add_sources": ["192.0.2.0/24"]}, "mutually exclusive"),
    ({"name": "ssh", "timeout": "later"}, "timeout must be a duration"),
    ({"name": "ssh", "state": "disabled", "sources": ["192.0.2.0/24"]}, "only with state=enabled"),
    ({"name": "ssh", "bogus": 1}, "Unsupported parameters"),
])
def test_the_role_module_fails_on_bad_arguments_before_touching_the_bus(args, message, capsys,
                                                                      monkeypatch):
    monkeypatch.setattr(rw, "Manager", None)  # any use of the bus would raise
    out = run_module(role.main, args, capsys)
    assert out["failed"] and message in out["msg"]


def test_the_info_module_refuses_an_unknown_part(capsys):
    out = run_module(info.main, {"gather": ["enabled", "firewalls"]}, capsys)
    assert out["failed"] and "gather" in out["msg"]


def test_the_pending_module_takes_confirmed_or_reverted(capsys):
    out = run_module(pending.main, {"state": "aborted"}, capsys)
    assert out["failed"] and "state" in out["msg"]


# --- documentation and argument spec agree --------------------------------------------------------
@pytest.mark.parametrize("module,spec", [
    (role, role.ARGUMENT_SPEC), (info, info.ARGUMENT_SPEC),
    (pending, {"state": dict(type="str", default="confirmed", choices=["confirmed", "reverted"])}),
])
def test_the_documented_options_are_the_argument_spec(module, spec):
    doc = yaml.safe_load(module.DOCUMENTATION)["options"]
    assert sorted(doc) == sorted(spec)
    for name, want in spec.items():
        for key in ("type", "elements", "choices", "aliases"):
            assert doc[name].get(key) == want.get(key), (name, key)
        assert doc[name].get("default") == want.get("default"), name
        assert bool(doc[name].get("required")) == bool(want.get("required")), name
    yaml.safe_load(module.EXAMPLES)
    yaml.safe_load(module.RETURN)


# --- info: what an older daemon or the caller's rights lack -----------------------------------
class Reader:
    def __init__(self, errors):
        self.errors, self.calls = errors, []

    def call(self, method, *args):
        self.calls.append(method)
        if method in self.errors:
            raise rw.RolewallError(self.errors[method], "no")
        return {"ListRoles": [["ssh", "SSH", True]],
                "ListEnabled": [["ssh", "config", [], []]],
                "GetCounters": [[["ssh", 3, 180, 7]], [1, 60, 7]]}[method]


def test_info_falls_back_to_list_enabled_and_names_what_it_could_not_read():
    reader = Reader({"DescribeEnabled": rw.UNKNOWN_METHOD, "GetStatus": rw.UNKNOWN_METHOD,
                     "ListDrops": "org.rolewall1.Error.AccessDenied"})
    facts = info.gather(reader, info.PARTS)
    assert facts["enabled"] == {"ssh": {"origin": "config", "interfaces": [], "sources": []}}
    assert facts["catalog"] == {"ssh": {"title": "SSH", "enabled": True}}
    assert facts["counters"] == {"roles": {"ssh": {"packets": 3, "bytes": 180, "since": 7}},
                                 "policy": {"packets": 1, "bytes": 60, "since": 7}}
    assert sorted(facts["unavailable"]) == ["drops", "status"]
    assert facts["unavailable"]["drops"] == "org.rolewall1.Error.AccessDenied: no"


def test_info_reads_only_the_parts_asked_for_and_fails_on_other_errors():
    reader = Reader({})
    assert sorted(info.gather(reader, ["catalog"])) == ["catalog", "unavailable"]
    assert reader.calls == ["ListRoles"]
    with pytest.raises(rw.RolewallError):
        info.gather(Reader({"ListRoles": "org.rolewall1.Error.Failed"}), ["catalog"])

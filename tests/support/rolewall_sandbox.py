"""A sandboxed rolewall gateway for integration tests written in Python.

    from rolewall_sandbox import Sandbox

    with Sandbox(config=TOML_TEXT) as sb:          # needs root
        sb.ctl("enable", "web-server")              # rolewallctl on the private bus
        sb.listen_tcp([80])                         # a TCP listener in the gateway
        assert sb.connect_tcp("office", "192.0.2.1", 80) == "accepted"
        sb.nft_table()                              # `nft -j list table inet rolewall`, parsed

What it builds, and what it never touches:

- A gateway and one or more client hosts, each a network namespace of its own, joined by veth
  pairs with documentation addresses only (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
  2001:db8::/32). The default is one client, "office", on the gateway's lan0. The namespaces
  are anonymous: a holder process (`sleep`) keeps each one alive, nothing appears in
  /run/netns, and each namespace (with its veths and its nftables ruleset) goes away with its
  holder.
- A private dbus-daemon listening on a socket in a temporary directory, with the system-bus
  policy the bus tests use (tests/data/system-bus.conf.in) and the shipped
  etc/dbus-1/system.d/org.rolewall1.conf.
- rolewalld from the build tree, inside the gateway's namespace, on that bus, with the given
  config (text), the source tree's catalog and a state directory in the temporary directory.

Every process it starts gets PR_SET_PDEATHSIG=SIGKILL, so even a SIGKILLed test leaves no
process and hence no namespace behind; `close()` (the context manager, atexit, SIGTERM, SIGINT
and SIGHUP) stops them in order and removes the temporary directory. Temporary directories left
by a SIGKILLed run (their names carry the pid) are removed by the next sandbox.

Use it from the main thread (PDEATHSIG follows the thread that started a process), with
Debian's /usr/bin/python3 and as root. `python3 rolewall_sandbox.py --help` runs a command
inside a sandbox, e.g. a shell to look around.
"""

import argparse
import atexit
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from xml.etree import ElementTree

SOURCE_DIR = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
PYTHON = "/usr/bin/python3"  # Debian's: the one with python3-dbus, whatever PATH says
TMP_PREFIX = "rolewall-sandbox-"
_PR_SET_PDEATHSIG = 1
_CLONE_NEWNET = 0x40000000

_libc = ctypes.CDLL(None, use_errno=True)


class SandboxError(RuntimeError):
    """The sandbox could not be set up, or a command in it failed unexpectedly."""


def have_root():
    return os.geteuid() == 0


def _die_with_parent():
    # Runs in the child between fork and exec: die when the test process dies.
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _new_netns():
    _die_with_parent()
    if _libc.unshare(_CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


@dataclass
class Link:
    """A veth pair between the gateway and a client host, with a /24 and a /64 on it.

    The gateway has .1 (::1), the host .2 (::2)."""

    host: str  # the client host's name ("office")
    gw_if: str  # the interface name in the gateway ("lan0")
    ipv4: str  # the /24's first three octets ("192.0.2")
    ipv6: str  # the /64's prefix without "::" ("2001:db8:1")
    host_if: str = "eth0"

    def gw_addr(self, family=4):
        return f"{self.ipv4}.1" if family == 4 else f"{self.ipv6}::1"

    def host_addr(self, family=4):
        return f"{self.ipv4}.2" if family == 4 else f"{self.ipv6}::2"


DEFAULT_LINKS = [Link("office", "lan0", "192.0.2", "2001:db8:1")]


@dataclass
class Result:
    argv: list
    returncode: int
    stdout: str
    stderr: str

    def check(self):
        if self.returncode != 0:
            raise SandboxError(
                f"{' '.join(self.argv)} exited {self.returncode}\n{self.stderr}{self.stdout}")
        return self


class Namespace:
    """A network namespace kept alive by a holder process."""

    def __init__(self, name):
        self.name = name
        self._holder = subprocess.Popen(["sleep", "infinity"], preexec_fn=_new_netns,
                                        stdin=subprocess.DEVNULL)
        self.pid = self._holder.pid
        self.path = f"/proc/{self.pid}/ns/net"

    def prefix(self):
        """The command prefix that runs a program in this namespace (nsenter execs it)."""
        return ["nsenter", f"--net={self.path}", "--"]

    def run(self, argv, env=None, timeout=60, check=False, input=None):
        """Runs argv in this namespace and waits for it (killed after `timeout` seconds)."""
        argv = [str(a) for a in argv]
        try:
            p = subprocess.run(self.prefix() + argv, env=env, input=input, capture_output=True,
                               text=True, timeout=timeout, preexec_fn=_die_with_parent,
                               stdin=None if input is not None else subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            raise SandboxError(f"{' '.join(argv)} did not finish within {timeout} s") from e
        r = Result(argv, p.returncode, p.stdout, p.stderr)
        return r.check() if check else r

    def popen(self, argv, **kwargs):
        """Starts argv in this namespace; it dies with the test process."""
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        return subprocess.Popen(self.prefix() + [str(a) for a in argv],
                                preexec_fn=_die_with_parent, **kwargs)

    def close(self):
        _stop(self._holder, signal.SIGKILL)


def _stop(proc, sig=signal.SIGTERM, grace=5.0):
    """Stops one process we started: `sig`, then SIGKILL after `grace` seconds."""
    if proc is None or proc.poll() is not None:
        return proc.returncode if proc else None
    proc.send_signal(sig)
    try:
        return proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def _sweep_stale_tmp(parent):
    """Removes temporary directories of sandboxes whose process is gone (a SIGKILLed test)."""
    for entry in os.listdir(parent):
        m = re.fullmatch(re.escape(TMP_PREFIX) + r"(\d+)-.*", entry)
        if m and not os.path.exists(f"/proc/{m.group(1)}"):
            shutil.rmtree(os.path.join(parent, entry), ignore_errors=True)


def _element_text(val):
    if isinstance(val, dict) and "elem" in val:
        val = val["elem"]["val"]
    if isinstance(val, dict) and "prefix" in val:
        return f"{val['prefix']['addr']}/{val['prefix']['len']}"
    if isinstance(val, dict) and "range" in val:
        return "-".join(str(v) for v in val["range"])
    return str(val)


def _wait_until(predicate, timeout, what, alive=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if alive is not None and alive.poll() is not None:
            raise SandboxError(f"{what}: the process exited with status {alive.returncode}")
        time.sleep(0.05)
    raise SandboxError(f"{what}: not within {timeout} s")


class Sandbox:
    """A gateway running rolewalld on a private bus, and client hosts; see the module doc."""

    def __init__(self, config, links=None, build_dir=None, catalog=None, start=True,
                 tmp_parent=None):
        if not have_root():
            raise SandboxError("the sandbox needs root (network namespaces, nftables)")
        self.build_dir = build_dir or os.environ.get("ROLEWALL_BUILD_DIR") or os.path.join(
            SOURCE_DIR, "build")
        self.rolewalld = os.path.join(self.build_dir, "daemon", "rolewalld")
        self.rolewallctl = os.path.join(self.build_dir, "ctl", "rolewallctl")
        for exe in (self.rolewalld, self.rolewallctl):
            if not os.access(exe, os.X_OK):
                raise SandboxError(f"{exe} is not built (cmake --build {self.build_dir})")
        self.catalog = catalog or os.path.join(SOURCE_DIR, "catalog")
        self.links = list(links or DEFAULT_LINKS)
        self.gateway = None
        self.hosts = {}
        self.daemon = None
        self._bus = None
        self._procs = []
        self._closed = False
        tmp_parent = tmp_parent or tempfile.gettempdir()
        _sweep_stale_tmp(tmp_parent)
        self.dir = tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", dir=tmp_parent)
        os.chmod(self.dir, 0o755)
        self.config_path = os.path.join(self.dir, "rolewall.toml")
        self.state_dir = os.path.join(self.dir, "state")
        self.bus_socket = os.path.join(self.dir, "bus.sock")
        self.bus_address = f"unix:path={self.bus_socket}"
        if len(self.bus_socket) >= 108:  # sizeof(sockaddr_un.sun_path), with its NUL
            shutil.rmtree(self.dir, ignore_errors=True)
            raise SandboxError(f"{self.bus_socket}: too long for a socket path; give a shorter "
                               "tmp_parent")
        self.daemon_log = os.path.join(self.dir, "rolewalld.log")
        os.mkdir(self.state_dir)
        os.chmod(self.state_dir, 0o755)  # rolewalld refuses what others could write to
        self.write_config(config)
        _register(self)
        try:
            self._build_network()
            self._start_bus()
            if start:
                self.start_daemon()
        except BaseException:
            self.close()
            raise

    # --- context manager ---------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- the network ---------------------------------------------------------------------------
    def _build_network(self):
        self.gateway = Namespace("gateway")
        self.gateway.run(["ip", "link", "set", "lo", "up"], check=True)
        for link in self.links:
            host = Namespace(link.host)
            self.hosts[link.host] = host
            self.gateway.run(["ip", "link", "add", link.gw_if, "type", "veth", "peer", "name",
                              link.host_if, "netns", host.pid], check=True)
            for ns, ifname, which in ((self.gateway, link.gw_if, link.gw_addr),
                                      (host, link.host_if, link.host_addr)):
                ns.run(["ip", "addr", "add", f"{which(4)}/24", "dev", ifname], check=True)
                ns.run(["ip", "addr", "add", f"{which(6)}/64", "dev", ifname, "nodad"],
                       check=True)
                ns.run(["ip", "link", "set", ifname, "up"], check=True)
            host.run(["ip", "link", "set", "lo", "up"], check=True)

    def host(self, name):
        return self.hosts[name]

    def link(self, host):
        return next(link for link in self.links if link.host == host)

    # --- the bus -----------------------------------------------------------------------------
    def _start_bus(self):
        with open(os.path.join(SOURCE_DIR, "tests", "data", "system-bus.conf.in")) as f:
            text = f.read()
        policy = os.path.join(SOURCE_DIR, "etc", "dbus-1", "system.d", "org.rolewall1.conf")
        conf = os.path.join(self.dir, "bus.conf")
        with open(conf, "w") as f:
            f.write(text.replace("@LISTEN@", self.bus_address).replace("@POLICY@", policy))
        log_path = os.path.join(self.dir, "dbus-daemon.log")
        with open(log_path, "w") as log:
            self._bus = subprocess.Popen(["dbus-daemon", f"--config-file={conf}", "--nofork"],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         preexec_fn=_die_with_parent)
        try:
            _wait_until(lambda: os.path.exists(self.bus_socket), 10, "dbus-daemon", self._bus)
        except SandboxError as e:
            with open(log_path) as log:
                raise SandboxError(f"{e}\n{log.read()}") from None

    @property
    def env(self):
        """The environment for a client of the private bus (rolewallctl, busctl, Ansible)."""
        env = dict(os.environ)
        env["DBUS_SYSTEM_BUS_ADDRESS"] = self.bus_address
        return env

    def name_owned(self):
        r = subprocess.run(["busctl", f"--address={self.bus_address}", "call",
                            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                            "NameHasOwner", "s", "org.rolewall1"],
                           capture_output=True, text=True, timeout=10)
        return r.returncode == 0 and r.stdout.strip() == "b true"

    def introspect(self):
        """The names of the methods, signals and properties org.rolewall1.Manager has in the
        running rolewalld (to tell which members this daemon offers)."""
        r = subprocess.run(["busctl", f"--address={self.bus_address}", "introspect",
                            "--xml-interface", "org.rolewall1", "/org/rolewall1"],
                           capture_output=True, text=True, timeout=10, check=True)
        root = ElementTree.fromstring(r.stdout)
        return {m.get("name") for i in root.iter("interface")
                if i.get("name") == "org.rolewall1.Manager" for m in i}

    # --- rolewalld -----------------------------------------------------------------------------
    def write_config(self, text):
        with open(self.config_path, "w") as f:
            f.write(text)
        os.chmod(self.config_path, 0o644)  # whatever the umask: rolewalld refuses others' files

    def start_daemon(self, timeout=20):
        """Starts rolewalld in the gateway and waits until it owns org.rolewall1."""
        if self.daemon is not None and self.daemon.poll() is None:
            raise SandboxError("rolewalld is already running")
        env = {k: v for k, v in self.env.items()
               if k not in ("INVOCATION_ID", "JOURNAL_STREAM", "NOTIFY_SOCKET")}
        log = open(self.daemon_log, "a")
        self.daemon = self.gateway.popen(
            [self.rolewalld, "--config", self.config_path, "--catalog", self.catalog,
             "--state-dir", self.state_dir], env=env, stdout=log, stderr=log)
        log.close()
        try:
            _wait_until(self.name_owned, timeout, "rolewalld on the private bus", self.daemon)
        except SandboxError as e:
            raise SandboxError(f"{e}\n{self.log_tail()}") from None
        # A daemon that could not load its config still serves the bus, degraded (under a
        # fail-safe table): for a sandbox that is a config rolewalld refused.
        if self.state() == "degraded":
            raise SandboxError(f"rolewalld runs degraded: it refused the config\n{self.log_tail()}")

    def state(self):
        """The daemon's State property: "running" or "degraded"."""
        r = subprocess.run(["busctl", f"--address={self.bus_address}", "get-property",
                            "org.rolewall1", "/org/rolewall1", "org.rolewall1.Manager", "State"],
                           capture_output=True, text=True, timeout=10, check=True)
        return r.stdout.split('"')[1]

    def stop_daemon(self):
        """SIGTERM to rolewalld; returns its exit status. Its ruleset stays in the kernel."""
        status = _stop(self.daemon)
        self.daemon = None
        return status

    def log_tail(self, lines=30):
        try:
            with open(self.daemon_log) as f:
                return "rolewalld's log:\n" + "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log from rolewalld)"

    def ctl(self, *args, check=True, timeout=30):
        """rolewallctl ARGS on the private bus, from outside the namespaces."""
        argv = [self.rolewallctl] + [str(a) for a in args]
        p = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        r = Result(argv, p.returncode, p.stdout, p.stderr)
        return r.check() if check else r

    # --- the kernel ----------------------------------------------------------------------------
    def nft_table(self):
        """`nft -j list table inet rolewall` in the gateway, parsed; None when there is none.
        Only while rolewalld runs: nft 1.0.6 cuts its JSON short at the flags of a persist-only
        table (what a stopped rolewalld leaves); use nft_text() then."""
        r = self.gateway.run(["nft", "-j", "list", "table", "inet", "rolewall"])
        if r.returncode != 0:
            return None
        return json.loads(r.stdout)["nftables"]

    def nft_text(self):
        return self.gateway.run(["nft", "list", "table", "inet", "rolewall"], check=True).stdout

    def set_elements(self):
        """{set name: [elements as nft -j prints them]} of table inet rolewall in the gateway."""
        sets = {}
        for item in self.nft_table() or []:
            s = item.get("set")
            if s is not None:
                sets[s["name"]] = s.get("elem", [])
        return sets

    def role_elements(self, role):
        """The elements of `role`'s sets in the gateway's table (the sets named "ROLE_..."), as
        text: ports ("80", "49152-65535"), interfaces ("lan0"), networks ("192.0.2.0/24")."""
        out = set()
        for name, elements in self.set_elements().items():
            if name.startswith(role + "_"):
                out.update(_element_text(e["elem"]["val"] if isinstance(e, dict) and "elem" in e
                                         else e) for e in elements)
        return out

    # --- traffic ---------------------------------------------------------------------------------
    def listen_tcp(self, ports):
        """A process in the gateway that accepts TCP connections on `ports` (IPv4 and IPv6) and
        closes them at once. It ends with the sandbox."""
        script = ("import socket, selectors, sys\n"
                  "sel = selectors.DefaultSelector()\n"
                  "for p in map(int, sys.argv[1:]):\n"
                  "    s = socket.socket(socket.AF_INET6)\n"
                  "    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)\n"
                  "    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                  "    s.bind(('::', p)); s.listen(64); sel.register(s, selectors.EVENT_READ)\n"
                  "print('listening', flush=True)\n"
                  "while True:\n"
                  "    for key, _ in sel.select():\n"
                  "        c, _ = key.fileobj.accept(); c.close()\n")
        proc = self.gateway.popen([PYTHON, "-c", script] + [str(p) for p in ports],
                                  stdout=subprocess.PIPE, text=True)
        self._procs.append(proc)
        if proc.stdout.readline().strip() != "listening":
            raise SandboxError(f"the TCP listener on {ports} did not start")
        return proc

    def connect_tcp(self, host, address, port, timeout=1.5):
        """From client `host`, a TCP connection to address:port: "accepted" (connected),
        "refused" (RST or ICMP unreachable: a reject) or "dropped" (no answer in `timeout`)."""
        return self.connect_tcp_many(host, [(address, port)], timeout)[(address, port)]

    def connect_tcp_many(self, host, targets, timeout=1.5):
        """connect_tcp() to each (address, port) of `targets` at once, from one process in
        `host`: {(address, port): "accepted" | "refused" | "dropped"}."""
        script = ("import socket, sys, threading\n"
                  "t = float(sys.argv[1]); out = {}\n"
                  "def probe(a, p):\n"
                  "    try:\n"
                  "        socket.create_connection((a, int(p)), timeout=t).close()\n"
                  "        out[a, p] = 'accepted'\n"
                  "    except socket.timeout:\n"
                  "        out[a, p] = 'dropped'\n"
                  "    except OSError:\n"
                  "        out[a, p] = 'refused'\n"
                  "pairs = list(zip(sys.argv[2::2], sys.argv[3::2]))\n"
                  "threads = [threading.Thread(target=probe, args=ap) for ap in pairs]\n"
                  "[th.start() for th in threads]; [th.join() for th in threads]\n"
                  "for a, p in pairs: print(a, p, out[a, p])\n")
        args = [str(x) for target in targets for x in target]
        r = self.hosts[host].run([PYTHON, "-c", script, timeout] + args, check=True,
                                 timeout=timeout + 10)
        result = {}
        for line in r.stdout.splitlines():
            address, port, verdict = line.split()
            result[(address, int(port))] = verdict
        return result

    # --- the end -------------------------------------------------------------------------------
    def pids(self):
        """The processes this sandbox runs: namespace holders, dbus-daemon, rolewalld and the
        helpers it started."""
        procs = [ns._holder for ns in [self.gateway] + list(self.hosts.values()) if ns]
        procs += [self._bus, self.daemon] + self._procs
        return [p.pid for p in procs if p is not None and p.poll() is None]

    def close(self):
        """Stops everything this sandbox started and removes its temporary directory. Safe to
        call more than once."""
        if self._closed:
            return
        self._closed = True
        for proc in self._procs:
            _stop(proc, signal.SIGKILL)
        _stop(self.daemon)
        _stop(self._bus)
        for ns in list(self.hosts.values()) + [self.gateway]:
            if ns is not None:
                ns.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        _unregister(self)


# --- cleanup on every exit path -----------------------------------------------------------------
_open = []


def _close_all():
    for sb in list(_open):
        sb.close()


def _on_signal(signum, _frame):
    _close_all()
    # The usual exit status for death by this signal, after the sandboxes are gone.
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _register(sb):
    if not _open:
        atexit.register(_close_all)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            if signal.getsignal(sig) in (signal.SIG_DFL, signal.default_int_handler):
                signal.signal(sig, _on_signal)
    _open.append(sb)


def _unregister(sb):
    if sb in _open:
        _open.remove(sb)


# --- a command inside a sandbox -------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Runs COMMAND next to a sandboxed rolewalld (gateway lan0 192.0.2.1, client "
        "'office' 192.0.2.2) with DBUS_SYSTEM_BUS_ADDRESS set to its private bus, and "
        "ROLEWALL_GATEWAY_NETNS / ROLEWALL_CLIENT_NETNS naming the namespaces for nsenter --net. "
        "Everything is removed when COMMAND ends.")
    ap.add_argument("--config", help="rolewall.toml to use (default: the shipped one)")
    ap.add_argument("--build-dir", help="the build tree (default: SOURCE/build)")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="default: an interactive shell")
    args = ap.parse_args(argv)
    with open(args.config or os.path.join(SOURCE_DIR, "etc", "rolewall", "rolewall.toml")) as f:
        config = f.read()
    with Sandbox(config, build_dir=args.build_dir) as sb:
        env = sb.env
        env["ROLEWALL_GATEWAY_NETNS"] = sb.gateway.path
        env["ROLEWALL_CLIENT_NETNS"] = sb.hosts["office"].path
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        command = command or [os.environ.get("SHELL", "/bin/sh")]
        return subprocess.call(command, env=env, preexec_fn=_die_with_parent)


if __name__ == "__main__":
    sys.exit(main())

// Samba's effective configuration as `testparm -s -v` prints it, and what it means for
// rolewall: the roles a Samba server needs, their interfaces and sources, the RPC port range,
// and where a running rolewall config disagrees with it.
#pragma once

#include "rolewall/catalog.hpp"
#include "rolewall/config.hpp"
#include "rolewall/error.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rolewall::ctl {

inline constexpr const char *default_smb_conf = "/etc/samba/smb.conf";

struct SambaConfig {
    std::string file;                          // the smb.conf testparm read
    std::map<std::string, std::string> global; // [global] parameter -> value, as testparm spells
    std::vector<std::string> shares;           // the other sections, in order

    std::string get(const std::string &key) const; // "" when absent
    bool yes(const std::string &key) const;        // "Yes"/"yes"/"true"/"1"
};

// Parses testparm's output.
SambaConfig parse_testparm(const std::string &text, const std::string &file);
// Runs `testparm -s -v FILE` and parses it. Errc::io when testparm is missing ("install
// samba-common-bin") or refuses the file (its message included).
Result<SambaConfig> read_samba_config(const std::string &file);

// A value with the smb.conf parameters it came from, for the snippet's comments.
template <typename T> struct Sourced {
    T value;
    std::string from;     // "server role = active directory domain controller"
    std::string left_out; // what could not be carried over, and why ("" when nothing)
};

struct SambaPlan {
    std::vector<Sourced<std::string>> roles;                     // "ad-dc", "file-server", ...
    std::optional<Sourced<std::vector<std::string>>> interfaces; // only with bind interfaces only
    std::optional<Sourced<std::vector<std::string>>> sources;    // from hosts allow
    std::optional<Sourced<PortRange>> rpc_ports;
    std::vector<std::string> notes; // smb ports, disable netbios, ...
};

// What rolewall needs for this Samba server. Interface entries given as addresses are mapped
// to the interface holding them in the calling namespace.
SambaPlan plan_for(const SambaConfig &samba, const Catalog &catalog);

// Where `config` (with `enabled`, the roles in force and their scopes) disagrees with Samba:
// the RPC range, and the interfaces of enabled Samba roles. One sentence each.
std::vector<std::string> samba_disagreements(const SambaConfig &samba, const Catalog &catalog,
                                             const Config &config,
                                             const std::map<std::string, Scope> &enabled);

} // namespace rolewall::ctl

// The catalog: services (ports with their sources) and roles (bundles of services).
#pragma once

#include "rolewall/error.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rolewall {

// Bare IP protocols a catalog entry may name, with their IANA numbers.
struct IpProtocolName {
    const char *name;
    std::uint8_t number;
};
const std::vector<IpProtocolName> &known_ip_protocols();
std::optional<std::uint8_t> ip_protocol_number(const std::string &name);
std::string ip_protocol_name(std::uint8_t number); // "gre", or the number as text

enum class L4 { tcp, udp };
const char *l4_name(L4 l4);

struct PortRange {
    std::uint16_t first = 0;
    std::uint16_t last = 0;
    bool operator==(const PortRange &) const = default;
    auto operator<=>(const PortRange &) const = default;
};
std::string port_range_str(PortRange r); // "88" or "49152-65535"
// Parses "88" or "1025-5000" (ports 1-65535, first <= last); `why` says what is wrong.
std::optional<PortRange> parse_port_range(std::string_view text, std::string *why = nullptr);

// Named port ranges that catalog entries refer to and the config sets.
struct NamedRange {
    const char *key; // config key in [firewall], e.g. "rpc_dynamic_ports"
    PortRange default_range;
    const char *description;
};
const std::vector<NamedRange> &named_ranges();
using RangeValues = std::map<std::string, PortRange>; // key -> value in force
RangeValues default_range_values();

// Where a catalog object came from, for messages.
struct Origin {
    std::string file;
    int line = 0;
    int column = 0;
};

// One line of a service: an application protocol on a transport port (range), a named range
// resolved from the config, or a bare IP protocol.
struct Entry {
    enum class Kind { port, named_range, ip_protocol };
    Kind kind = Kind::port;
    std::string application;
    L4 l4 = L4::tcp;              // port, named_range
    PortRange ports;              // port
    std::string range;            // named_range: key of named_ranges()
    std::uint8_t ip_protocol = 0; // ip_protocol
    std::string note;             // errata decision or remark
    Origin origin;
};

struct Service {
    std::string id;
    std::string title;
    std::string description;
    std::string windows_service;      // "Kdc"; empty where the sources give none
    std::vector<std::string> sources; // articles, e.g. "KB832017"
    std::vector<std::string> aliases; // other names the sources use for it
    std::string note;
    std::vector<Entry> entries;
    Origin origin;
    bool local = false; // from the local catalog directory
};

struct Role {
    std::string id;
    std::string title;
    std::string description;
    std::vector<std::string> services; // service ids
    std::vector<std::string> includes; // role ids
    std::vector<std::string> sources;
    std::string note;
    Origin origin;
    bool local = false;
};

// An entry as it applies to a role, with named ranges resolved.
struct EffectivePort {
    L4 l4;
    PortRange ports;
    std::string service;
    std::string application;
};
struct EffectiveIpProtocol {
    std::uint8_t number;
    std::string service;
    std::string application;
};

class Catalog {
  public:
    // Loads DIR/services/*.toml and DIR/roles/*.toml, then the same layout under local_dir
    // (may be empty or missing). Reports every problem found, not only the first.
    static Result<Catalog> load(const std::filesystem::path &dir,
                                const std::filesystem::path &local_dir = {});

    const std::map<std::string, Service> &services() const { return services_; }
    const std::map<std::string, Role> &roles() const { return roles_; }
    const Service *service(const std::string &id) const;
    const Role *role(const std::string &id) const;

    // Service ids of a role, its included roles flattened, sorted and unique.
    std::vector<std::string> role_services(const std::string &role_id) const;
    // Roles (sorted) whose effective services include the service.
    std::vector<std::string> roles_using(const std::string &service_id) const;

    std::vector<EffectivePort> role_ports(const std::string &role_id,
                                          const RangeValues &ranges) const;
    std::vector<EffectiveIpProtocol> role_ip_protocols(const std::string &role_id) const;

    // Every (service, entry) whose ports contain port for the given transport.
    struct PortUse {
        const Service *service;
        const Entry *entry;
        PortRange ports; // resolved
    };
    std::vector<PortUse> which(std::uint16_t port, std::optional<L4> l4,
                               const RangeValues &ranges) const;

  private:
    friend class CatalogLoader;
    std::map<std::string, Service> services_;
    std::map<std::string, Role> roles_;
};

// Resolves an entry's ports: fixed, or a named range from the config.
PortRange resolve_ports(const Entry &e, const RangeValues &ranges);

// A service as front-ends show it (rolewallctl show SERVICE and services, D-Bus GetService):
// the one place that says what a service's entries are once the config's ranges apply.
struct EntryDetails {
    std::string application;
    std::string protocol;                    // "tcp", "udp" or a bare IP protocol ("gre")
    std::optional<std::uint8_t> ip_protocol; // a bare IP protocol's number
    PortRange ports;                         // resolved; {0, 0} for a bare IP protocol
    std::string range;                       // the named range's key, or ""
    std::string note;
};
EntryDetails entry_details(const Entry &e, const RangeValues &ranges);

struct ServiceDetails {
    const Service *service;
    std::vector<std::string> roles; // roles using it (Catalog::roles_using)
    std::vector<EntryDetails> entries;
};
// nullopt when the catalog has no service `id`.
std::optional<ServiceDetails> service_details(const Catalog &catalog, const std::string &id,
                                              const RangeValues &ranges);

} // namespace rolewall

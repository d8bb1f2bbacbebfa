// The catalog members of /org/rolewall1 for front-ends: GetService. They translate; what a
// service is, once the config's named ranges apply, is service_details() (catalog.hpp), which
// rolewallctl show SERVICE prints too.
#include "errors.hpp"
#include "manager_service.hpp"

namespace rolewall::bus {

namespace {

using Dict = std::map<std::string, sdbus::Variant>;

Dict entry_dict(const EntryDetails &e) {
    return {
        {"application", sdbus::Variant(e.application)},
        {"protocol", sdbus::Variant(e.protocol)},
        {"first", sdbus::Variant(e.ports.first)},
        {"last", sdbus::Variant(e.ports.last)},
        {"range", sdbus::Variant(e.range)},
        {"note", sdbus::Variant(e.note)},
    };
}

} // namespace

std::map<std::string, sdbus::Variant> ManagerService::GetService(const std::string &id) {
    return guarded([&] {
        auto d = service_details(manager_.catalog(), id, manager_.config().ranges);
        if (!d)
            throw to_dbus_error(make_error(Errc::unknown_service,
                                           "there is no service '" + id + "' in the catalog"));
        const Service &s = *d->service;
        std::vector<Dict> entries;
        for (const auto &e : d->entries)
            entries.push_back(entry_dict(e));
        return Dict{
            {"id", sdbus::Variant(s.id)},
            {"title", sdbus::Variant(s.title)},
            {"description", sdbus::Variant(s.description)},
            {"windows_service", sdbus::Variant(s.windows_service)},
            {"sources", sdbus::Variant(s.sources)},
            {"aliases", sdbus::Variant(s.aliases)},
            {"note", sdbus::Variant(s.note)},
            {"roles", sdbus::Variant(d->roles)},
            {"entries", sdbus::Variant(entries)},
        };
    });
}

} // namespace rolewall::bus

#include "util.hpp"

namespace test {

Run ctl(std::vector<std::string> args) {
    args.insert(args.begin(), ROLEWALL_CTL);
    return run(args);
}

const rolewall::Catalog &fixture() {
    static rolewall::Catalog c = *rolewall::Catalog::load(fixture_catalog());
    return c;
}

rolewall::Layout fixture_layout(const std::map<std::string, rolewall::Scope> &enabled,
                                rolewall::Policy policy) {
    return rolewall::build_layout(fixture(), policy, rolewall::default_range_values(), enabled);
}

rolewall::Scope scope(std::vector<std::string> interfaces,
                      const std::vector<std::string> &sources) {
    rolewall::Scope s;
    s.interfaces = std::move(interfaces);
    for (const auto &c : sources)
        s.sources.push_back(*rolewall::Cidr::parse(c));
    return s;
}

} // namespace test

// A stand-in for polkitd on the test bus: answers CheckAuthorization with a fixed yes or no
// and appends what it was asked to a log file, one line per call:
//   <subject kind> <subject name> <action> <flags>
// Usage: fake_polkit ADDRESS yes|no|challenge LOGFILE   (prints "ready" once it owns its name)
// "challenge": not authorized, but would be after authentication (is_challenge = true).
#include <cstdio>
#include <fstream>
#include <map>
#include <sdbus-c++/sdbus-c++.h>
#include <string>

using Subject = sdbus::Struct<std::string, std::map<std::string, sdbus::Variant>>;
using AuthResult = sdbus::Struct<bool, bool, std::map<std::string, std::string>>;

int main(int argc, char **argv) {
    if (argc != 4) return 2;
    std::string address = argv[1];
    std::string answer = argv[2];
    bool yes = answer == "yes", challenge = answer == "challenge";
    std::string log = argv[3];
    auto connection = sdbus::createSessionBusConnectionWithAddress(address);
    auto object = sdbus::createObject(*connection, "/org/freedesktop/PolicyKit1/Authority");
    object->registerMethod("CheckAuthorization")
        .onInterface("org.freedesktop.PolicyKit1.Authority")
        .implementedAs([&](const Subject &subject, const std::string &action,
                           const std::map<std::string, std::string> &, const uint32_t &flags,
                           const std::string &) -> AuthResult {
            std::string name;
            auto it = subject.get<1>().find("name");
            if (it != subject.get<1>().end()) name = it->second.get<std::string>();
            std::ofstream(log, std::ios::app)
                << subject.get<0>() << " " << name << " " << action << " " << flags << "\n";
            return AuthResult{yes, challenge, {}};
        });
    // The analyzer loses track of the handler inside sdbus-c++ and calls it a leak; the object
    // lives until the process ends.
    object->finishRegistration(); // NOLINT(clang-analyzer-cplusplus.NewDeleteLeaks)
    connection->requestName("org.freedesktop.PolicyKit1");
    std::printf("ready\n");
    std::fflush(stdout);
    connection->enterEventLoop();
}

// Names of rolewall's D-Bus API (org.rolewall1.Manager.xml beside this file), shared by the daemon,
// rolewallctl and the tests. No sdbus-c++ here: this header is only strings.
#pragma once

#include <cstdint>

namespace rolewall::bus {

inline constexpr const char *service_name = "org.rolewall1";
inline constexpr const char *object_path = "/org/rolewall1";
inline constexpr const char *interface_name = "org.rolewall1.Manager";

// Error names. Every error carries one sentence a human understands.
inline constexpr const char *error_unknown_role = "org.rolewall1.Error.UnknownRole";
inline constexpr const char *error_unknown_service = "org.rolewall1.Error.UnknownService";
inline constexpr const char *error_invalid_argument = "org.rolewall1.Error.InvalidArgument";
inline constexpr const char *error_access_denied = "org.rolewall1.Error.AccessDenied";
inline constexpr const char *error_kernel_rejected = "org.rolewall1.Error.KernelRejected";
inline constexpr const char *error_invalid_config = "org.rolewall1.Error.InvalidConfig";
// A scope over the caps ([firewall] max_sources_per_role, max_interfaces_per_role).
inline constexpr const char *error_limit_exceeded = "org.rolewall1.Error.LimitExceeded";
// Anything else that kept the change from happening (the state file could not be written,
// the netlink socket failed). Nothing changed.
inline constexpr const char *error_failed = "org.rolewall1.Error.Failed";
// A change asked of a degraded daemon (it could not start; Reload is the way back).
inline constexpr const char *error_degraded = "org.rolewall1.Error.Degraded";
// Another change waits for confirmation; ConfirmPending/RevertPending with none waiting.
inline constexpr const char *error_pending = "org.rolewall1.Error.Pending";
inline constexpr const char *error_nothing_pending = "org.rolewall1.Error.NothingPending";
// The change would drop a new SSH connection like the caller's (ssh_connection); force or
// confirm lets it through with a warning.
inline constexpr const char *error_lock_out = "org.rolewall1.Error.LockOut";

// Options of EnableRole and DisableRole (a{sv}).
inline constexpr const char *option_interfaces = "interfaces";               // as
inline constexpr const char *option_sources = "sources";                     // as
inline constexpr const char *option_runtime = "runtime";                     // b
inline constexpr const char *option_any_interface = "any_interface";         // b
inline constexpr const char *option_any_source = "any_source";               // b
inline constexpr const char *option_add_interfaces = "add_interfaces";       // as
inline constexpr const char *option_remove_interfaces = "remove_interfaces"; // as
inline constexpr const char *option_add_sources = "add_sources";             // as
inline constexpr const char *option_remove_sources = "remove_sources";       // as
inline constexpr const char *option_dry_run = "dry_run";                     // b
inline constexpr const char *option_timeout = "timeout"; // u: seconds, then undone (runtime)
inline constexpr std::uint32_t max_timeout = 2592000;    // 30 days
inline constexpr const char *option_confirm = "confirm"; // u: seconds to confirm, else undone
inline constexpr std::uint32_t max_confirm = 86400;      // a day
// The lock-out guard, on EnableRole, DisableRole, RevertRoles and ReloadWithOptions.
inline constexpr const char *option_force = "force";                   // b: skip it
inline constexpr const char *option_ssh_connection = "ssh_connection"; // s: SSH_CONNECTION
// Options of RevertRoles (with dry_run).
inline constexpr const char *option_all = "all"; // b: every role with a saved or runtime entry

// Keys of the result a{sv} of EnableRole and DisableRole.
inline constexpr const char *result_changed = "changed";               // b
inline constexpr const char *result_enabled = "enabled";               // b
inline constexpr const char *result_interfaces = "interfaces";         // as (empty: any)
inline constexpr const char *result_sources = "sources";               // as (empty: any)
inline constexpr const char *result_origin = "origin";                 // s ("" when disabled)
inline constexpr const char *result_was_enabled = "was_enabled";       // b
inline constexpr const char *result_was_interfaces = "was_interfaces"; // as
inline constexpr const char *result_was_sources = "was_sources";       // as
inline constexpr const char *result_was_origin = "was_origin";         // s
inline constexpr const char *result_warnings = "warnings";             // as
inline constexpr const char *result_expires = "expires"; // t: a timed change is undone then
inline constexpr const char *result_pending_deadline = "pending_deadline"; // t: unless confirmed

// polkit action that allows EnableRole, DisableRole and Reload to callers other than uid 0.
inline constexpr const char *polkit_action = "org.rolewall1.manage";

} // namespace rolewall::bus

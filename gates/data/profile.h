/* profile.h -- the profile and drift subcommands of qgate-data
 *
 * Implemented in cmd_profile.c and cmd_drift.c (owned by the data-profile
 * engineer); main.c only dispatches to them. Each takes the subcommand's argv
 * (argv[0] is "profile" / "drift") and returns the contract's exit code 0..3.
 */
#ifndef QGATE_DATA_PROFILE_H
#define QGATE_DATA_PROFILE_H

int qg_data_cmd_profile(int argc, const char **argv);
int qg_data_cmd_drift(int argc, const char **argv);

#endif

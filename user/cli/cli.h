/* SPDX-License-Identifier: GPL-2.0-only */
/* The command table's entry points and the conventions every subcommand shares. */
#ifndef CORDON_CLI_H
#define CORDON_CLI_H

/* Exit codes of every command (`cordon run` returns the agent's own status instead). */
#define EXIT_OK	   0
#define EXIT_FAIL  1
#define EXIT_USAGE 2

#define CORDON_VERSION "0.1.0"

int cmd_audit(int argc, char **argv);
int cmd_daemon(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_end(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_policy(int argc, char **argv);
/* cmd_policy_suggest.c: `cordon policy suggest` (argv[0] is "suggest"). */
int policy_suggest(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_version(int argc, char **argv);

/* cli_util.c: print "cordon: <msg>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * CORDON_LAUNCH_TIMING=1 in the environment: "cordon: timing: PHASE +MS" on stderr, the time
 * since the process started, at each step of the launch path (how a launch's time is profiled;
 * docs/architecture.md). CORDON_LAUNCH_TIMING=abs: "PHASE @MS", CLOCK_MONOTONIC, so the lines of
 * the client, the daemon (its own environment) and the spawn worker can be merged by time.
 * Nothing otherwise.
 */
void cli_phase(const char *phase);

/*
 * The options of a command whose only options are --json and --help: --json sets *@json,
 * --help prints @usage to stdout. -1 to go on with the operands from argv[optind]; else the exit
 * code to return (EXIT_OK after --help, EXIT_USAGE after an unknown option).
 */
int cli_json_opts(int argc, char **argv, const char *usage, int *json);

#endif /* CORDON_CLI_H */

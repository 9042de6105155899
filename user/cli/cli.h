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
int cmd_policy(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_version(int argc, char **argv);

/* cli_util.c: print "cordon: <msg>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* CORDON_CLI_H */

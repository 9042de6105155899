/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The forbidden actions the escape program and the VM tests perform, one copy each. Every one
 * returns 0 when the action succeeded, else the errno it got. No cordon library: the escape
 * program links this alone and runs as the agent.
 */
#ifndef CORDON_TEST_ATTACK_H
#define CORDON_TEST_ATTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* open(@path, O_RDONLY | O_CLOEXEC) and read its start into @buf (NUL-terminated); *@n: bytes. */
int attack_read(const char *path, char *buf, size_t len, ssize_t *n);

/* The same without the bytes: can this process open @path and read from it? */
int attack_open_read(const char *path);

/* open(@path, @flags, @mode) and write @data (NULL: nothing) into it. */
int attack_write(const char *path, int flags, mode_t mode, const char *data);

/* PTRACE_ATTACH to @pid, then detach. */
int attack_ptrace(pid_t pid);

/* kill(@pid, @sig). */
int attack_kill(pid_t pid, int sig);

/* BPF_MAP_CREATE of a one-entry map of @type (an invalid type reaches the kernel's checks). */
int attack_bpf_map_create(unsigned int type);

/* socket(@family, @type | SOCK_CLOEXEC, @proto), closed at once. */
int attack_socket(int family, int type, int proto);

/* connect() to the unix socket @name: a path, or with @abstract a name in the abstract space. */
int attack_unix_connect(const char *name, bool abstract);

/*
 * TIOCSTI on a terminal we control: a forked child in a new session opens a fresh pty as its
 * controlling terminal and pushes one byte into its input (how keystrokes reach a shell).
 */
int attack_tiocsti(void);

/*
 * Copy @exe into an anonymous memory file and execute that with @argv and @envp: code no
 * file-system rule names. Returns only on failure; *@step names the step that failed.
 */
int attack_memfd_exec(const char *exe, char *const argv[], char *const envp[], const char **step);

#endif /* CORDON_TEST_ATTACK_H */

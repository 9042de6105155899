// SPDX-License-Identifier: GPL-2.0-only
/*
 * The agent's environment. The caller's variables, minus the policy's secrets. When root starts
 * the agent as another user (`--user`), that user's environment as `su -` and `sudo -u` make it:
 * HOME, USER, LOGNAME and SHELL from the passwd entry, a login PATH, and nothing that names
 * root's home (PYENV_ROOT=/root/.pyenv, /root/.cargo/bin in PATH): the agent cannot use those,
 * and each exec through them would be a spurious refusal. A session the daemon spawns keeps the
 * caller's own variables: they are already that user's.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "run.h"
#include "sys/sys.h"

/* PATH for a login of @uid: login.defs' ENV_SUPATH/ENV_PATH, else what Debian's defaults are. */
static char *login_path(uid_t uid)
{
	const char *key = uid == 0 ? "ENV_SUPATH" : "ENV_PATH";
	char line[1024], *path = NULL;
	FILE *f = fopen("/etc/login.defs", "re");

	while (f && !path && fgets(line, sizeof(line), f)) {
		char *v = line + strspn(line, " \t");
		size_t kl = strlen(key);

		if (strncmp(v, key, kl) || (v[kl] != ' ' && v[kl] != '\t'))
			continue;
		v += kl + strspn(v + kl, " \t");
		v[strcspn(v, " \t\n")] = 0;
		if (!strncmp(v, "PATH=", 5))
			v += 5;
		if (v[0] == '/')
			path = strdup(v);
	}
	if (f)
		fclose(f);
	if (path)
		return path;
	return strdup(uid == 0 ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
			       : "/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games");
}

/* The user's own bin directories first, as Debian's ~/.profile puts them when they exist. */
static char *user_path(const struct run_target_user *u)
{
	_cleanup_free_ char *base = login_path(u->uid), *bin = NULL, *local = NULL;

	bin = cordon_path_join(u->home, "bin");
	local = cordon_path_join(u->home, ".local/bin");
	if (!base || !bin || !local)
		return NULL;
	return cordon_strdup_printf("%s%s%s%s%s", access(local, F_OK) == 0 ? local : "",
				    access(local, F_OK) == 0 ? ":" : "",
				    access(bin, F_OK) == 0 ? bin : "",
				    access(bin, F_OK) == 0 ? ":" : "", base);
}

static int su_env(struct run *r)
{
	struct passwd *caller = cordon_getpw(NULL, getuid());
	_cleanup_free_ char *path = user_path(&r->tu);

	if (!path)
		return -ENOMEM;
	if (cordon_env_set(&r->env, "HOME", r->tu.home, &r->home_env) < 0 ||
	    cordon_env_set(&r->env, "USER", r->tu.name, &r->user_env) < 0 ||
	    cordon_env_set(&r->env, "LOGNAME", r->tu.name, &r->logname_env) < 0 ||
	    cordon_env_set(&r->env, "SHELL", r->tu.shell, &r->shell_env) < 0 ||
	    cordon_env_set(&r->env, "PATH", path, &r->path_env) < 0)
		return -ENOMEM;
	/* After those are the user's: --user root keeps root's own paths, they are that user's. */
	if (caller && r->tu.uid != getuid() &&
	    cordon_env_drop_under(r->env, caller->pw_dir, &r->env_dropped) < 0)
		return -ENOMEM;
	return 0;
}

int run_build_env(struct run *r)
{
	r->env = cordon_env_scrub(environ, &r->pol->env_deny, &r->pol->env_keep, &r->env_dropped);
	if (!r->env)
		return -ENOMEM;
	if (!r->o.user)
		return 0;
	/* The daemon's worker: the caller's variables are the user's own already. */
	if (!r->dsess.on)
		return su_env(r);
	if (cordon_env_set(&r->env, "HOME", r->tu.home, &r->home_env) < 0 ||
	    cordon_env_set(&r->env, "USER", r->tu.name, &r->user_env) < 0 ||
	    cordon_env_set(&r->env, "LOGNAME", r->tu.name, &r->logname_env) < 0)
		return -ENOMEM;
	return 0;
}

void run_print_env_dropped(const struct run *r)
{
	if (!r->env_dropped.n)
		return;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	/* Built whole, then written at once (stderr is unbuffered). */
	if (!m)
		return;
	fputs("cordon: environment: not passed on:", m);
	for (size_t i = 0; i < r->env_dropped.n; i++) {
		fputs(i ? ", " : " ", m);
		/* A name only, shown safely: never a value, never a control character. */
		for (const char *c = r->env_dropped.v[i]; *c && *c != '='; c++)
			fputc(*c > ' ' && *c < 0x7f ? *c : '?', m);
	}
	fputc('\n', m);
	if (fclose(m) == 0)
		fwrite(buf, 1, len, stderr);
	free(buf);
}

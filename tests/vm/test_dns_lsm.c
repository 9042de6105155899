// SPDX-License-Identifier: GPL-2.0-only
/*
 * The session's resolver on a BPF LSM kernel (the cgroup programs are the same on both tiers):
 * an upstream of the test's own on loopback (/bin/dns_tool serve) named by CORDON_RESOLV_CONF.
 * Outside cordon a TXT question, an unlisted name and a connect to the answered address all
 * work; inside, DNS addressed anywhere is steered to the resolver (UDP and TCP), the allowed
 * name resolves and then connects, a fresh session cannot connect before looking it up, TXT and
 * the unlisted name are REFUSED with records and never reach the upstream, DoT is refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"
#include "tap.h"
#include "testutil.h"

#define POLICY "/tmp/dns-vm.yaml"
#define AUDIT  "/tmp/dns-vm.jsonl"
#define ZONE   "/tmp/dns-vm.zone"
#define UPLOG  "/tmp/dns-vm.log"
#define RESOLV "/tmp/dns-vm-resolv.conf"
#define TOOL   "/bin/dns_tool"

static const char policy_yaml[] = "name: dns-vm\n"
				  "filesystem:\n"
				  "  read: [/]\n"
				  "  write: [/tmp]\n"
				  "  exec: [/]\n"
				  "network:\n"
				  "  connect: [\"allowed.test:8443\"]\n";

static int run(char *const argv[], char *out, size_t len)
{
	static char *const envp[] = { "PATH=/bin", "CORDON_RESOLV_CONF=" RESOLV, NULL };
	struct test_cmd c = { .argv = argv, .envp = envp };
	int status;

	if (test_spawn(&c, out, len, &status) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* `cordon run` of @cmd (a shell command line) in the test's session. */
static int inside(const char *cmd, char *out, size_t len)
{
	char *argv[] = { "/bin/cordon",	     "run",	    "--user",	 "root",
			 "--allow-degraded", "--policy",    POLICY,	 "--project",
			 "/tmp/dproj",	     "--audit-log", AUDIT,	 "--",
			 "/bin/sh",	     "-c",	    (char *)cmd, NULL };

	return run(argv, out, len);
}

static pid_t listener(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(8443) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	pid_t pid;

	inet_pton(AF_INET, "127.0.0.2", &sa.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0)
		return -1;
	pid = fork();
	if (pid == 0)
		for (;;) {
			int c = accept(fd, NULL, NULL);

			if (c >= 0)
				close(c);
		}
	close(fd);
	return pid;
}

static pid_t upstream(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execl(TOOL, TOOL, "serve", "127.0.0.153", ZONE, UPLOG, (char *)NULL);
		_exit(127);
	}
	usleep(300 * 1000);
	return pid;
}

static bool file_has(const char *path, const char *s)
{
	char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = 0;
	return strstr(buf, s) != NULL;
}

int main(void)
{
	char out[16384];
	pid_t up, ls;
	int st;

	mkdir("/tmp/dproj", 0755);
	test_write_file(POLICY, policy_yaml, 0600);
	test_write_file(ZONE,
			"allowed.test. A 127.0.0.2 60\nallowed.test. TXT hello 60\n"
			"evil.test. A 127.0.0.2 60\n",
			0644);
	test_write_file(RESOLV, "nameserver 127.0.0.153\n", 0644);
	ls = listener();
	up = upstream();
	if (!tap_check(ls > 0 && up > 0, "dns_test_servers_started"))
		return tap_status();

	/* Outside: all of it works. */
	st = run((char *[]){ TOOL, "query", "127.0.0.153", "allowed.test", "TXT", NULL }, out,
		 sizeof(out));
	tap_check(st == 0 && strstr(out, "hello"), "dns_outside_txt_answered");
	st = run((char *[]){ TOOL, "query", "127.0.0.153", "evil.test", "A", NULL }, out,
		 sizeof(out));
	tap_check(st == 0 && strstr(out, "127.0.0.2"), "dns_outside_unlisted_answered");
	st = run((char *[]){ TOOL, "connect", "127.0.0.2", "8443", NULL }, out, sizeof(out));
	tap_check(st == 0, "dns_outside_connect");
	unlink(UPLOG);
	unlink(AUDIT);

	/* Inside. */
	st = inside(TOOL " connect 127.0.0.2 8443", out, sizeof(out));
	if (!tap_check(st == EPERM, "dns_connect_before_lookup_refused"))
		tap_diag("exit %d: %s", st, out);
	st = inside(TOOL " query 10.9.9.9 allowed.test A && " TOOL " connect 127.0.0.2 8443", out,
		    sizeof(out));
	if (!tap_check(st == 0 && strstr(out, "NOERROR") && strstr(out, "127.0.0.2"),
		       "dns_allowed_name_steered_resolves_and_connects"))
		tap_diag("exit %d: %s", st, out);
	st = inside(TOOL " query 192.0.2.1 allowed.test A tcp", out, sizeof(out));
	if (!tap_check(st == 0 && strstr(out, "NOERROR"), "dns_tcp53_steered"))
		tap_diag("exit %d: %s", st, out);
	st = inside(TOOL " query 10.9.9.9 allowed.test TXT", out, sizeof(out));
	tap_check(st == 0 && strstr(out, "REFUSED"), "dns_txt_refused");
	st = inside(TOOL " query 10.9.9.9 evil.test A", out, sizeof(out));
	tap_check(st == 0 && strstr(out, "REFUSED"), "dns_unlisted_refused");
	st = inside(TOOL " query 8.8.8.8 allowed.test A udp 853", out, sizeof(out));
	tap_check(strstr(out, "not permitted") != NULL, "dns_dot_refused");
	tap_check(!file_has(UPLOG, "TXT") && !file_has(UPLOG, "evil.test"),
		  "dns_refused_never_upstream");
	tap_check(file_has(UPLOG, "allowed.test"), "dns_allowed_went_upstream");
	tap_check(file_has(AUDIT, "\"dns-refused\"") && file_has(AUDIT, "\"name\":\"evil.test\""),
		  "dns_refused_record");
	kill(up, SIGKILL);
	kill(ls, SIGKILL);
	waitpid(up, NULL, 0);
	waitpid(ls, NULL, 0);
	return tap_status();
}

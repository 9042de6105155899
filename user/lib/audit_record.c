// SPDX-License-Identifier: GPL-2.0-only
/* Building audit records and writing them as JSON lines. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "audit_record.h"
#include "event.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t cordon_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

uint64_t cordon_boot_to_realtime(uint64_t boot_ns)
{
	return clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME) + boot_ns;
}

/* RFC 3339 with nanoseconds, UTC. */
static void rfc3339(uint64_t ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned long long)(ns % 1000000000ull));
}

json_t *cordon_audit_base(const struct cordon_audit_ctx *c, const char *action, const char *outcome,
			  uint64_t realtime_ns)
{
	char ts[96];

	rfc3339(realtime_ns, ts, sizeof(ts));
	return json_pack("{s:s,s:{s:s,s:s*},s:{s:s*},s:{s:i,s:s*,s:s*}}", "@timestamp", ts, "event",
			 "action", action, "outcome", outcome, "host", "name", c->host, "cordon",
			 "schema", CORDON_AUDIT_SCHEMA, "session", c->session, "policy", c->policy);
}

/* Strings from the kernel are fixed arrays an agent filled: bound them, then let jansson
 * escape them (invalid UTF-8 is replaced, not passed through). */
static json_t *kstr(const __u8 *s, size_t len)
{
	char buf[CORDON_PATH_LEN + 1];

	cordon_event_str(buf, sizeof(buf), s, len);
	json_t *j = json_string(buf);

	if (!j) {
		/* Not valid UTF-8: keep a lossless hex form rather than dropping the evidence. */
		char hex[2 * CORDON_PATH_LEN + 1];
		size_t n = strlen(buf);

		for (size_t i = 0; i < n; i++)
			snprintf(hex + 2 * i, 3, "%02x", (unsigned char)buf[i]);
		hex[2 * n] = '\0';
		j = json_pack("{s:s}", "hex", hex);
	}
	return j;
}

json_t *cordon_audit_from_event(const struct cordon_audit_ctx *c, const void *data, size_t size)
{
	const struct cordon_event_hdr *h = data;
	int type = cordon_event_check(data, size);
	json_t *rec, *cordon;

	if (type < 0)
		return NULL;
	rec = cordon_audit_base(c, type == CORDON_EV_CONNECT ? "connect" : "open",
				h->verdict ? "failure" : "success",
				cordon_boot_to_realtime(h->ts_ns));
	if (!rec)
		return NULL;
	json_object_set_new(rec, "process",
			    json_pack("{s:I,s:{s:I},s:o}", "pid", (json_int_t)h->pid, "thread",
				      "id", (json_int_t)h->tid, "name",
				      kstr(h->comm, sizeof(h->comm))));
	json_object_set_new(rec, "user", json_pack("{s:o}", "id", json_sprintf("%u", h->uid)));
	cordon = json_object_get(rec, "cordon");
	json_object_set_new(cordon, "layer", json_string(cordon_event_layer_name(h->layer)));
	json_object_set_new(cordon, "hook", json_string(cordon_event_hook_name(h->hook)));
	json_object_set_new(cordon, "rule", json_integer(h->rule_id));
	if (h->verdict)
		json_object_set_new(
			rec, "error",
			json_pack("{s:s}", "code", strerrorname_np(-h->verdict) ?: "unknown"));

	if (type == CORDON_EV_CONNECT) {
		const struct cordon_event_connect *e = data;
		char ip[INET6_ADDRSTRLEN];
		static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };
		bool v4 = !memcmp(e->addr, mapped, sizeof(mapped));

		if (v4)
			inet_ntop(AF_INET, &e->addr[12], ip, sizeof(ip));
		else
			inet_ntop(AF_INET6, e->addr, ip, sizeof(ip));
		json_object_set_new(json_object_get(rec, "event"), "category",
				    json_pack("[s]", "network"));
		json_object_set_new(rec, "destination",
				    json_pack("{s:s,s:i}", "ip", ip, "port", e->port));
		json_object_set_new(rec, "network",
				    json_pack("{s:s,s:s}", "type", v4 ? "ipv4" : "ipv6",
					      "transport",
					      e->protocol == IPPROTO_UDP   ? "udp"
					      : e->protocol == IPPROTO_TCP ? "tcp"
									   : "other"));
	} else if (type == CORDON_EV_FILE) {
		const struct cordon_event_file *e = data;

		json_object_set_new(json_object_get(rec, "event"), "category",
				    json_pack("[s]", "file"));
		json_object_set_new(rec, "file",
				    json_pack("{s:o,s:I}", "path", kstr(e->path, sizeof(e->path)),
					      "inode", (json_int_t)e->ino));
	}
	return rec;
}

int cordon_audit_write(int fd, json_t *rec)
{
	char *line;
	size_t len;
	ssize_t n;

	if (!rec)
		return -ENOMEM;
	line = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(rec);
	if (!line)
		return -ENOMEM;
	len = strlen(line);
	line[len] = '\n'; /* json_dumps leaves room: replace the NUL by the newline */
	n = write(fd, line, len + 1);
	free(line);
	if (n < 0)
		return -errno;
	return (size_t)n == len + 1 ? 0 : -EIO;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Audit records as json_t (docs/audit-schema.md): the common part, session and events-lost
 * records, agent strings with their UTF-8 repair, and the RFC 3339 time stamps they carry.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"

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

uint64_t cordon_boottime_ns(void)
{
	return clock_ns(CLOCK_BOOTTIME);
}

uint64_t cordon_boot_to_realtime(uint64_t boot_ns)
{
	return clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME) + boot_ns;
}

void cordon_audit_rfc3339(uint64_t ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned long long)(ns % 1000000000ull));
}

int cordon_audit_parse_time(const char *s, uint64_t *out)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	uint64_t frac = 0, scale = 1000000000ull;
	time_t sec;

	if (!p)
		return -EINVAL;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*p - '0') * scale;
			}
		}
	}
	if (*p != 'Z' || p[1])
		return -EINVAL;
	sec = timegm(&tm);
	if (sec < 0)
		return -EINVAL;
	*out = (uint64_t)sec * 1000000000ull + frac;
	return 0;
}

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), 0 if it is not valid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates and code points beyond U+10FFFF are invalid */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static json_t *hex_object(json_t *rec)
{
	json_t *cordon = json_object_get(rec, "cordon");
	json_t *hex = json_object_get(cordon, "hex");

	if (!hex && cordon) {
		hex = json_object();
		json_object_set_new(cordon, "hex", hex);
	}
	return hex;
}

bool cordon_utf8_valid(const void *str, size_t n)
{
	const unsigned char *s = str;

	for (size_t i = 0, l; i < n; i += l) {
		if (s[i] < 0x80) {
			l = 1;
			continue;
		}
		l = utf8_seq(s + i, n - i);
		if (!l)
			return false;
	}
	return true;
}

size_t cordon_utf8_repair(const void *str, size_t n, char *clean, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *s = str;
	size_t i, k;

	for (i = 0, k = 0; i < n;) {
		size_t l = utf8_seq(s + i, n - i);

		if (l) {
			memcpy(clean + k, s + i, l);
			k += l;
			i += l;
		} else {
			/* U+FFFD in UTF-8 */
			static const unsigned char replacement[3] = { 0xef, 0xbf, 0xbd };

			memcpy(clean + k, replacement, sizeof(replacement));
			k += 3;
			i++;
		}
	}
	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[s[i] >> 4];
		hex[2 * i + 1] = digits[s[i] & 15];
	}
	hex[2 * n] = '\0';
	return k;
}

int cordon_audit_set_str(json_t *rec, json_t *obj, const char *key, const char *field,
			 const void *str, size_t len)
{
	size_t n = strnlen(str, len), k;
	char *clean, *hex;
	json_t *j;

	j = json_stringn(str, n);
	if (j)
		return json_object_set_new(obj, key, j) ? -ENOMEM : 0;

	/* Not UTF-8: a readable form with U+FFFD, and the exact bytes beside it in hex. */
	clean = malloc(3 * n + 1);
	hex = malloc(2 * n + 1);
	if (!clean || !hex) {
		free(clean);
		free(hex);
		return -ENOMEM;
	}
	k = cordon_utf8_repair(str, n, clean, hex);
	json_object_set_new(obj, key, json_stringn(clean, k));
	if (rec && field)
		json_object_set_new(hex_object(rec), field, json_string(hex));
	free(clean);
	free(hex);
	return 0;
}

/* A single ECS keyword as a one-element array, or NULL. */
static json_t *one(const char *v)
{
	return v ? json_pack("[s]", v) : NULL;
}

json_t *cordon_audit_record(const struct cordon_audit_ctx *c, const char *action,
			    const char *category, const char *type, const char *outcome,
			    uint64_t realtime_ns)
{
	json_t *rec, *event, *cordon;
	char ts[40];

	cordon_audit_rfc3339(realtime_ns, ts, sizeof(ts));
	rec = json_object();
	event = json_object();
	cordon = json_object();
	if (!rec || !event || !cordon) {
		json_decref(rec);
		json_decref(event);
		json_decref(cordon);
		return NULL;
	}
	json_object_set_new(rec, "@timestamp", json_string(ts));
	json_object_set_new(event, "kind", json_string("event"));
	if (category)
		json_object_set_new(event, "category", one(category));
	if (type)
		json_object_set_new(event, "type", one(type));
	json_object_set_new(event, "action", json_string(action));
	if (outcome)
		json_object_set_new(event, "outcome", json_string(outcome));
	json_object_set_new(rec, "event", event);
	json_object_set_new(rec, "host", json_pack("{s:s}", "name", c->host ? c->host : ""));
	json_object_set_new(cordon, "schema", json_integer(CORDON_AUDIT_SCHEMA));
	json_object_set_new(cordon, "session", json_string(c->session ? c->session : ""));
	if (c->policy)
		json_object_set_new(cordon, "policy", json_string(c->policy));
	if (c->policy_sha256)
		json_object_set_new(cordon, "policy_sha256", json_string(c->policy_sha256));
	json_object_set_new(rec, "cordon", cordon);
	return rec;
}

json_t *cordon_audit_base(const struct cordon_audit_ctx *c, const char *action, const char *outcome,
			  uint64_t realtime_ns)
{
	const char *type = !strcmp(action, "session-start") ? "start"
			   : !strcmp(action, "session-end") ? "end"
							    : "info";

	return cordon_audit_record(c, action, "session", type, outcome ? outcome : "success",
				   realtime_ns);
}

json_t *cordon_audit_lost(const struct cordon_audit_ctx *c, uint64_t total, uint64_t delta,
			  uint64_t realtime_ns)
{
	json_t *rec = cordon_audit_record(c, "events-lost", "host", "info", "failure", realtime_ns);

	if (!rec)
		return NULL;
	json_object_set_new(json_object_get(rec, "event"), "kind", json_string("pipeline_error"));
	json_object_set_new(
		json_object_get(rec, "cordon"), "events_lost",
		json_pack("{s:I,s:I}", "total", (json_int_t)total, "delta", (json_int_t)delta));
	return rec;
}

json_t *cordon_audit_pin_restored(const struct cordon_audit_ctx *c, const char *pin,
				  uint64_t realtime_ns)
{
	json_t *rec =
		cordon_audit_record(c, "pin-restored", "host", "info", "success", realtime_ns);

	if (!rec)
		return NULL;
	json_object_set_new(json_object_get(rec, "cordon"), "pin", json_string(pin));
	return rec;
}

json_t *cordon_audit_dns_refused(const struct cordon_audit_ctx *c, const char *name,
				 const char *qtype, const char *reason, uint64_t realtime_ns)
{
	json_t *rec =
		cordon_audit_record(c, "dns-refused", "network", "denied", "failure", realtime_ns);
	json_t *q = json_object(), *dns = json_object();

	if (!rec || !q || !dns) {
		json_decref(rec);
		json_decref(q);
		json_decref(dns);
		return NULL;
	}
	/* The name is the agent's: jansson escapes it (the resolver passed only host-name bytes
	 * or a fixed placeholder). */
	cordon_audit_set_str(rec, q, "name", "dns.question.name", name, strlen(name));
	json_object_set_new(q, "type", json_string(qtype));
	json_object_set_new(dns, "question", q);
	json_object_set_new(dns, "type", json_string("query"));
	json_object_set_new(rec, "dns", dns);
	json_object_set_new(json_object_get(rec, "cordon"), "reason", json_string(reason));
	return rec;
}

void cordon_audit_user_lookup(uint32_t uid, char *name, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	name[0] = '\0';
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(name, len, "%s", res->pw_name);
}

const char *cordon_audit_transport(unsigned int protocol)
{
	return protocol == IPPROTO_UDP ? "udp" : protocol == IPPROTO_TCP ? "tcp" : "other";
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

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Network entries of a policy: "HOST:PORT", "ADDR:PORT", "CIDR:LO-HI", "[V6]:PORT", "@set:PORT",
 * each optionally "/tcp" or "/udp"; host-set members (no port); bind entries (port only allowed).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/sys.h"
#include "policy/policy.h"
#include "policy/policy_internal.h"

static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static int parse_uint(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 10)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int parse_port(const char *s, size_t len, unsigned long *out, char *msg, size_t msgsz)
{
	int r = parse_uint(s, len, 65535, out);

	if (r == -ERANGE) {
		snprintf(msg, msgsz, "port %.*s out of range (1-65535)", (int)len, s);
		return -EINVAL;
	}
	if (r < 0) {
		snprintf(msg, msgsz, "bad port '%.*s' (expected a number 1-65535)", (int)len, s);
		return -EINVAL;
	}
	if (*out == 0) {
		snprintf(msg, msgsz, "port 0 is not allowed (ports are 1-65535)");
		return -EINVAL;
	}
	return 0;
}

static int parse_ports(const char *s, size_t len, struct pol_net *out, char *msg, size_t msgsz)
{
	const char *dash = memchr(s, '-', len);
	unsigned long lo, hi;

	if (!dash) {
		if (parse_port(s, len, &lo, msg, msgsz) < 0)
			return -EINVAL;
		hi = lo;
	} else {
		if (parse_port(s, (size_t)(dash - s), &lo, msg, msgsz) < 0 ||
		    parse_port(dash + 1, len - (size_t)(dash - s) - 1, &hi, msg, msgsz) < 0)
			return -EINVAL;
		if (lo > hi) {
			snprintf(msg, msgsz, "reversed port range %lu-%lu", lo, hi);
			return -EINVAL;
		}
	}
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	return 0;
}

static bool valid_hostname(const char *h)
{
	size_t len = strlen(h), label = 0;
	bool all_numeric = true;

	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = h[i];

		if (c == '.' || c == 0) {
			if (label == 0 || label > 63 || h[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '-')
			return false;
		if (label == 0 && c == '-')
			return false;
		if (!isdigit((unsigned char)c))
			all_numeric = false;
		label++;
	}
	/* "300.1.1.1" failed inet_pton: it is a bad address, not a host name. */
	return !all_numeric;
}

bool pol_hostset_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_')
			return false;
	return true;
}

/* Address or CIDR (v4 or v6) into out->addr/plen; 1 if it was an address, 0 if not one. */
static int parse_addr(const char *a, bool v6_only, struct pol_net *out, char *msg, size_t msgsz)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(a, '/');
	size_t alen = slash ? (size_t)(slash - a) : strlen(a);
	unsigned long plen = 0;
	uint8_t bytes[16];
	bool v4 = false;

	if (alen >= sizeof(buf))
		return 0;
	memcpy(buf, a, alen);
	buf[alen] = 0;
	if (!v6_only && inet_pton(AF_INET, buf, bytes) == 1) {
		memcpy(out->addr, v4_mapped, 12);
		memcpy(out->addr + 12, bytes, 4);
		v4 = true;
	} else if (inet_pton(AF_INET6, buf, bytes) == 1) {
		memcpy(out->addr, bytes, 16);
	} else {
		if (slash || v6_only) {
			snprintf(msg, msgsz, "bad %s '%s'", slash ? "CIDR" : "IPv6 address", a);
			return -EINVAL;
		}
		return 0;
	}
	if (slash) {
		if (parse_uint(slash + 1, strlen(slash + 1), v4 ? 32 : 128, &plen) < 0) {
			snprintf(msg, msgsz, "bad CIDR '%s': prefix length must be 0-%d", a,
				 v4 ? 32 : 128);
			return -EINVAL;
		}
		if (v4)
			plen += 96;
	} else {
		plen = 128;
	}
	/* Host bits set ("10.0.0.1/8") usually mean a typo: refuse rather than guess. */
	for (unsigned long bit = plen; bit < 128; bit++)
		if (out->addr[bit / 8] & (0x80 >> (bit % 8))) {
			snprintf(msg, msgsz, "bad CIDR '%s': address has bits set past the prefix",
				 a);
			return -EINVAL;
		}
	out->plen = (uint8_t)plen;
	return 1;
}

/* The address part of an entry: "*", a host set, an address/CIDR, or a DNS name. */
static int parse_target(const char *t, bool bracketed, bool allow_set, struct pol_net *out,
			char *msg, size_t msgsz)
{
	int r;

	if (!bracketed && strcmp(t, "*") == 0) {
		memset(out->addr, 0, 16);
		out->plen = 0;
		return 0;
	}
	if (!bracketed && t[0] == '@') {
		if (!allow_set) {
			snprintf(msg, msgsz, "host sets cannot contain other host sets");
			return -EINVAL;
		}
		if (!pol_hostset_name_valid(t + 1, strlen(t + 1))) {
			snprintf(msg, msgsz, "bad host set name '%s' (lowercase, digits, '-', '_')",
				 t + 1);
			return -EINVAL;
		}
		out->hostset = strdup(t + 1);
		return out->hostset ? 0 : -ENOMEM;
	}
	if (!bracketed && t[0] == '*' && t[1] == '.') {
		/* "*.example.com": every name below example.com (not example.com itself). A
		 * suffix of one label would open a whole top-level domain. */
		if (!valid_hostname(t + 2) || !strchr(t + 2, '.')) {
			snprintf(msg, msgsz,
				 "bad wildcard '%s' (expected \"*.example.com\": '*.' then a "
				 "name of at least two labels)",
				 t);
			return -EINVAL;
		}
		out->host = strdup(t);
		if (!out->host)
			return -ENOMEM;
		for (char *p = out->host; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		return 0;
	}
	r = parse_addr(t, bracketed, out, msg, msgsz);
	if (r != 0)
		return r < 0 ? r : 0;
	if (strchr(t, ':')) {
		snprintf(msg, msgsz, "bad IPv6 address '%s'", t);
		return -EINVAL;
	}
	if (!valid_hostname(t)) {
		snprintf(msg, msgsz, "bad host name or address '%s'", t);
		return -EINVAL;
	}
	out->host = strdup(t);
	if (!out->host)
		return -ENOMEM;
	for (char *p = out->host; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

/* A host-set member: a host, address or CIDR without port or protocol. */
static int parse_member(char *s, const char *text, struct pol_net *out, char *msg, size_t msgsz)
{
	/* "host:443" is a common slip: the port belongs to the rule, not the set. */
	char *colon = strrchr(s, ':');

	if (colon && !memchr(s, ':', (size_t)(colon - s)) && colon[1] &&
	    strspn(colon + 1, "0123456789-") == strlen(colon + 1)) {
		snprintf(msg, msgsz,
			 "host set members take no port ('%s'): put the port in "
			 "the rule (\"@set:443\")",
			 text);
		return -EINVAL;
	}
	return parse_target(s, false, false, out, msg, msgsz);
}

/* Take a trailing "/tcp" or "/udp" off @s into out->protos (TCP when there is none). */
static int strip_proto(char *s, struct pol_net *out, char *msg, size_t msgsz)
{
	/* A '/' followed by neither ':' nor ']' ends the entry (a CIDR's '/' comes before them). */
	char *slash = strrchr(s, '/');

	out->protos = POL_PROTO_TCP;
	if (!slash || strpbrk(slash, ":]"))
		return 0;
	if (strcmp(slash + 1, "tcp") == 0) {
		out->protos = POL_PROTO_TCP;
	} else if (strcmp(slash + 1, "udp") == 0) {
		out->protos = POL_PROTO_UDP;
	} else {
		snprintf(msg, msgsz, "unknown protocol '%s' (expected tcp or udp)", slash + 1);
		return -EINVAL;
	}
	*slash = 0;
	return 0;
}

/* Where a "TARGET:PORTS" entry splits; @target is NULL for a bind entry of ports only. */
struct net_split {
	char *target;
	char *ports;
	bool bracketed;
};

static int split_target_ports(char *s, const char *text, bool bind, struct net_split *sp, char *msg,
			      size_t msgsz)
{
	char *colon;

	sp->target = s;
	if (s[0] == '[') {
		char *close = strchr(s, ']');

		if (!close) {
			snprintf(msg, msgsz, "missing ']' after IPv6 address");
			return -EINVAL;
		}
		*close = 0;
		sp->target = s + 1;
		sp->bracketed = true;
		if (close[1] != ':') {
			snprintf(msg, msgsz, "missing ':PORT' after ']'");
			return -EINVAL;
		}
		sp->ports = close + 2;
		return 0;
	}
	colon = strrchr(s, ':');
	if (colon && memchr(s, ':', (size_t)(colon - s))) {
		snprintf(msg, msgsz, "IPv6 addresses need brackets: [ADDR]:PORT");
		return -EINVAL;
	}
	if (colon) {
		*colon = 0;
		sp->ports = colon + 1;
		return 0;
	}
	if (!bind) {
		snprintf(msg, msgsz, "missing ':PORT' in '%s'", text);
		return -EINVAL;
	}
	/* bind: a bare port or range means any local address. */
	sp->ports = s;
	sp->target = NULL;
	return 0;
}

static int parse_entry(char *s, const char *text, bool bind, struct pol_net *out, char *msg,
		       size_t msgsz)
{
	struct net_split sp = { 0 };
	int r = strip_proto(s, out, msg, msgsz);

	if (r == 0)
		r = split_target_ports(s, text, bind, &sp, msg, msgsz);
	if (r == 0 && sp.target)
		r = parse_target(sp.target, sp.bracketed, true, out, msg, msgsz);
	if (r == 0)
		r = parse_ports(sp.ports, strlen(sp.ports), out, msg, msgsz);
	return r;
}

int pol_net_parse(const char *text, bool member, bool bind, struct pol_net *out, char *msg,
		  size_t msgsz)
{
	_cleanup_free_ char *s = strdup(text);
	int r;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -ENOMEM;
	if (!*s) {
		snprintf(msg, msgsz, "empty network entry");
		return -EINVAL;
	}
	r = member ? parse_member(s, text, out, msg, msgsz)
		   : parse_entry(s, text, bind, out, msg, msgsz);
	if (r == 0) {
		out->text = strdup(text);
		if (!out->text)
			r = -ENOMEM;
	}
	if (r < 0)
		pol_net_clear(out);
	return r;
}

void pol_net_format_addr(const struct pol_net *n, char *buf, size_t bufsz)
{
	char a[INET6_ADDRSTRLEN];

	if (n->host) {
		snprintf(buf, bufsz, "%s", n->host);
		return;
	}
	if (n->hostset) {
		snprintf(buf, bufsz, "@%s", n->hostset);
		return;
	}
	if (n->plen == 0) {
		snprintf(buf, bufsz, "*");
		return;
	}
	if (n->plen >= 96 && memcmp(n->addr, v4_mapped, 12) == 0) {
		inet_ntop(AF_INET, n->addr + 12, a, sizeof(a));
		if (n->plen == 128)
			snprintf(buf, bufsz, "%s", a);
		else
			snprintf(buf, bufsz, "%s/%d", a, n->plen - 96);
		return;
	}
	inet_ntop(AF_INET6, n->addr, a, sizeof(a));
	if (n->plen == 128)
		snprintf(buf, bufsz, "%s", a);
	else
		snprintf(buf, bufsz, "%s/%d", a, n->plen);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writes the table of cordon's BPF object (build/cordon_objtable.h) from the object itself: every
 * program (name, section, type) in the order libbpf counts them (the order of load_info's bitmap)
 * and every map the object declares (name, type, key and value sizes). A launcher that adopts
 * pins of this build (named by the same object's digest) finds them by these names without
 * opening the object: no ELF or BTF parsed on the launch path. Build-time only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	struct bpf_map *m;
	unsigned int n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s cordon.bpf.o\n", argv[0]);
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "objtable: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	printf("/* Generated from %s by tools/gen/objtable.c: do not edit. */\n", argv[1]);
	printf("/* X(name, section, prog_type), in libbpf's order (load_info.loaded bit i). */\n");
	printf("#define CORDON_OBJ_PROGS(X) \\\n");
	bpf_object__for_each_program(p, obj)
	{
		printf("\tX(%s, \"%s\", %u) \\\n", bpf_program__name(p),
		       bpf_program__section_name(p), (unsigned int)bpf_program__type(p));
		n++;
	}
	printf("\t/* end */\n#define CORDON_OBJ_NPROGS %u\n\n", n);
	printf("/* X(name, map_type, key_size, value_size): the maps pinned as map-<name>. */\n");
	printf("#define CORDON_OBJ_MAPS(X) \\\n");
	n = 0;
	bpf_object__for_each_map(m, obj)
	{
		if (bpf_map__is_internal(m))
			continue;
		printf("\tX(%s, %u, %u, %u) \\\n", bpf_map__name(m), (unsigned int)bpf_map__type(m),
		       bpf_map__key_size(m), bpf_map__value_size(m));
		n++;
	}
	printf("\t/* end */\n#define CORDON_OBJ_NMAPS %u\n", n);
	bpf_object__close(obj);
	return 0;
}

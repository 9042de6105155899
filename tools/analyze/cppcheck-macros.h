/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Iteration and option macros of jansson and libbpf, for cppcheck (`make analyze`), which does
 * not read system headers: the same shape, so it can parse the code that uses them.
 */
#define json_array_foreach(array, index, value)                                            \
	for ((index) = 0;                                                                  \
	     (index) < json_array_size(array) && ((value) = json_array_get(array, index)); \
	     (index)++)
#define json_object_foreach(object, key, value)                                         \
	for ((key) = json_object_iter_key(json_object_iter(object));                    \
	     (key) && ((value) = json_object_iter_value(json_object_key_to_iter(key))); \
	     (key) = json_object_iter_key(                                              \
		     json_object_iter_next(object, json_object_key_to_iter(key))))
#define bpf_object__for_each_program(pos, obj)                             \
	for ((pos) = bpf_object__next_program((obj), NULL); (pos) != NULL; \
	     (pos) = bpf_object__next_program((obj), (pos)))
#define LIBBPF_OPTS(type, name, ...) struct type name = { .sz = sizeof(struct type), __VA_ARGS__ }
/*
 * The generated table of the BPF object (build/cordon_objtable.h, outside cppcheck's include
 * path): the same shape, with the entries loader.c names.
 */
/* clang-format off */
#define CORDON_OBJ_PROGS(X) \
	X(cordon_auto_match, "lsm/bprm_creds_for_exec", 29) \
	X(cordon_auto_commit, "lsm/bprm_committed_creds", 29)
#define CORDON_OBJ_NPROGS 2
#define CORDON_OBJ_MAPS(X) \
	X(net_rules, 11, 24, 104) \
	X(bind_rules, 11, 24, 104) \
	X(sessions, 1, 8, 24) \
	X(task_tags, 29, 4, 16) \
	X(events, 27, 0, 0) \
	X(session_events, 13, 4, 4) \
	X(event_drops, 6, 4, 8) \
	X(stats, 6, 4, 8) \
	X(ring_use, 1, 4, 32) \
	X(dns_addrs, 1, 20, 112) \
	X(unix_rules, 11, 120, 8) \
	X(dns_steer, 1, 4, 24) \
	X(auto_exec, 1, 16, 8) \
	X(inode_rules, 1, 16, 8) \
	X(name_patterns, 1, 8, 64) \
	X(dirent_rules, 1, 272, 8) \
	X(allow_trees, 1, 16, 8) \
	X(load_info, 2, 4, 24)
#define CORDON_OBJ_NMAPS 18
/* clang-format on */

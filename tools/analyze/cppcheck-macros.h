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

/* SPDX-License-Identifier: GPL-2.0-only */
/* Scope-based cleanup helpers: declare with the attribute and initialise at declaration. */
#ifndef CORDON_CLEANUP_H
#define CORDON_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cordon_freep(void *p)
{
	free(*(void **)p);
}

static inline void cordon_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void cordon_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_	 __attribute__((cleanup(cordon_freep)))
#define _cleanup_close_	 __attribute__((cleanup(cordon_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(cordon_fclosep)))

/* Hand ownership out of a cleanup variable. */
#define TAKE_FD(fd)              \
	({                       \
		int _fd_ = (fd); \
		(fd) = -1;       \
		_fd_;            \
	})
#define TAKE_PTR(p)                      \
	({                               \
		__typeof__(p) _p_ = (p); \
		(p) = NULL;              \
		_p_;                     \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* CORDON_CLEANUP_H */

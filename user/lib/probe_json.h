/* SPDX-License-Identifier: GPL-2.0-only */
/* The JSON form of probe results and layer decisions (`cordon doctor --json`, session records). */
#ifndef CORDON_PROBE_JSON_H
#define CORDON_PROBE_JSON_H

#include <jansson.h>

#include "probe.h"

/* A new reference, or NULL on allocation failure. */
json_t *cordon_features_json(const struct cordon_features *f,
			     const struct cordon_layer layers[CORDON_LAYER_ID_COUNT]);

#endif /* CORDON_PROBE_JSON_H */

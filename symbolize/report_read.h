/* report_read.h — a JSON report (schema 1 of INTERFACE.md) read back into the
 * runtime's report model, so the offline tool prints it with the runtime's writers.
 *
 * Validation is strict about the fields the model needs and their types; unknown
 * members are ignored, so a newer writer's additions do not break an older reader.
 * Arrays go to the caller's arena; strings point into the JSON document, which must
 * outlive the report. */
#ifndef LT_REPORT_READ_H
#define LT_REPORT_READ_H

#include "arena.h"
#include "json.h"
#include "report.h"

/* Fills report from root. Returns 0, -EINVAL with err->pos and err->msg set (the
 * caller turns pos into a line and column), or -ENOMEM. */
int lt_report_read(const lt_json_t *root, lt_arena_t *arena, lt_report_t *report,
                   lt_json_error_t *err);

#endif

/* symproc.h — symbolizing a report in a separate process: leaktrace-symbolize, run on
 * the report taken without symbols, writes the text and JSON reports.
 *
 * Reading a library's debug information costs the reader megabytes (libc's, unpacked,
 * 9 MB; a large program's, tens): in a process of its own that memory never joins the
 * host's, and libdw never enters the host at all. This is what LeakSanitizer does with
 * llvm-symbolizer. When the tool is not beside the runtime (only the libraries were
 * copied), the runtime symbolizes in-process with libleaktrace-symbolize.so. */
#ifndef LT_SYMPROC_H
#define LT_SYMPROC_H

#include "report.h"

/* Is leaktrace-symbolize installed beside this library (../bin)? */
int lt_symproc_available(void);

/* Symbolize r (frames with module and offset only) and write the text report to text_fd
 * (-1: nowhere) and, when json_path is not NULL, the JSON report there. Returns 0, or
 * -errno when the tool could not be run (nothing was written then). */
int lt_symproc_write(const lt_report_t *r, int text_fd, const char *json_path,
                     lt_kind_mask_t show);

#endif

/* validate_cell.h -- validate_cell.c's functions that validate_int.h does not declare
 *
 * The row-shape message lives beside the other cell messages (one wording
 * for every missing value); validate.c's record pass calls it.
 */
#ifndef QGATE_DATA_VALIDATE_CELL_H
#define QGATE_DATA_VALIDATE_CELL_H

#include "qgate/table.h"

struct vpiece;

/* Count a table.row-shape violation for rec (rec->nr != vp->ncols): a
 * short row names each missing column, a long row says how many cells it
 * has; with dialect.header false the count is the schema's fields'. */
void vd_row_shape(struct vpiece *vp, const struct qg_record *rec);

#endif

package upshift.columns;

import upshift.sql.QualifiedName;

/**
 * A column origin has and destination lacks, added on destination so that replication can apply origin's rows.
 *
 * @param table        the table
 * @param column       the column name
 * @param type         origin's type, as format_type() spells it
 * @param defaultExpr  in a plan, the default the added column gets: the operator's --default, else origin's
 *                     expression carried over (null when none or sequence-based); for a column found on a
 *                     server, its default there
 * @param originNotNull in a plan, whether origin declares it NOT NULL (destination adds it nullable); for a column
 *                      found on a server, whether it is NOT NULL there
 */
public record AddedColumn(QualifiedName table, String column, String type, String defaultExpr,
        boolean originNotNull) {
}

package upshift.sequences;

import upshift.sql.QualifiedName;

/**
 * One sequence of one database as {@link SequenceCatalog} reads it: definition, rights, owning column and, when it
 * was read, its state.
 *
 * @param oid         the sequence's pg_class oid on that server
 * @param type        {@code smallint}, {@code integer} or {@code bigint}
 * @param readable    the role has SELECT on it and USAGE on its schema (needed to read last_value / is_called)
 * @param writable    the role has UPDATE on it (needed for setval)
 * @param excluded    its name or schema.name matched an exclusion pattern (its state is then not read)
 * @param ownedBy     the column it belongs to (serial or identity), {@code table.column} with a qualified table;
 *                    null for a free-standing sequence
 * @param state       last_value / is_called; null when not readable or excluded
 */
public record CatalogSequence(long oid, QualifiedName name, String type, long increment, long minValue,
        long maxValue, long startValue, boolean cycle, boolean readable, boolean writable, boolean excluded,
        OwningColumn ownedBy, SequenceState state) {

    /** The column a serial or identity sequence belongs to. */
    public record OwningColumn(QualifiedName table, String column) {

        @Override
        public String toString() {
            return table + "." + column;
        }
    }
}

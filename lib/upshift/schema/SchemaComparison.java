package upshift.schema;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import upshift.sql.QualifiedName;

/** Origin's replicated tables compared with the destination's, table by table. */
public final class SchemaComparison {

    private SchemaComparison() {
    }

    public static List<TableDrift> compare(Connection origin, Connection destination, List<QualifiedName> tables)
            throws SQLException {
        Map<QualifiedName, List<Column>> originColumns = Catalog.columns(origin, tables);
        Map<QualifiedName, List<Column>> destinationColumns = Catalog.columns(destination, tables);
        List<TableDrift> drifts = new ArrayList<>();
        for (QualifiedName table : tables) {
            List<Column> o = originColumns.get(table);
            if (o != null) {
                drifts.add(TableDrift.compare(table, o, destinationColumns.get(table)));
            }
        }
        return drifts;
    }
}

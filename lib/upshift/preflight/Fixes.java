package upshift.preflight;

import upshift.server.Flavour;
import upshift.server.ServerFacts;
import upshift.sql.QualifiedName;
import upshift.sql.Sql;

/** The exact commands preflight suggests, worded for the server's flavour. */
final class Fixes {

    private Fixes() {
    }

    /**
     * Changes a server setting that needs a restart: ALTER SYSTEM on a server you run, the parameter group on
     * RDS and Aurora (where ALTER SYSTEM is not allowed).
     */
    static String restartSetting(ServerFacts facts, String name, String value) {
        return switch (facts.flavour()) {
            case COMMUNITY -> "ALTER SYSTEM SET " + name + " = " + Sql.literal(value) + ";\n"
                    + "-- then restart the server (e.g. pg_ctl restart -D $PGDATA, or systemctl restart postgresql)";
            case RDS -> "aws rds modify-db-parameter-group --db-parameter-group-name <group> --parameters"
                    + " 'ParameterName=" + name + ",ParameterValue=" + value + ",ApplyMethod=pending-reboot'\n"
                    + "aws rds reboot-db-instance --db-instance-identifier <instance>";
            case AURORA -> "aws rds modify-db-cluster-parameter-group --db-cluster-parameter-group-name <group>"
                    + " --parameters 'ParameterName=" + name + ",ParameterValue=" + value
                    + ",ApplyMethod=pending-reboot'\n"
                    + "aws rds reboot-db-instance --db-instance-identifier <writer-instance>";
        };
    }

    /** Changes a setting that a configuration reload picks up. */
    static String reloadSetting(ServerFacts facts, String name, String value) {
        if (facts.flavour() == Flavour.COMMUNITY) {
            return "ALTER SYSTEM SET " + name + " = " + Sql.literal(value) + ";\nSELECT pg_reload_conf();";
        }
        return restartSetting(facts, name, value).replace(",ApplyMethod=pending-reboot", ",ApplyMethod=immediate")
                .lines().findFirst().orElseThrow();
    }

    /** Switches logical decoding on: wal_level, or rds.logical_replication on RDS and Aurora. */
    static String logicalReplication(ServerFacts facts) {
        String setting = facts.capabilities().logicalReplicationSetting();
        return restartSetting(facts, setting, setting.equals("wal_level") ? "logical" : "1");
    }

    static String column(QualifiedName table, String column) {
        return table + "." + column;
    }

    static String alterColumn(QualifiedName table, String column) {
        return "ALTER TABLE " + table.sql() + " ALTER COLUMN " + Sql.ident(column);
    }
}

package upshift.sequences;

/** How a --dry-run script spells each change; executing always uses one bulk setval. */
public enum ScriptStyle {

    /** {@code SELECT pg_catalog.setval('"public"."auth_user_id_seq"', 1235, true);} */
    SETVAL,
    /** {@code ALTER SEQUENCE "public"."auth_user_id_seq" RESTART WITH 1236;} */
    ALTER;
}

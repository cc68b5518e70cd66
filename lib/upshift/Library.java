//DEPS info.picocli:picocli:4.7.7
//DEPS com.fasterxml.jackson.core:jackson-databind:2.21.0
//DEPS org.postgresql:postgresql:42.7.13
//SOURCES ExitCode.java UpshiftException.java
//SOURCES cleanup/AddedColumnsDrop.java cleanup/BackupTableName.java cleanup/CleanupReport.java cleanup/CleanupView.java
//SOURCES cleanup/DropColumnsReport.java cleanup/DropColumnsView.java cleanup/ReplicationCleanup.java
//SOURCES cli/ByteSize.java cli/CommonOptions.java cli/Converters.java cli/CutoverOptions.java cli/Invocation.java
//SOURCES cli/SchemaFolderOptions.java cli/TableOptions.java cli/UpshiftCommand.java
//SOURCES columns/AddedColumn.java columns/AddedColumns.java columns/ColumnDefault.java
//SOURCES columns/MissingColumnsReport.java
//SOURCES connect/Cluster.java connect/ConnectSettings.java connect/ConnectionStrings.java connect/Connector.java
//SOURCES connect/Endpoint.java connect/Environment.java connect/ExplicitConninfo.java connect/PgPass.java
//SOURCES connect/SameServer.java connect/Secrets.java connect/ServiceFile.java connect/StatementLog.java
//SOURCES copy/CopyPlan.java copy/CopyProgress.java copy/CopyState.java copy/ExportedSnapshot.java
//SOURCES copy/IndexRebuild.java copy/InitialCopy.java copy/SnapshotCopy.java copy/TableChunk.java
//SOURCES migration/CutoverRecord.java migration/Direction.java migration/KnownMigrations.java
//SOURCES migration/MigrationLock.java migration/MigrationNames.java migration/MigrationState.java
//SOURCES migration/Publications.java migration/PublishedTables.java migration/ReplicationSlot.java
//SOURCES migration/Subscription.java migration/SubscriptionCatalogAccess.java migration/SyncState.java
//SOURCES monitor/Diagnosis.java monitor/MonitorLoop.java monitor/MonitorView.java monitor/ReplicationSnapshot.java
//SOURCES monitor/ServerLog.java monitor/SubscriberRules.java monitor/Until.java monitor/ValueCheck.java
//SOURCES monitor/WorkerWatch.java
//SOURCES pgtools/ClientConnection.java pgtools/DumpCompatibility.java pgtools/Folders.java pgtools/PgTool.java
//SOURCES pgtools/PgToolFinder.java pgtools/PgVersion.java pgtools/Processes.java pgtools/PsqlError.java
//SOURCES pgtools/SchemaDump.java pgtools/SchemaManifest.java pgtools/SchemaRestore.java pgtools/ShellWords.java
//SOURCES pgtools/SqlScript.java
//SOURCES preflight/ConstraintChecks.java preflight/Context.java preflight/ConversionChecks.java
//SOURCES preflight/DataCheck.java preflight/Finding.java preflight/Fixes.java preflight/IdentityChecks.java
//SOURCES preflight/Preflight.java preflight/PreflightOptions.java preflight/PreflightReport.java
//SOURCES preflight/PreflightView.java preflight/SchemaChecks.java preflight/ServerChecks.java preflight/Severity.java
//SOURCES preflight/Side.java
//SOURCES publication/PublicationPlan.java publication/PublicationStep.java
//SOURCES report/Output.java report/Progress.java report/Table.java report/Units.java
//SOURCES rollback/RollbackReadiness.java rollback/RollbackReplication.java rollback/RollbackView.java
//SOURCES runbook/Step.java
//SOURCES schema/AcceptedLossy.java schema/Catalog.java schema/Column.java schema/ColumnRef.java schema/ColumnTypes.java
//SOURCES schema/Conversion.java schema/SchemaComparison.java schema/ServerTimeZone.java schema/TableDrift.java
//SOURCES schema/TableKeys.java schema/TableSelection.java schema/TypeChange.java schema/TypeDefinition.java
//SOURCES sequences/CatalogSequence.java sequences/ScriptStyle.java sequences/SequenceAction.java
//SOURCES sequences/SequenceCatalog.java sequences/SequencePlan.java sequences/SequenceReport.java
//SOURCES sequences/SequenceState.java sequences/SequenceSync.java sequences/SequenceView.java
//SOURCES server/Capabilities.java server/Feature.java server/Flavour.java server/ServerFacts.java
//SOURCES server/SessionBudget.java
//SOURCES sql/KeyRanges.java sql/QualifiedName.java sql/Queries.java sql/Sql.java sql/StatementRunner.java
//SOURCES status/ClusterStatus.java status/MigrationObject.java status/MigrationObjects.java status/MigrationPhase.java
//SOURCES status/StatusReport.java status/StatusView.java
//SOURCES subscription/AutovacuumPause.java subscription/ConnectionClause.java subscription/ForwardSubscription.java
//SOURCES subscription/ForwardSubscriptionView.java subscription/SubscriptionOptions.java
//SOURCES switchover/Cutover.java switchover/Drain.java switchover/FreezeVerify.java switchover/Pause.java
//SOURCES switchover/SequencesAlongside.java switchover/SwitchoverView.java switchover/WriteFreeze.java
//SOURCES vacuum/Vacuum.java vacuum/VacuumReport.java vacuum/VacuumTargets.java vacuum/VacuumView.java
//SOURCES verify/ChangedTables.java verify/ComparedColumn.java verify/NotReplicated.java verify/PreparedGroups.java
//SOURCES verify/TableQuery.java verify/TableResult.java verify/Verification.java verify/VerifyReport.java
//SOURCES verify/VerifyTables.java verify/VerifyView.java
package upshift;

/**
 * The runbook core's source manifest for JBang: every script pulls the library in with one line,
 * {@code //SOURCES ../lib/upshift/Library.java}, and JBang follows the explicit //SOURCES and //DEPS above, also
 * from a catalog added by URL (where a {@code **} glob is not expanded). The rehearsal part (embedded servers,
 * the sample application, rehearse, console) has its own manifest, {@code rehearse/RehearsalLibrary.java}.
 * LibraryManifestTest keeps both lists exact; the versions are pom.xml's.
 */
final class Library {

    private Library() {
    }
}

//DEPS org.apache.commons:commons-compress:1.28.0
//DEPS org.tukaani:xz:1.12
//SOURCES JUnitReport.java LagSampler.java NewModel.java Rehearsal.java RehearsalServers.java Timeline.java
//SOURCES ../console/QueryTable.java ../console/Session.java ../console/Shell.java ../console/Steps.java
//SOURCES ../embedded/Commands.java ../embedded/EmbeddedPostgres.java ../embedded/FreePort.java
//SOURCES ../embedded/MavenFetch.java ../embedded/PostgresBinaries.java ../embedded/ServerInstance.java
//SOURCES ../embedded/ServerSettings.java ../embedded/ServerUser.java ../embedded/Trees.java ../embedded/TxzArchive.java
//SOURCES ../generate/CheckHint.java ../generate/DataGenerator.java ../generate/RowCounts.java ../generate/RowMaker.java
//SOURCES ../generate/SampleCopy.java ../generate/SchemaModel.java ../generate/TableWorkload.java
//SOURCES ../generate/Values.java
//SOURCES ../sample/PacedWriter.java ../sample/SampleApp.java ../sample/Workload.java
package upshift.rehearse;

/**
 * The rehearsal part's source manifest for JBang: embedded servers, the sample application, rehearse and console,
 * on top of the runbook core ({@code ../Library.java}). Only the rehearse and console scripts pull it in; the steps
 * never compile it. LibraryManifestTest keeps the list exact.
 */
final class RehearsalLibrary {

    private RehearsalLibrary() {
    }
}

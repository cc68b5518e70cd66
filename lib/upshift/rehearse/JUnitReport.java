package upshift.rehearse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import upshift.connect.Secrets;
import upshift.generate.DataGenerator;
import upshift.generate.TableWorkload;

/**
 * A rehearsal as JUnit XML (the Ant/Surefire schema CI systems render): each runbook step a test case, each table's
 * acknowledged writes a test case that fails when the final server lacks one, the generated data per table (what
 * the generator could not satisfy in its output), and one case each for verification and the lost-write count. A
 * step that failed, or a rehearsal that stopped, is a failure with its message. Passwords are redacted.
 */
public final class JUnitReport {

    private JUnitReport() {
    }

    /** One test case. {@code failure} null: passed. */
    record Case(String classname, String name, double seconds, String failure, String output) {
    }

    public static void write(Path file, Timeline.Summary s) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, xml(s), StandardCharsets.UTF_8);
    }

    static List<Case> cases(Timeline.Summary s) {
        List<Case> cases = new ArrayList<>();
        List<Timeline.Step> steps = s.steps();
        for (int i = 0; i < steps.size(); i++) {
            Timeline.Step step = steps.get(i);
            String failure = null;
            if (step.exitCode() != 0 && !fixedLater(steps, i)) {
                failure = "exit " + step.exitCode() + (step.note().isBlank() ? "" : ": " + step.note());
            }
            String output = step.exitCode() != 0 && failure == null
                    ? "exit " + step.exitCode() + ", passed after the fix that follows: " + step.note() : null;
            cases.add(new Case("rehearse.steps", String.format(Locale.ROOT, "%02d %s", i + 1, step.step()),
                    step.seconds(), failure, output));
        }
        if (s.data() != null) {
            for (DataGenerator.TableResult t : s.data()) {
                cases.add(new Case("rehearse.data", t.table().toString(), 0, null, String.format(Locale.ROOT,
                        "%d of %d rows generated, %d skipped%s", t.inserted(), t.requested(), t.skipped(),
                        t.problems().isEmpty() ? "" : "\nnot satisfied:\n  " + String.join("\n  ", t.problems()))));
            }
        }
        if (s.writes() != null) {
            for (TableWorkload.TableAccount w : s.writes()) {
                String summary = String.format(Locale.ROOT, "%d inserted, %d updated, %d deleted, %d refused,"
                        + " %d in doubt; %d checked on the final server", w.inserted(), w.updated(), w.deleted(),
                        w.rejected(), w.inDoubt(), w.checked());
                cases.add(new Case("rehearse.writes", w.table().toString(), 0, w.lost() == 0 ? null
                        : w.lost() + " acknowledged write(s) lost: " + String.join("; ", w.lostExamples()), summary));
            }
        }
        cases.add(new Case("rehearse", "verification", 0, Boolean.FALSE.equals(s.verified())
                ? "origin and destination differ" : null, s.verified() == null ? "not reached" : null));
        cases.add(new Case("rehearse", "lost writes", 0, s.lostWrites() != null && s.lostWrites() > 0
                ? s.lostWrites() + " acknowledged write(s) missing on the final server" : null,
                s.lostWrites() == null ? "not counted" : s.lostWrites() + " lost of " + s.workloadWrites()
                        + " acknowledged"));
        if (s.failure() != null) {
            cases.add(new Case("rehearse", "rehearsal", s.totalSeconds(), s.failure(), null));
        }
        return cases;
    }

    /** A non-zero exit followed by the same step "(after the fix)" that passed: preflight's expected first run. */
    private static boolean fixedLater(List<Timeline.Step> steps, int index) {
        String name = steps.get(index).step();
        return steps.subList(index + 1, steps.size()).stream()
                .anyMatch(later -> later.step().equals(name + " (after the fix)") && later.exitCode() == 0);
    }

    static String xml(Timeline.Summary s) {
        List<Case> cases = cases(s);
        long failures = cases.stream().filter(c -> c.failure() != null).count();
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.append(String.format(Locale.ROOT, "<testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"0\""
                + " skipped=\"0\" time=\"%.3f\">\n", attr("upshift rehearse " + s.fromMajor() + " -> " + s.toMajor()),
                cases.size(), failures, s.totalSeconds()));
        x.append("  <properties>\n");
        property(x, "rows", Long.toString(s.rows()));
        property(x, "freezeWindowSeconds", String.valueOf(s.freezeWindowSeconds()));
        property(x, "switchbackFreezeWindowSeconds", String.valueOf(s.switchbackFreezeWindowSeconds()));
        property(x, "workloadWrites", Long.toString(s.workloadWrites()));
        property(x, "lostWrites", String.valueOf(s.lostWrites()));
        x.append("  </properties>\n");
        for (Case c : cases) {
            x.append(String.format(Locale.ROOT, "  <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\"",
                    attr(c.classname()), attr(c.name()), c.seconds()));
            if (c.failure() == null && c.output() == null) {
                x.append("/>\n");
                continue;
            }
            x.append(">\n");
            if (c.failure() != null) {
                x.append("    <failure message=\"").append(attr(c.failure())).append("\">")
                        .append(text(c.failure())).append("</failure>\n");
            }
            if (c.output() != null) {
                x.append("    <system-out>").append(text(c.output())).append("</system-out>\n");
            }
            x.append("  </testcase>\n");
        }
        return x.append("</testsuite>\n").toString();
    }

    private static void property(StringBuilder x, String name, String value) {
        x.append("    <property name=\"").append(attr(name)).append("\" value=\"").append(attr(value)).append("\"/>\n");
    }

    private static String attr(String v) {
        return text(v).replace("\"", "&quot;").replace("\n", "&#10;");
    }

    /** XML text: markup escaped, characters XML 1.0 cannot hold dropped, passwords redacted. */
    private static String text(String v) {
        String redacted = Secrets.redact(v);
        StringBuilder s = new StringBuilder(redacted.length());
        for (int i = 0; i < redacted.length(); i++) {
            char ch = redacted.charAt(i);
            switch (ch) {
                case '&' -> s.append("&amp;");
                case '<' -> s.append("&lt;");
                case '>' -> s.append("&gt;");
                default -> {
                    if (ch >= 0x20 || ch == '\n' || ch == '\t' || ch == '\r') {
                        s.append(ch);
                    }
                }
            }
        }
        return s.toString();
    }
}

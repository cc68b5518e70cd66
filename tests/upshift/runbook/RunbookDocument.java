package upshift.runbook;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * runbook.md as the tests read it: every {@code ./jbang ...} command in its bash blocks, and every SQL block that
 * shows a step's {@code --dry-run} output (its first line is the command that prints it: {@code -- ./jbang ...}).
 */
record RunbookDocument(List<Command> commands, List<DryRunBlock> dryRunBlocks, List<Section> sections) {

    /** A numbered section, {@code ## 8. switchover}: its line and number ("8", "9b"). */
    record Section(int line, String number, String title) {
    }

    private static final java.util.regex.Pattern NUMBERED = java.util.regex.Pattern.compile("^## (\\w+)\\. (.*)$");

    /** The number of the section a line is in, or "" before the first numbered section (the introduction). */
    String sectionAt(int line) {
        String number = "";
        for (Section s : sections) {
            if (s.line() < line) {
                number = s.number();
            }
        }
        return number;
    }

    /** A command line as an operator types it, from {@code ./jbang} on. */
    record Command(int line, String alias, List<String> args, String text) {
    }

    /** A SQL block and the command whose --dry-run prints it. */
    record DryRunBlock(int line, Command command, String sql) {
    }

    static RunbookDocument read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<Command> commands = new ArrayList<>();
        List<DryRunBlock> blocks = new ArrayList<>();
        List<Section> sections = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            java.util.regex.Matcher heading = NUMBERED.matcher(lines.get(i));
            if (heading.matches()) {
                sections.add(new Section(i + 1, heading.group(1), heading.group(2)));
            }
            String fence = lines.get(i).strip();
            if (!fence.startsWith("```")) {
                continue;
            }
            String language = fence.substring(3).strip();
            int start = i + 1;
            int end = start;
            while (end < lines.size() && !lines.get(end).strip().startsWith("```")) {
                end++;
            }
            List<String> body = lines.subList(start, end);
            if (language.equals("bash")) {
                for (int j = 0; j < body.size(); j++) {
                    Command c = parse(start + j + 1, body.get(j));
                    if (c != null) {
                        commands.add(c);
                    }
                }
            } else if (language.equals("sql") && !body.isEmpty() && body.get(0).startsWith("-- ./jbang ")) {
                Command c = parse(start + 1, body.get(0).substring(3));
                blocks.add(new DryRunBlock(start + 1, c, String.join("\n", body.subList(1, body.size()))));
            }
            i = end;
        }
        return new RunbookDocument(commands, blocks, sections);
    }

    /** The ./jbang command on a shell line (after any VAR=value prefixes, before > | && ; #), or null. */
    static Command parse(int lineNumber, String line) {
        List<String> words = ShellWords.split(line);
        int at = words.indexOf("./jbang");
        if (at < 0 || at + 1 >= words.size()) {
            return null;
        }
        List<String> args = new ArrayList<>();
        for (String w : words.subList(at + 2, words.size())) {
            if (w.equals(">") || w.equals("|") || w.equals("&&") || w.equals(";") || w.startsWith("#")
                    || w.equals("\\")) {
                break;
            }
            args.add(w);
        }
        return new Command(lineNumber, words.get(at + 1), args, line.strip());
    }

    /** Just enough of the shell's word splitting for runbook lines: quotes, and operators as words. */
    static final class ShellWords {
        private ShellWords() {
        }

        static List<String> split(String line) {
            List<String> words = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            boolean inWord = false;
            char quote = 0;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (quote != 0) {
                    if (c == quote) {
                        quote = 0;
                    } else {
                        current.append(c);
                    }
                } else if (c == '\'' || c == '"') {
                    quote = c;
                    inWord = true;
                } else if (Character.isWhitespace(c)) {
                    if (inWord) {
                        words.add(current.toString());
                        current.setLength(0);
                        inWord = false;
                    }
                } else if (c == '#' && !inWord) {
                    words.add("#");
                    break;
                } else {
                    current.append(c);
                    inWord = true;
                }
            }
            if (inWord) {
                words.add(current.toString());
            }
            return words;
        }
    }
}

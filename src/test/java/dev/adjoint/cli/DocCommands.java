package dev.adjoint.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The commands a Markdown page shows, as {@code scripts/docs-run} finds them (docs/testing.md, "Executable
 * docs"): each line of a fenced block that starts with a command ({@code scripts/…}, {@code mvn},
 * {@code spark-submit} or {@code java}, after an optional {@code $ } and {@code NAME=value} settings), joined
 * across trailing backslashes, its {@code # comment} dropped; in blocks where some lines start with {@code $ },
 * only those. In BENCHMARKS.md, also every inline {@code `scripts/bench …`}: the command a section says made it.
 *
 * <p>A block is marked by HTML comments on the lines just before it: {@code <!-- docs-run: skip PREFIX: why -->}
 * skips its commands that start with PREFIX, settings included or not ({@code *}: all of them), naming the reason in the run's output;
 * {@code <!-- docs-run: exit N -->} expects exit code N from each of its commands (a documented failure).
 */
record DocCommands(String file, int line, String command, List<String> env, List<String> args, int expectedExit,
    String skipReason) {

  private static final Pattern MARKER = Pattern.compile("<!--\\s*docs-run:\\s*(skip|exit)\\s+(.*?)\\s*-->");
  private static final Pattern COMMAND = Pattern.compile("^(\\$ )?((?:[A-Z][A-Z0-9_]*=\\S+ +)*)(scripts/\\S+|mvn|spark-submit|java)(\\s.*)?$");
  private static final Pattern INLINE_BENCH = Pattern.compile("`(scripts/bench(?: [^`]*)?)`");

  /** The program: {@code scripts/adjoint}, {@code scripts/bench}, {@code mvn}, … */
  String program() {
    return command;
  }

  /** Where it is shown, for messages: {@code docs/data.md:55}. */
  String where() {
    return file + ":" + line;
  }

  /** The command as shown (settings, program and arguments). */
  String shown() {
    List<String> all = new ArrayList<>(env);
    all.add(command);
    all.addAll(args);
    return String.join(" ", all);
  }

  /** Every command {@code markdown} (the page {@code file}) shows, in order. */
  static List<DocCommands> parse(String file, String markdown) {
    List<DocCommands> found = new ArrayList<>();
    String[] lines = markdown.split("\n", -1);
    boolean benchmarks = file.endsWith("BENCHMARKS.md");
    for (int i = 0; i < lines.length; i++) {
      if (!lines[i].startsWith("```")) {
        if (benchmarks) {
          Matcher m = INLINE_BENCH.matcher(lines[i]);
          while (m.find()) {
            found.add(command(file, i + 1, m.group(1), 0, null));
          }
        }
        continue;
      }
      List<String[]> skips = new ArrayList<>();
      int exit = 0;
      for (int j = i - 1; j >= 0 && (lines[j].isBlank() || MARKER.matcher(lines[j]).find()); j--) {
        Matcher m = MARKER.matcher(lines[j]);
        while (m.find()) {
          if (m.group(1).equals("exit")) {
            exit = Integer.parseInt(m.group(2).trim());
          } else {
            String[] prefixAndWhy = m.group(2).split(":\\s*", 2);
            skips.add(new String[] {prefixAndWhy[0].trim(), prefixAndWhy.length > 1 ? prefixAndWhy[1] : "(no reason given)"});
          }
        }
      }
      int end = i + 1;
      while (end < lines.length && !lines[end].startsWith("```")) {
        end++;
      }
      boolean dollar = false;
      for (int j = i + 1; j < end; j++) {
        dollar |= lines[j].startsWith("$ ");
      }
      for (int j = i + 1; j < end; j++) {
        String text = lines[j];
        if (dollar && !text.startsWith("$ ")) {
          continue;
        }
        int first = j;
        while (text.endsWith("\\") && j + 1 < end) {
          text = text.substring(0, text.length() - 1) + " " + lines[++j].strip();
        }
        text = withoutComment(text).strip();
        if (!COMMAND.matcher(text).matches()) {
          continue;
        }
        String skip = null;
        String bare = text.replaceFirst("^\\$ ", "").replaceFirst("^(?:[A-Z][A-Z0-9_]*=\\S+ +)*", "");
        for (String[] s : skips) {
          if (s[0].equals("*") || bare.startsWith(s[0]) || text.replaceFirst("^\\$ ", "").startsWith(s[0])) {
            skip = s[1];
          }
        }
        found.add(command(file, first + 1, text, exit, skip));
      }
      i = end;
    }
    return found;
  }

  private static DocCommands command(String file, int line, String text, int exit, String skip) {
    Matcher m = COMMAND.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException(file + ":" + line + ": not a command: " + text);
    }
    List<String> env = m.group(2).isBlank() ? List.of() : List.of(m.group(2).trim().split(" +"));
    List<String> args = new ArrayList<>(words(m.group(4) == null ? "" : m.group(4)));
    args.removeIf(a -> a.equals("…"));  // "run …": the rest elided
    return new DocCommands(file, line, m.group(3), env, List.copyOf(args), exit, skip);
  }

  /** {@code text} without a trailing {@code # comment} (a # after a space, outside quotes). */
  static String withoutComment(String text) {
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote != 0) {
        quote = c == quote ? 0 : quote;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '#' && i > 0 && Character.isWhitespace(text.charAt(i - 1))) {
        return text.substring(0, i);
      }
    }
    return text;
  }

  /** The words of a shell command line: split at spaces, single and double quotes removed. */
  static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (char c : text.toCharArray()) {
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          out.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      out.add(word.toString());
    }
    return out;
  }

  /**
   * The arguments at the reduced size: every {@code --rows N} / {@code -n N} above {@code maxRows} becomes
   * {@code maxRows}; every output ({@code --output}, {@code -o}) and every path under one moves below
   * {@code scratch}, so reruns start clean and nothing is written outside it.
   */
  static List<String> reduced(List<String> args, long maxRows, String scratch, java.util.Map<String, String> moved) {
    List<String> out = new ArrayList<>(args);
    for (int i = 0; i + 1 < out.size(); i++) {
      String a = out.get(i);
      if ((a.equals("--rows") || a.equals("-n")) && out.get(i + 1).matches("\\d+")) {
        out.set(i + 1, Long.toString(Math.min(Long.parseLong(out.get(i + 1)), maxRows)));
      }
      if ((a.equals("--output") || a.equals("-o")) && !out.get(i + 1).contains("://")) {
        String path = out.get(i + 1).replaceAll("/+$", "");
        moved.putIfAbsent(path, scratch + "/" + path.replaceFirst("^/+", ""));
      }
    }
    for (int i = 0; i < out.size(); i++) {
      for (java.util.Map.Entry<String, String> e : moved.entrySet()) {
        String a = out.get(i);
        if (a.equals(e.getKey()) || a.startsWith(e.getKey() + "/")) {
          out.set(i, e.getValue() + a.substring(e.getKey().length()));
        }
      }
    }
    return out;
  }
}

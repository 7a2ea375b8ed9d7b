package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * How scripts/docs-run finds the docs' commands ({@link DocCommands}): fenced command lines with their
 * continuations, settings and comments, output lines left out, the skip and exit markers, BENCHMARKS.md's inline
 * commands, the reduced size; and that every command the docs show now is one the runner runs or one marked
 * skipped with a reason.
 */
class DocCommandsTest {
  private static final String PAGE = String.join("\n",
      "Text with `scripts/bench pass --rows 5` inline (run only in BENCHMARKS.md).",
      "",
      "```",
      "scripts/adjoint generate --rows 2000000 --dim 8 --out-dim 2 -o /tmp/gen   # a comment",
      "ADJOINT_DRIVER_MEMORY=1g scripts/adjoint run --master 'local[2]' --input /tmp/gen/data \\",
      "  --loss squared",
      "some output line",
      "mvn -B verify",
      "```",
      "",
      "<!-- docs-run: skip mvn: CI runs it -->",
      "```",
      "scripts/adjoint blas",
      "mvn -B verify -Dadjoint.blas=java",
      "```",
      "<!-- docs-run: exit 2 -->",
      "```",
      "$ scripts/adjoint run --loss hinge",
      "adjoint: error: invalid value for --loss",
      "```",
      "```",
      "Y  [3×2]",
      "```");

  @Test
  void findsTheCommandsOfFencedBlocks() {
    List<DocCommands> found = DocCommands.parse("docs/x.md", PAGE);
    assertEquals(List.of("docs/x.md:4", "docs/x.md:5", "docs/x.md:8", "docs/x.md:13", "docs/x.md:14", "docs/x.md:18"),
        found.stream().map(DocCommands::where).toList());
    DocCommands generate = found.get(0);
    assertEquals("scripts/adjoint", generate.program());
    assertEquals(List.of("generate", "--rows", "2000000", "--dim", "8", "--out-dim", "2", "-o", "/tmp/gen"), generate.args());
    DocCommands run = found.get(1);
    assertEquals(List.of("ADJOINT_DRIVER_MEMORY=1g"), run.env());
    assertEquals(List.of("run", "--master", "local[2]", "--input", "/tmp/gen/data", "--loss", "squared"), run.args());
    assertNull(found.get(2).skipReason(), "an unmarked mvn is not skipped (the runner then fails on it)");
    assertNull(found.get(3).skipReason());
    assertEquals("CI runs it", found.get(4).skipReason());
    assertEquals(2, found.get(5).expectedExit());
    assertEquals(0, found.get(0).expectedExit());
  }

  @Test
  void benchmarksInlineCommandsCountThere() {
    List<DocCommands> found = DocCommands.parse("BENCHMARKS.md", PAGE);
    assertEquals("scripts/bench", found.get(0).program());
    assertEquals(List.of("pass", "--rows", "5"), found.get(0).args());
  }

  @Test
  void reducesRowsAndMovesOutputsBelowTheScratchFolder() {
    Map<String, String> moved = new HashMap<>();
    List<DocCommands> found = DocCommands.parse("docs/x.md", PAGE);
    assertEquals(List.of("generate", "--rows", "1000", "--dim", "8", "--out-dim", "2", "-o", "/s/tmp/gen"),
        DocCommands.reduced(found.get(0).args(), 1000, "/s", moved));
    assertEquals(List.of("run", "--master", "local[2]", "--input", "/s/tmp/gen/data", "--loss", "squared"),
        DocCommands.reduced(found.get(1).args(), 1000, "/s", moved));
    assertEquals(List.of("x", "--rows", "10"), DocCommands.reduced(List.of("x", "--rows", "10"), 1000, "/s", moved));
  }

  @Test
  void everyCommandTheDocsShowRunsOrIsMarkedWithAReason() throws Exception {
    List<Path> pages = new ArrayList<>(List.of(Path.of("README.md"), Path.of("BENCHMARKS.md")));
    try (Stream<Path> docs = Files.list(Path.of("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    int runnable = 0;
    for (Path page : pages) {
      for (DocCommands c : DocCommands.parse(page.toString(), Files.readString(page, StandardCharsets.UTF_8))) {
        boolean runs = c.program().equals("scripts/adjoint") || c.program().equals("scripts/bench");
        assertTrue(runs || c.skipReason() != null, c.where() + ": '" + c.shown() + "' is neither run by scripts/docs-run nor "
            + "marked <!-- docs-run: skip PREFIX: why -->");
        runnable += runs && c.skipReason() == null ? 1 : 0;
      }
    }
    assertTrue(runnable >= 10, "only " + runnable + " runnable commands found in the docs");
  }
}

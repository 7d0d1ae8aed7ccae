package dev.herdguard.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every {@code ```java} block of the README and of the pages under {@code docs/} is a copy of a
 * compiled example, as OkHttp's recipes are: each block must appear, whitespace aside, in a source
 * file under {@code examples/src/main/java}, and that example must have a test of its own
 * ({@code <Example>Test}), so the code a user pastes compiles and runs in this build. Copying
 * rather than compiling each block in a template keeps the blocks short (no imports, no class
 * around them) and the examples complete, and the failure names the block that drifted.
 */
class ReadmeSnippetsTest {

  private static final Pattern JAVA_BLOCK = Pattern.compile("(?ms)^```java\\n(.*?)^```");

  /** The repository root: the tests run in examples/. */
  private static Path root() {
    return Files.exists(Path.of("..", "README.md")) ? Path.of("..") : Path.of(".");
  }

  /** The pages a user reads: the README and docs/*.md. */
  static List<Path> pages() throws IOException {
    List<Path> pages = new ArrayList<>();
    pages.add(root().resolve("README.md"));
    try (Stream<Path> docs = Files.list(root().resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    return pages;
  }

  /** Each java block of {@code markdown}, as written. */
  static List<String> javaBlocks(String markdown) {
    List<String> blocks = new ArrayList<>();
    Matcher m = JAVA_BLOCK.matcher(markdown);
    while (m.find()) {
      blocks.add(m.group(1));
    }
    return blocks;
  }

  /** Whitespace runs become one space, so indentation and aligned comments do not count. */
  static String normalize(String code) {
    return code.replaceAll("\\s+", " ").strip();
  }

  /** The example sources, by path, normalized. */
  static Map<Path, String> exampleSources() throws IOException {
    Map<Path, String> sources = new LinkedHashMap<>();
    try (Stream<Path> files = Files.walk(root().resolve("examples/src/main/java"))) {
      for (Path p : files.filter(f -> f.toString().endsWith(".java")).sorted().collect(Collectors.toList())) {
        sources.put(p, normalize(Files.readString(p)));
      }
    }
    return sources;
  }

  /** The example that holds {@code block}, if any. */
  static Optional<Path> exampleHolding(String block, Map<Path, String> sources) {
    String wanted = normalize(block);
    return sources.entrySet().stream().filter(e -> e.getValue().contains(wanted)).map(Map.Entry::getKey).findFirst();
  }

  @Test
  void everyJavaBlockIsACopyOfATestedExample() throws IOException {
    Map<Path, String> sources = exampleSources();
    List<String> problems = new ArrayList<>();
    int blocks = 0;
    for (Path page : pages()) {
      for (String block : javaBlocks(Files.readString(page))) {
        blocks++;
        Optional<Path> example = exampleHolding(block, sources);
        if (example.isEmpty()) {
          problems.add(page + ": no example under examples/src/main/java holds this block:\n" + block);
          continue;
        }
        Path source = example.get();
        Path test = root().resolve("examples/src/test/java")
            .resolve(root().resolve("examples/src/main/java").relativize(source).toString().replace(".java", "Test.java"));
        if (!Files.exists(test)) {
          problems.add(page + ": the block is in " + source + ", which has no test " + test + ":\n" + block);
        }
      }
    }
    assertEquals(List.of(), problems, String.join("\n\n", problems));
    assertTrue(blocks >= 10, "java blocks found in the README and docs/: " + blocks);
  }

  @Test
  void theReadmeItselfHasTheQuickStartBlock() throws IOException {
    List<String> readme = javaBlocks(Files.readString(root().resolve("README.md")));
    assertTrue(readme.size() >= 2, "the README's java blocks: " + readme.size());
    assertTrue(exampleHolding(readme.get(0), exampleSources()).orElseThrow().endsWith("QuickStart.java"));
  }

  @Test
  void aBlockThatDriftedFromItsExampleIsNotFound() throws IOException {
    Map<Path, String> sources = exampleSources();
    String quickStart = javaBlocks(Files.readString(root().resolve("README.md"))).get(0);
    assertTrue(exampleHolding(quickStart.replace("  ", "    "), sources).isPresent(), "indentation does not count");
    assertEquals(Optional.empty(), exampleHolding(quickStart.replace("awaitStartup", "awaitStartUp"), sources));
    assertEquals(List.of("a();\n", "b();\n"), javaBlocks("x\n```java\na();\n```\n```sh\nc\n```\n```java\nb();\n```\n"));
  }
}

package dev.herdguard.release;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * What a release publishes, checked against Maven Central's rules on every build: for each library
 * module of the root POM (packaging jar, not {@code maven.deploy.skip}), its jar, sources and
 * javadoc jars, the license in their {@code META-INF}, and its consumer POM; and the BOM.
 *
 * <p>Central's rules: https://central.sonatype.org/publish/requirements/ (sources and javadoc
 * jars, signatures, and a POM with coordinates, name, description, url, licenses, developers and
 * scm). Signatures are made in the release profile only and are not checked here.
 */
class ReleaseArtifactsTest {

  private static final Path ROOT = Path.of(Objects.requireNonNull(System.getProperty("herdguard.root"),
      "herdguard.root: run through Maven")).toAbsolutePath().normalize();
  private static final String VERSION = Objects.requireNonNull(System.getProperty("herdguard.version"),
      "herdguard.version: run through Maven");

  /** A library module: its folder and artifactId. */
  record Library(Path dir, String artifactId) {}

  static List<Library> libraries() throws Exception {
    List<Library> libraries = new ArrayList<>();
    for (Element module : children(child(pom(ROOT.resolve("pom.xml")), "modules"), "module")) {
      Path dir = ROOT.resolve(module.getTextContent().trim());
      Element project = pom(dir.resolve("pom.xml"));
      String packaging = text(project, "packaging");
      Element properties = child(project, "properties");
      boolean deployed = properties == null || !"true".equals(text(properties, "maven.deploy.skip"));
      if ((packaging == null || packaging.equals("jar")) && deployed) {
        libraries.add(new Library(dir, text(project, "artifactId")));
      }
    }
    return libraries;
  }

  @Test
  void theLibrariesAreTheOnesThisCheckKnows() throws Exception {
    List<String> found = libraries().stream().map(Library::artifactId).toList();
    assertTrue(found.contains("herdguard-core") && found.contains("herdguard-okhttp"), found.toString());
    assertFalse(found.contains("herdguard-examples") || found.contains("herdguard-benchmarks"), found.toString());
    // This module must come after every library in the reactor: it depends on each of them.
    List<String> dependencies = new ArrayList<>();
    for (Element d : children(child(pom(ROOT.resolve("release-check/pom.xml")), "dependencies"), "dependency")) {
      dependencies.add(text(d, "artifactId"));
    }
    for (String library : found) {
      assertTrue(dependencies.contains(library), library + " is a library module of the root POM: add it to "
          + "release-check/pom.xml's dependencies (scope test), so that it is packaged before this check");
    }
  }

  @Test
  void everyLibraryJarSourcesJarAndJavadocJarExistAndCarryTheLicense() throws Exception {
    byte[] license = Files.readAllBytes(ROOT.resolve("LICENSE"));
    assertTrue(new String(license, StandardCharsets.UTF_8).contains("Apache License")
        && new String(license, StandardCharsets.UTF_8).contains("Version 2.0, January 2004"),
        "LICENSE at the root is the Apache License 2.0");
    for (Library l : libraries()) {
      Path target = l.dir().resolve("target");
      String base = l.artifactId() + "-" + VERSION;
      for (String classifier : List.of("", "-sources")) {
        Path jar = target.resolve(base + classifier + ".jar");
        assertTrue(Files.isRegularFile(jar), jar + " exists (run `mvn verify` from the root)");
        try (JarFile j = new JarFile(jar.toFile())) {
          JarEntry entry = j.getJarEntry("META-INF/LICENSE");
          assertNotNull(entry, jar + " has META-INF/LICENSE");
          try (InputStream in = j.getInputStream(entry)) {
            assertArrayEquals(license, in.readAllBytes(), jar + "'s META-INF/LICENSE is the root's LICENSE");
          }
          if (classifier.isEmpty()) {
            assertTrue(j.stream().anyMatch(e -> e.getName().endsWith(".class")), jar + " has classes");
            assertEquals(VERSION, j.getManifest().getMainAttributes().getValue("Implementation-Version"), jar.toString());
            assertNotNull(j.getManifest().getMainAttributes().getValue("Automatic-Module-Name"), jar.toString());
          } else {
            assertTrue(j.stream().anyMatch(e -> e.getName().endsWith(".java")), jar + " has sources");
          }
        }
      }
      Path javadoc = target.resolve(base + "-javadoc.jar");
      assertTrue(Files.isRegularFile(javadoc), javadoc + " exists");
      try (JarFile j = new JarFile(javadoc.toFile())) {
        assertNotNull(j.getJarEntry("index.html"), javadoc + " has index.html");
      }
    }
  }

  @Test
  void everyConsumerPomHasCentralsMetadataAndNoBuildOnlySettings() throws Exception {
    for (Library l : libraries()) {
      Path file = l.dir().resolve(".flattened-pom.xml");
      assertTrue(Files.isRegularFile(file), file + " exists: flatten-maven-plugin writes it at process-resources");
      Element p = pom(file);
      assertEquals("dev.herdguard", text(p, "groupId"), file.toString());
      assertEquals(l.artifactId(), text(p, "artifactId"), file.toString());
      assertEquals(VERSION, text(p, "version"), file.toString());
      metadata(p, file);
      for (String buildOnly : List.of("parent", "build", "profiles", "dependencyManagement", "repositories",
          "pluginRepositories", "modules")) {
        assertEquals(null, child(p, buildOnly), file + " has no <" + buildOnly + ">");
      }
      Element deps = child(p, "dependencies");
      for (Element d : deps == null ? List.<Element>of() : children(deps, "dependency")) {
        String coordinates = text(d, "groupId") + ":" + text(d, "artifactId");
        String version = text(d, "version");
        assertNotNull(version, file + ": " + coordinates + " has a version");
        assertFalse(version.contains("${"), file + ": " + coordinates + " has a resolved version: " + version);
        String scope = text(d, "scope");
        assertFalse("test".equals(scope), file + ": " + coordinates + " is a test dependency a consumer never needs");
        if (version.endsWith("-SNAPSHOT")) {
          // A snapshot of herdguard itself, on main; a release (no -SNAPSHOT) depends on none.
          assertTrue(VERSION.endsWith("-SNAPSHOT") && text(d, "groupId").equals("dev.herdguard")
              && version.equals(VERSION), file + ": " + coordinates + ":" + version + " is a SNAPSHOT dependency");
        }
      }
    }
  }

  @Test
  void theBomManagesEveryLibraryAndNothingElse() throws Exception {
    Path file = ROOT.resolve("bom/pom.xml");
    Element p = pom(file);
    assertEquals(null, child(p, "parent"), "the BOM has no parent: herdguard-parent's dependencyManagement "
        + "would pin JUnit, JMH, OkHttp and Resilience4j in every build that imports it");
    assertEquals("herdguard-bom", text(p, "artifactId"));
    assertEquals("pom", text(p, "packaging"));
    assertEquals(VERSION, text(p, "version"), "the BOM's version moves with the reactor's");
    metadata(p, file);
    List<String> managed = new ArrayList<>();
    for (Element d : children(child(child(p, "dependencyManagement"), "dependencies"), "dependency")) {
      assertEquals("dev.herdguard", text(d, "groupId"), file + " manages herdguard's artifacts only");
      assertEquals("${project.version}", text(d, "version"), file + ": " + text(d, "artifactId"));
      assertEquals(null, text(d, "scope"), file + ": " + text(d, "artifactId") + " has no scope (no import)");
      managed.add(text(d, "artifactId"));
    }
    for (Library l : libraries()) {
      assertTrue(managed.contains(l.artifactId()), l.artifactId() + " is a library: manage it in bom/pom.xml");
    }
  }

  @Test
  void theReadmesDependencySnippetsNameArtifactsThatArePublishedAtTheReactorsVersion() throws Exception {
    String readme = Files.readString(ROOT.resolve("README.md"));
    List<String> published = new ArrayList<>(libraries().stream().map(Library::artifactId).toList());
    published.add("herdguard-bom");
    Matcher block = Pattern.compile("```xml\\n(.*?)```", Pattern.DOTALL)
        .matcher(readme);
    Pattern coordinates = Pattern.compile(
        "<groupId>dev\\.herdguard</groupId>\\s*<artifactId>([^<]+)</artifactId>\\s*<version>([^<]+)</version>");
    List<String> named = new ArrayList<>();
    while (block.find()) {
      Matcher m = coordinates.matcher(block.group(1));
      while (m.find()) {
        assertTrue(published.contains(m.group(1)), "README names " + m.group(1) + ", which is not published: "
            + published);
        assertEquals(VERSION, m.group(2), "README's snippet for " + m.group(1) + " names the reactor's version");
        named.add(m.group(1));
      }
    }
    assertTrue(named.contains("herdguard-core") && named.contains("herdguard-bom"), "README's snippets: " + named);
  }

  /** What Central requires of every POM besides its coordinates. */
  private static void metadata(Element p, Path file) throws Exception {
    Element root = pom(ROOT.resolve("pom.xml"));
    assertEquals(text(root, "url"), text(p, "url"), file + ": <url> is the project's page, not a path below it");
    assertEquals(text(child(root, "scm"), "url"), text(child(p, "scm"), "url"), file + ": <scm><url>");
    assertEquals(text(child(root, "scm"), "connection"), text(child(p, "scm"), "connection"),
        file + ": <scm><connection>");
    for (String field : List.of("name", "description", "url")) {
      String value = text(p, field);
      assertTrue(value != null && !value.isBlank(), file + " has <" + field + ">");
    }
    Element license = child(child(p, "licenses"), "license");
    assertNotNull(license, file + " has a license");
    assertEquals("Apache License, Version 2.0", text(license, "name"), file.toString());
    assertEquals("https://www.apache.org/licenses/LICENSE-2.0.txt", text(license, "url"), file.toString());
    Element developer = child(child(p, "developers"), "developer");
    assertNotNull(developer, file + " has a developer");
    assertNotNull(text(developer, "name"), file + ": the developer has a name");
    Element scm = child(p, "scm");
    assertNotNull(scm, file + " has <scm>");
    for (String field : List.of("connection", "developerConnection", "url")) {
      assertNotNull(text(scm, field), file + " has <scm><" + field + ">");
    }
  }

  // ------------------------------------------------------------------ XML

  private static Element pom(Path file) throws Exception {
    if (!Files.isRegularFile(file)) {
      fail(file + " is missing");
    }
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(false);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    try (InputStream in = Files.newInputStream(file)) {
      Document d = f.newDocumentBuilder().parse(in);
      return d.getDocumentElement();
    } catch (IOException e) {
      throw new IOException(file.toString(), e);
    }
  }

  /** The first child element of {@code parent} named {@code name}, or null (also for a null parent). */
  private static Element child(Element parent, String name) {
    if (parent == null) {
      return null;
    }
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return e;
      }
    }
    return null;
  }

  private static List<Element> children(Element parent, String name) {
    List<Element> out = new ArrayList<>();
    if (parent == null) {
      return out;
    }
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      if (nodes.item(i) instanceof Element e && e.getTagName().equals(name)) {
        out.add(e);
      }
    }
    return out;
  }

  private static String text(Element parent, String name) {
    Element e = child(parent, name);
    return e == null ? null : e.getTextContent().trim();
  }
}

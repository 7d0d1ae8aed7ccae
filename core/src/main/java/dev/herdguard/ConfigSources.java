package dev.herdguard;

import static dev.herdguard.HerdGuardConfig.CONFIG_FILE_PROPERTY;
import static dev.herdguard.HerdGuardConfig.OPERATIONS_PREFIX;
import static dev.herdguard.HerdGuardConfig.PREFIX;

import dev.herdguard.internal.Spelling;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@link HerdGuardConfig#load()}'s five sources into one builder. Only reads and merges:
 * every value goes to {@link HerdGuardConfig.Builder#set} with where it came from, so its rules
 * stay in the builder and its messages say which file, property or variable to fix; a problem
 * with a source (a missing file, an unknown key in a file) is handed to the builder too, so that
 * one exception lists it with all the others. An environment variable that names no key is only
 * a WARN: see {@link #ignoreUnknown}. Stateless.
 */
final class ConfigSources {

  static final String RESOURCE = "herdguard.properties";
  static final String ENV_PREFIX = "HERDGUARD_";
  static final String ENV_CONFIG_FILE = "HERDGUARD_CONFIG";
  private static final String ENV_OPERATIONS = "OPERATIONS_";

  private ConfigSources() {}

  /** Where a system property's value came from, completing "key (value) ...". */
  static final String FROM_SYSTEM_PROPERTY = "from a -D system property";

  private static final Logger log = LoggerFactory.getLogger(HerdGuardConfig.class);

  /**
   * A value, the name it was written under (a key, or an environment variable), and where it came
   * from ({@code in /etc/app/herdguard.properties}), or null when the name says it.
   */
  private static final class Entry {
    final String value;
    final String label;
    final String where;

    Entry(String value, String label, String where) {
      this.value = value;
      this.label = label;
      this.where = where;
    }
  }

  static HerdGuardConfig.Builder read(
      ClassLoader classLoader, Properties systemProperties, Map<String, String> env) {
    HerdGuardConfig.Builder b = HerdGuardConfig.builder().withEnvironment(systemProperties::getProperty, env::get);
    // Key by key, later sources replace earlier ones; the builder then sees one value per key.
    Map<String, Entry> merged = new LinkedHashMap<>();

    URL resource = findResource(classLoader);
    if (resource != null) {
      String where = "classpath resource " + resource;
      try (InputStream in = resource.openStream()) {
        readFile(in, where, "in " + where, merged, b);
      } catch (IOException | IllegalArgumentException e) {
        b.problem(RESOURCE + " on the classpath (" + resource + ") cannot be read: " + e.getMessage());
      }
    }

    String fileLabel = CONFIG_FILE_PROPERTY;
    String file = systemProperties.getProperty(CONFIG_FILE_PROPERTY);
    if (file == null && env.get(ENV_CONFIG_FILE) != null) {
      fileLabel = ENV_CONFIG_FILE;
      file = env.get(ENV_CONFIG_FILE);
    }
    if (file != null) {
      readConfigFile(fileLabel, file.strip(), merged, b);
    }

    for (String name : new TreeSet<>(systemProperties.stringPropertyNames())) {
      if (name.startsWith(PREFIX) && !name.equals(CONFIG_FILE_PROPERTY)) {
        merged.put(name, new Entry(systemProperties.getProperty(name), name, FROM_SYSTEM_PROPERTY));
      }
    }

    readEnvironment(env, merged, b);

    merged.forEach((key, e) -> b.set(key, e.value, e.label, e.where));
    return b;
  }

  /** The thread's context class loader first, then herdguard's own, as most libraries do. */
  private static URL findResource(ClassLoader classLoader) {
    URL url = classLoader == null ? null : classLoader.getResource(RESOURCE);
    ClassLoader own = HerdGuardConfig.class.getClassLoader();
    if (url == null && own != null && own != classLoader) {
      url = own.getResource(RESOURCE);
    }
    return url;
  }

  private static void readConfigFile(
      String label, String file, Map<String, Entry> merged, HerdGuardConfig.Builder b) {
    Path path;
    try {
      path = Path.of(file);
    } catch (InvalidPathException e) {
      b.problem(label + " (" + file + ") must be a valid path: " + e.getReason());
      return;
    }
    String absolute = path.isAbsolute() ? "" : " (" + path.toAbsolutePath() + ")";
    if (!Files.exists(path)) {
      b.problem(label + " (" + file + ") names a file that does not exist" + absolute);
      return;
    }
    if (!Files.isRegularFile(path)) {
      b.problem(label + " (" + file + ") names a folder, not a file" + absolute);
      return;
    }
    try (InputStream in = Files.newInputStream(path)) {
      readFile(in, file, "in " + file, merged, b);
    } catch (IOException | IllegalArgumentException e) {
      b.problem(label + " (" + file + ") cannot be read: " + e.getMessage());
    }
  }

  /**
   * Reads one of herdguard's own files. Unlike {@link HerdGuardConfig#fromProperties}, a key
   * without the prefix is an error here: in a file that is all herdguard's, {@code backoff.base=1s}
   * is a forgotten prefix, not someone else's setting.
   */
  private static void readFile(
      InputStream in, String where, String from, Map<String, Entry> merged, HerdGuardConfig.Builder b)
      throws IOException {
    var properties = new RepeatCatchingProperties();
    try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      properties.load(reader);
    }
    properties.repeated.forEach((key, values) ->
        b.problem(key + " is set more than once in " + where + " (" + String.join(", then ", values) + ")"));
    for (String key : new TreeSet<>(properties.stringPropertyNames())) {
      if (key.startsWith(PREFIX)) {
        merged.put(key, new Entry(properties.getProperty(key), key, from));
      } else {
        b.problem("unknown key " + key + " in " + where
            + HerdGuardConfig.suggestKey(key).map(s -> " (did you mean " + s + "?)").orElse(""));
      }
    }
  }

  private static void readEnvironment(
      Map<String, String> env, Map<String, Entry> merged, HerdGuardConfig.Builder b) {
    List<String> names = HerdGuardConfig.settingNames();
    Set<String> knownOperations = new TreeSet<>();
    for (String key : merged.keySet()) {
      if (key.startsWith(OPERATIONS_PREFIX)) {
        String rest = key.substring(OPERATIONS_PREFIX.length());
        knownOperations.add(rest.substring(0, Math.max(0, rest.indexOf('.'))));
      }
    }
    for (var e : new TreeMap<>(env).entrySet()) {
      String variable = e.getKey();
      if (!variable.startsWith(ENV_PREFIX) || variable.equals(ENV_CONFIG_FILE)) {
        continue;
      }
      String rest = variable.substring(ENV_PREFIX.length());
      String key = null;
      if (rest.startsWith(ENV_OPERATIONS)) {
        key = operationKey(variable, rest.substring(ENV_OPERATIONS.length()), names, knownOperations, b);
        if (key == null) {
          continue;
        }
      } else {
        for (String name : names) {
          if (envName(name).equals(rest)) {
            key = PREFIX + name;
          }
        }
      }
      if (key == null) {
        ignoreUnknown(variable, names);
      } else {
        merged.put(key, new Entry(e.getValue(), variable, null));
      }
    }
  }

  /**
   * The key of {@code HERDGUARD_OPERATIONS_<NAME>_<KEY>}: the longest key that ends the variable,
   * and the name before it; null after reporting why there is none.
   */
  private static String operationKey(
      String variable, String rest, List<String> names, Set<String> knownOperations, HerdGuardConfig.Builder b) {
    String best = null;
    for (String name : names) {
      String tail = "_" + envName(name);
      if (rest.endsWith(tail) && rest.length() > tail.length()
          && (best == null || name.length() > best.length())) {
        best = name;
      }
    }
    if (best == null) {
      ignoreUnknown(variable, names);
      return null;
    }
    String upper = rest.substring(0, rest.length() - envName(best).length() - 1);
    List<String> spellings = new ArrayList<>();
    for (String known : knownOperations) {
      if (envName(known).equals(upper)) {
        spellings.add(known);
      }
    }
    if (spellings.size() > 1) {
      b.problem(variable + " is ambiguous: it could be operation " + String.join(" or ", spellings)
          + "; set " + OPERATIONS_PREFIX + "<name>." + best + " as a system property instead");
      return null;
    }
    String operation = spellings.isEmpty() ? upper.toLowerCase(Locale.ROOT) : spellings.get(0);
    return OPERATIONS_PREFIX + operation + "." + best;
  }

  /**
   * An environment variable that names no key is someone else's ({@code HERDGUARD_HOME} from
   * another tool) or a typo: a WARN with the nearest variable, not an error. A whole fleet's
   * environment is not herdguard's to police, and one stray line must not keep an application
   * from starting; herdguard's own files and system properties are, so there an unknown key is an
   * error.
   */
  private static void ignoreUnknown(String variable, List<String> names) {
    log.warn("ignoring {}: herdguard reads only the HERDGUARD_ variables that name one of its keys",
        unknownVariable(variable, names));
  }

  static String unknownVariable(String variable, List<String> names) {
    List<String> candidates = new ArrayList<>();
    String rest = variable.substring(ENV_PREFIX.length());
    if (rest.startsWith(ENV_OPERATIONS)) {
      // Every way to split the rest into a name and a key, so a typo in the key still finds it.
      String tail = rest.substring(ENV_OPERATIONS.length());
      for (int i = tail.indexOf('_'); i > 0; i = tail.indexOf('_', i + 1)) {
        for (String name : names) {
          candidates.add(ENV_OPERATIONS + tail.substring(0, i) + "_" + envName(name));
        }
      }
    } else {
      names.forEach(name -> candidates.add(envName(name)));
    }
    return "unknown environment variable " + variable
        + Spelling.nearest(rest, candidates, '_').map(s -> " (did you mean " + ENV_PREFIX + s + "?)").orElse("");
  }

  /** {@code retry.max-attempts} as in an environment variable: {@code RETRY_MAX_ATTEMPTS}. */
  static String envName(String key) {
    return key.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
  }

  /** Properties that remember a key set twice in one file, which plain Properties forgets. */
  private static final class RepeatCatchingProperties extends Properties {
    private static final long serialVersionUID = 1L;
    final Map<String, List<String>> repeated = new TreeMap<>();

    @Override
    public synchronized Object put(Object key, Object value) {
      Object previous = super.put(key, value);
      if (previous != null && key instanceof String && ((String) key).startsWith(PREFIX)) {
        repeated.computeIfAbsent((String) key, k -> new ArrayList<>(List.of(String.valueOf(previous))))
            .add(String.valueOf(value));
      }
      return previous;
    }
  }
}

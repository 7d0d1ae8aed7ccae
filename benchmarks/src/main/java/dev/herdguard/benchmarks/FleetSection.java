package dev.herdguard.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Turns {@link FleetBenchmark}'s JMH JSON into a Markdown section: seconds per patch-tuesday run
 * and clients simulated per second.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.herdguard.benchmarks.FleetSection
 * <jmh.json> <out.md>}
 */
public final class FleetSection {

  private FleetSection() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: FleetSection <jmh.json> <out.md>");
      System.exit(2);
    }
    List<ResultsTable.Row> rows = ResultsTable.read(Path.of(args[0]));
    StringBuilder md = new StringBuilder()
        .append("### Fleet simulator: patch-tuesday, one whole run per operation (1 thread)\n\n")
        .append("| run | clients | seconds per run | clients simulated per second | B/op |\n")
        .append("| --- | ---: | ---: | ---: | ---: |\n");
    for (ResultsTable.Row r : rows) {
      if (!r.clazz().equals("FleetBenchmark")) {
        continue;
      }
      int clients = Integer.parseInt(r.params().get("clients"));
      md.append(String.format(Locale.ROOT, "| %s | %,d | %.2f ± %.2f | %,.0f | %,.0f |%n",
          r.method(), clients, r.score(), r.error(), clients / r.score(), r.bytesPerOp()));
    }
    Files.writeString(Path.of(args[1]), md.toString(), StandardCharsets.UTF_8);
  }

}

package dev.adjoint.bench;

import dev.adjoint.blas.BlasInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link KernelBench} over shapes and block sizes and prints, per configuration, the layer's
 * GFLOP/s (6·B·d·m flops per block) next to one GEMM's (2·B·d·m) measured in the same run.
 *
 * <pre>
 *   KernelBenchmarks [--dims 64,256,512,1024] [--d LIST] [--m LIST] [--rows 0] [--precision float64,float32]
 *                    [--forks F] [--iterations I] [--quick] [--markdown FILE]
 * </pre>
 * d and m each range over --dims (or over --d and --m when given); --rows lists block sizes (0 = the job's default for the shape).
 * scripts/bench kernel runs it with the project's test classpath.
 */
public final class KernelBenchmarks {
  private KernelBenchmarks() {}

  public static void main(String[] args) throws RunnerException, IOException {
    Map<String, String> opts = new HashMap<>();
    boolean quick = false;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--quick")) {
        quick = true;
      } else if (args[i].startsWith("--") && i + 1 < args.length) {
        opts.put(args[i].substring(2), args[++i]);
      } else {
        System.err.println("usage: KernelBenchmarks [--dims LIST] [--d LIST] [--m LIST] [--rows LIST] [--precision LIST] [--forks F] [--iterations I] [--quick] [--markdown FILE]");
        System.exit(2);
      }
    }
    String[] dims = opts.getOrDefault("dims", "64,256,512,1024").split(",");
    ChainedOptionsBuilder builder = new OptionsBuilder()
        .include(KernelBench.class.getName())
        .param("d", opts.containsKey("d") ? opts.get("d").split(",") : dims)
        .param("m", opts.containsKey("m") ? opts.get("m").split(",") : dims)
        .param("rows", opts.getOrDefault("rows", "0").split(","))
        .param("precision", opts.getOrDefault("precision", "float64,float32").split(","));
    if (opts.containsKey("forks")) {
      builder.forks(Integer.parseInt(opts.get("forks")));
    }
    if (opts.containsKey("iterations")) {
      builder.measurementIterations(Integer.parseInt(opts.get("iterations")));
    }
    if (quick) {
      builder.warmupIterations(1).warmupTime(TimeValue.milliseconds(500))
          .measurementIterations(2).measurementTime(TimeValue.milliseconds(500));
    }
    Collection<RunResult> results = new Runner(builder.build()).run();
    String table = table(results);
    System.out.println();
    System.out.println("BLAS: " + BlasInfo.current().describe() + ", OPENBLAS_CORETYPE="
        + System.getenv().getOrDefault("OPENBLAS_CORETYPE", "(unset)") + ", one thread");
    System.out.println(table);
    if (opts.containsKey("markdown")) {
      Files.writeString(Path.of(opts.get("markdown")), table, StandardCharsets.UTF_8);
    }
  }

  /** One line per (precision, B, d, m): layer time and GFLOP/s, GEMM GFLOP/s, and their ratio. */
  static String table(Collection<RunResult> results) {
    Map<String, double[]> msPerOp = new HashMap<>();  // key → {layer ms, gemm ms}
    List<String> order = new ArrayList<>();
    for (RunResult r : results) {
      BenchmarkParams p = r.getParams();
      String key = p.getParam("precision") + " " + KernelBench.blockRows(Integer.parseInt(p.getParam("rows")),
          Integer.parseInt(p.getParam("d")), Integer.parseInt(p.getParam("m"))) + " " + p.getParam("d") + " " + p.getParam("m");
      if (!msPerOp.containsKey(key)) {
        msPerOp.put(key, new double[] {Double.NaN, Double.NaN});
        order.add(key);
      }
      boolean layer = p.getBenchmark().endsWith(".layer");
      msPerOp.get(key)[layer ? 0 : 1] = r.getPrimaryResult().getScore();
    }
    Map<String, List<Double>> bigRatios = new java.util.TreeMap<>();  // precision → layer/GEMM where d, m ≥ 256
    StringBuilder sb = new StringBuilder();
    sb.append("| precision | B (rows) | d | m | layer ms/block | layer GFLOP/s | GEMM GFLOP/s | layer / GEMM |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (String key : order) {
      String[] f = key.split(" ");
      double flops = 2.0 * Double.parseDouble(f[1]) * Double.parseDouble(f[2]) * Double.parseDouble(f[3]);
      double[] ms = msPerOp.get(key);
      double layerGflops = 3 * flops / (ms[0] * 1e6);
      double gemmGflops = flops / (ms[1] * 1e6);
      sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.3f | %.1f | %.1f | %.0f%% |%n",
          f[0], f[1], f[2], f[3], ms[0], layerGflops, gemmGflops, 100 * layerGflops / gemmGflops));
      if (Integer.parseInt(f[2]) >= 256 && Integer.parseInt(f[3]) >= 256) {
        bigRatios.computeIfAbsent(f[0], k -> new ArrayList<>()).add(layerGflops / gemmGflops);
      }
    }
    for (Map.Entry<String, List<Double>> e : bigRatios.entrySet()) {
      double[] r = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
      sb.append(String.format(Locale.ROOT, "%n%s, d and m ≥ 256 (%d shapes): layer / GEMM median %.0f%%, range %.0f%%–%.0f%%.%n",
          e.getKey(), r.length, 100 * PassBenchmark.median(r), 100 * r[0], 100 * r[r.length - 1]));
    }
    return sb.toString();
  }
}

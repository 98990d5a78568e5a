/*
 * The peer: the Apache Directory LDAP API's Dsmlv2Engine turning DSMLv2 search
 * batches into LDAP against slapd and back into DSMLv2, in-process (no HTTP),
 * one engine and one LDAP connection per thread. Driven by the benchmark over
 * stdin, one command a line, one JSON answer a line on stdout:
 *
 *   run <threads> <seconds> <rate>   rate 0: as fast as the threads go
 *   quit
 *
 *   java -cp <apache jars>:<dir> ApacheDsmlBench <host> <port> <bindDn> <password> <requests file, one batch a line>
 */
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.apache.directory.api.dsmlv2.engine.Dsmlv2Engine;

public final class ApacheDsmlBench {
    private final String host;
    private final int port;
    private final String bindDn;
    private final String password;
    private final String[] requests;
    private final List<Dsmlv2Engine> engines = new ArrayList<>();

    private ApacheDsmlBench(String host, int port, String bindDn, String password, String[] requests) {
        this.host = host;
        this.port = port;
        this.bindDn = bindDn;
        this.password = password;
        this.requests = requests;
    }

    /** Growable list of latencies in nanoseconds, one per thread (no sharing while measuring). */
    private static final class Samples {
        long[] values = new long[1 << 14];
        int count;
        long errors;

        void add(long v) {
            if (count == values.length) values = Arrays.copyOf(values, count * 2);
            values[count++] = v;
        }
    }

    private Dsmlv2Engine engine(int i) {
        while (engines.size() <= i) engines.add(new Dsmlv2Engine(host, port, bindDn, password));
        return engines.get(i);
    }

    private static boolean good(String answer) {
        return answer != null && answer.contains("searchResultEntry") && !answer.contains("errorResponse")
            && answer.contains("code=\"0\"");
    }

    private String run(int threads, double seconds, double rate) throws InterruptedException {
        for (int t = 0; t < threads; t++) engine(t);
        final AtomicLong next = new AtomicLong();
        final Samples[] samples = new Samples[threads];
        final Thread[] workers = new Thread[threads];
        final long start = System.nanoTime();
        final long end = start + (long) (seconds * 1e9);
        final long interval = rate > 0 ? (long) (1e9 / rate) : 0;
        for (int t = 0; t < threads; t++) {
            final Dsmlv2Engine engine = engines.get(t);
            final Samples mine = samples[t] = new Samples();
            workers[t] = new Thread(() -> {
                for (;;) {
                    long i = next.getAndIncrement();
                    long t0;
                    if (interval > 0) {
                        // Paced: timed from when the batch was due, so a late start (every thread busy) counts.
                        long slot = start + i * interval;
                        if (slot >= end) return;
                        long wait = slot - System.nanoTime();
                        if (wait > 0) LockSupport.parkNanos(wait);
                        t0 = slot;
                    } else {
                        if (System.nanoTime() >= end) return;
                        t0 = System.nanoTime();
                    }
                    String answer;
                    try {
                        answer = engine.processDSML(requests[(int) (i % requests.length)]);
                    } catch (Exception e) {
                        answer = null;
                    }
                    long took = System.nanoTime() - t0;
                    if (good(answer)) mine.add(took);
                    else mine.errors++;
                }
            });
            workers[t].start();
        }
        for (Thread w : workers) w.join();
        double elapsed = (System.nanoTime() - start) / 1e9;
        int total = 0;
        long errors = 0;
        for (Samples s : samples) { total += s.count; errors += s.errors; }
        long[] all = new long[total];
        int k = 0;
        for (Samples s : samples) { System.arraycopy(s.values, 0, all, k, s.count); k += s.count; }
        Arrays.sort(all);
        return String.format(java.util.Locale.ROOT,
            "{\"threads\":%d,\"requests\":%d,\"errors\":%d,\"seconds\":%.3f,\"rps\":%.1f,\"p50\":%.3f,\"p99\":%.3f}",
            threads, total, errors, elapsed, total / elapsed, quantile(all, 0.5), quantile(all, 0.99));
    }

    /** Nearest rank, in milliseconds. */
    private static double quantile(long[] sorted, double q) {
        if (sorted.length == 0) return 0;
        int rank = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
        return sorted[rank] / 1e6;
    }

    public static void main(String[] args) {
        try {
            serve(args);
        } catch (Throwable e) {
            // The engines' connections keep non-daemon threads: leave explicitly, whatever went wrong.
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void serve(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: ApacheDsmlBench <host> <port> <bindDn> <password> <requests file>");
            System.exit(2);
        }
        String[] requests = Files.readAllLines(Paths.get(args[4]), StandardCharsets.UTF_8).stream()
            .filter(l -> !l.isBlank()).toArray(String[]::new);
        ApacheDsmlBench bench = new ApacheDsmlBench(args[0], Integer.parseInt(args[1]), args[2], args[3], requests);
        // One answer up front, so a set-up problem shows as an error, not as a zero rate.
        String first = bench.engine(0).processDSML(requests[0]);
        if (!good(first)) {
            System.err.println("unexpected answer: " + first);
            System.exit(1);
        }
        System.out.println("{\"ready\":true}");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null;) {
            String[] cmd = line.trim().split("\\s+");
            if (cmd[0].equals("quit")) break;
            if (cmd[0].equals("run") && cmd.length == 4) {
                System.out.println(bench.run(Integer.parseInt(cmd[1]), Double.parseDouble(cmd[2]), Double.parseDouble(cmd[3])));
            } else {
                System.out.println("{\"error\":\"unknown command\"}");
            }
            System.out.flush();
        }
        System.exit(0);
    }
}
